import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { at, providerTreeTest, put, read } from '../../test/harness/provider-tree.js';

const BASE = ['/var/log/puppet/puppet.log', '/var/lib/puppet/state/last_run_summary.yaml'];

providerTreeTest('puppet-data-log', [
  {
    expect: { removed: BASE },
    check(root) {
      for (const d of ['/var/log/puppet', '/var/lib/puppet', '/var/lib/puppet/state']) {
        assert.ok(fs.statSync(at(root, d)).isDirectory(), `${d} stays`);
      }
    },
  },
  {
    name: 'the agent\'s certificates and cached catalog go; the directory tree stays',
    prepare(root) {
      put(root, '/var/lib/puppet/ssl/certs/golden.example.com.pem', 'CERT');
      put(root, '/var/lib/puppet/ssl/certs/ca.pem', 'CA');
      put(root, '/var/lib/puppet/ssl/private_keys/golden.example.com.pem', 'KEY');
      put(root, '/var/lib/puppet/client_data/catalog/golden.example.com.json', '{}');
      put(root, '/var/lib/puppet/classes.txt', 'settings\n');
      put(root, '/etc/puppet/puppet.conf', '[main]\nserver = puppet.example.com\n');
    },
    expect: {
      removed: [...BASE, '/var/lib/puppet/ssl/certs/golden.example.com.pem', '/var/lib/puppet/ssl/certs/ca.pem',
        '/var/lib/puppet/ssl/private_keys/golden.example.com.pem', '/var/lib/puppet/client_data/catalog/golden.example.com.json'],
    },
    check(root) {
      assert.ok(fs.statSync(at(root, '/var/lib/puppet/ssl/private_keys')).isDirectory());
      // virt-sysprep's patterns: files one level down are not matched, nor is the agent's configuration
      assert.equal(read(root, '/var/lib/puppet/classes.txt'), 'settings\n');
      assert.equal(read(root, '/etc/puppet/puppet.conf'), '[main]\nserver = puppet.example.com\n');
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
