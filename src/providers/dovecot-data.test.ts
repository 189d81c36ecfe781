import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after } from 'node:test';
import { CACHE_DIR } from '../../test/fixtures/roots.js';
import { at, providerTreeTest } from '../../test/harness/provider-tree.js';

const INSTANCES = '/var/lib/dovecot/instances';

function put(root: string, p: string, content = 'data\n'): void {
  fs.mkdirSync(path.dirname(at(root, p)), { recursive: true });
  fs.writeFileSync(at(root, p), content);
}

const HOST = path.join(CACHE_DIR, 'work', `host-dovecot-data-${process.pid}`);
after(() => fs.rmSync(HOST, { recursive: true, force: true }));

providerTreeTest('dovecot-data', [
  {
    expect: { removed: [INSTANCES] },
    check(root) {
      assert.ok(fs.lstatSync(at(root, '/var/lib/dovecot')).isDirectory());
    },
  },
  {
    name: 'files only: subdirectories stay; a link to a host file goes as a link',
    prepare(root) {
      put(root, '/var/lib/dovecot/ssl-parameters.dat');
      put(root, '/var/lib/dovecot/db/expire.db');
      fs.mkdirSync(HOST, { recursive: true });
      fs.writeFileSync(path.join(HOST, 'auth-token-secret.dat'), 'host secret\n');
      fs.symlinkSync(path.join(HOST, 'auth-token-secret.dat'), at(root, '/var/lib/dovecot/auth-token-secret.dat'));
    },
    expect: { removed: [INSTANCES, '/var/lib/dovecot/ssl-parameters.dat', '/var/lib/dovecot/auth-token-secret.dat'] },
    check(root) {
      assert.ok(fs.existsSync(at(root, '/var/lib/dovecot/db/expire.db')), 'directories are not files');
      assert.equal(fs.readFileSync(path.join(HOST, 'auth-token-secret.dat'), 'utf8'), 'host secret\n');
    },
  },
  {
    name: 'no runtime data: nothing to do',
    prepare(root) {
      fs.rmSync(at(root, INSTANCES));
    },
    expect: {},
  },
]);
