import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { at, providerTreeTest, put, read } from '../../test/harness/provider-tree.js';

const BASE = ['/var/lib/samba/private/secrets.tdb', '/var/log/samba/log.smbd'];

providerTreeTest('samba-db-log', [
  {
    expect: { removed: BASE },
    check(root) {
      for (const d of ['/var/log/samba', '/var/lib/samba', '/var/lib/samba/private']) {
        assert.ok(fs.statSync(at(root, d)).isDirectory(), `${d} stays`);
      }
    },
  },
  {
    name: 'old logs and every database file; directories and smb.conf stay',
    prepare(root) {
      put(root, '/var/log/samba/old/log.nmbd.old', 'old');
      put(root, '/var/log/samba/log.nmbd', 'nmbd');
      put(root, '/var/lib/samba/wins.dat', 'wins');
      put(root, '/var/lib/samba/private/passdb.tdb', 'passdb');
      put(root, '/etc/samba/smb.conf', '[global]\nworkgroup = EXAMPLE\n');
    },
    expect: {
      removed: [...BASE, '/var/log/samba/old/log.nmbd.old', '/var/log/samba/log.nmbd', '/var/lib/samba/wins.dat',
        '/var/lib/samba/private/passdb.tdb'],
    },
    check(root) {
      assert.ok(fs.statSync(at(root, '/var/log/samba/old')).isDirectory());
      assert.equal(read(root, '/etc/samba/smb.conf'), '[global]\nworkgroup = EXAMPLE\n');
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
