import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after } from 'node:test';
import { CACHE_DIR } from '../../test/fixtures/roots.js';
import { at, providerTreeTest, read } from '../../test/harness/provider-tree.js';

const BASE = ['/home/alice/.ssh', '/root/.ssh'];

function put(root: string, p: string, content = ''): void {
  fs.mkdirSync(path.dirname(at(root, p)), { recursive: true });
  fs.writeFileSync(at(root, p), content, { mode: 0o600 });
}

/** Files on the host, outside the image, that links in the image name; they must stay untouched. */
const HOST = path.join(CACHE_DIR, 'work', `host-ssh-userdir-${process.pid}`);
after(() => fs.rmSync(HOST, { recursive: true, force: true }));
function hostFile(name: string, content: string): string {
  fs.mkdirSync(path.dirname(path.join(HOST, name)), { recursive: true });
  fs.writeFileSync(path.join(HOST, name), content);
  return path.join(HOST, name);
}

providerTreeTest('ssh-userdir', [
  {
    expect: { removed: BASE },
    check(root) {
      // gitea's ~/.ssh is the application's data (its users' keys): a service account is not a person
      assert.match(read(root, '/var/lib/gitea/.ssh/authorized_keys'), /gitea serv key-1/);
      assert.ok(fs.statSync(at(root, '/root')).isDirectory());
      assert.equal(read(root, '/root/important.txt'), 'root notes\n');
    },
  },
  {
    name: 'a login user\'s home outside /home counts; a service account\'s does not',
    prepare(root) {
      put(root, '/srv/home/bob/.ssh/id_rsa', 'BOB KEY');
      put(root, '/var/lib/postgresql/.ssh/authorized_keys', 'ssh-ed25519 AAAA replication');
    },
    expect: { removed: [...BASE, '/srv/home/bob/.ssh'] },
    check(root) {
      assert.equal(read(root, '/var/lib/postgresql/.ssh/authorized_keys'), 'ssh-ed25519 AAAA replication');
    },
  },
  {
    name: 'nothing to do',
    prepare(root) {
      for (const p of BASE) fs.rmSync(at(root, p), { recursive: true });
    },
    expect: {},
  },
  {
    name: 'a ~/.ssh that is a link to a host directory: only the link goes',
    prepare(root) {
      hostFile('ssh/id_ed25519', 'HOST KEY');
      fs.rmSync(at(root, '/home/alice/.ssh'), { recursive: true });
      fs.symlinkSync(path.join(HOST, 'ssh'), at(root, '/home/alice/.ssh'));
    },
    expect: { removed: BASE },
    check() {
      assert.equal(fs.readFileSync(path.join(HOST, 'ssh/id_ed25519'), 'utf8'), 'HOST KEY');
    },
  },
]);
