import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { at, providerTreeTest, put, read } from '../../test/harness/provider-tree.js';

const BASE = ['/var/lib/sss/db/cache_example.com.ldb', '/var/log/sssd/sssd.log'];

providerTreeTest('sssd-db-log', [
  {
    expect: { removed: BASE },
    check(root) {
      assert.ok(fs.statSync(at(root, '/var/lib/sss/db')).isDirectory());
      assert.ok(fs.statSync(at(root, '/var/log/sssd')).isDirectory());
    },
  },
  {
    name: 'every cache database and log; configuration and the memory cache directory stay',
    prepare(root) {
      put(root, '/var/lib/sss/db/config.ldb', 'cfg');
      put(root, '/var/lib/sss/db/timestamps_example.com.ldb', 'ts');
      put(root, '/var/log/sssd/sssd_example.com.log', 'log');
      put(root, '/var/log/sssd/sssd_nss.log.1', 'old');
      put(root, '/etc/sssd/sssd.conf', '[sssd]\ndomains = example.com\n');
    },
    expect: {
      removed: [...BASE, '/var/lib/sss/db/config.ldb', '/var/lib/sss/db/timestamps_example.com.ldb',
        '/var/log/sssd/sssd_example.com.log', '/var/log/sssd/sssd_nss.log.1'],
    },
    check(root) {
      assert.equal(read(root, '/etc/sssd/sssd.conf'), '[sssd]\ndomains = example.com\n');
    },
  },
  {
    name: 'nothing to do',
    prepare(root) {
      for (const p of BASE) fs.rmSync(at(root, p));
    },
    expect: {},
  },
]);
