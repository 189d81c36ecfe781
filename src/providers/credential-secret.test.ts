import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after } from 'node:test';
import { CACHE_DIR } from '../../test/fixtures/roots.js';
import { at, providerTreeTest } from '../../test/harness/provider-tree.js';

const SECRET = '/var/lib/systemd/credential.secret';

const HOST = path.join(CACHE_DIR, 'work', `host-credential-secret-${process.pid}`);
after(() => fs.rmSync(HOST, { recursive: true, force: true }));

providerTreeTest('credential-secret', [
  {
    expect: { removed: [SECRET] },
    check(root) {
      assert.ok(fs.existsSync(at(root, '/var/lib/systemd/random-seed')), 'the random seed is another provider');
    },
  },
  {
    name: 'the key links to a host file: the link goes, the host file stays',
    prepare(root) {
      fs.mkdirSync(HOST, { recursive: true });
      fs.writeFileSync(path.join(HOST, 'credential.secret'), 'host secret\n', { mode: 0o400 });
      fs.rmSync(at(root, SECRET));
      fs.symlinkSync(path.join(HOST, 'credential.secret'), at(root, SECRET));
    },
    expect: { removed: [SECRET] },
    check() {
      assert.equal(fs.readFileSync(path.join(HOST, 'credential.secret'), 'utf8'), 'host secret\n');
    },
  },
  {
    name: 'no key: nothing to do',
    prepare(root) {
      fs.rmSync(at(root, SECRET));
    },
    expect: {},
  },
]);
