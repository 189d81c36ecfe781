import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after } from 'node:test';
import { CACHE_DIR } from '../../test/fixtures/roots.js';
import { at, providerTreeTest, read } from '../../test/harness/provider-tree.js';

const BACKUPS = ['/etc/group-', '/etc/gshadow-', '/etc/passwd-', '/etc/shadow-', '/var/backups/passwd.bak', '/var/backups/shadow.bak'];

function put(root: string, p: string, content = ''): void {
  fs.mkdirSync(path.dirname(at(root, p)), { recursive: true });
  fs.writeFileSync(at(root, p), content, { mode: 0o600 });
}

/** Files on the host, outside the image, that links in the image name; they must stay untouched. */
const HOST = path.join(CACHE_DIR, 'work', `host-passwd-backups-${process.pid}`);
after(() => fs.rmSync(HOST, { recursive: true, force: true }));
function hostFile(name: string, content: string): string {
  fs.mkdirSync(path.dirname(path.join(HOST, name)), { recursive: true });
  fs.writeFileSync(path.join(HOST, name), content);
  return path.join(HOST, name);
}

providerTreeTest('passwd-backups', [
  {
    expect: { removed: BACKUPS },
    check(root) {
      // the live databases are untouched
      for (const f of ['passwd', 'shadow', 'group', 'gshadow']) assert.match(read(root, `/etc/${f}`), /^root:/m, f);
      assert.match(read(root, '/etc/passwd'), /^alice:x:1000:/m);
      assert.ok(fs.statSync(at(root, '/var/backups')).isDirectory());
    },
  },
  {
    name: 'subuid/subgid backups and dpkg\'s other backups: only the account databases\' copies go',
    prepare(root) {
      put(root, '/etc/subuid-', 'alice:100000:65536\n');
      put(root, '/etc/subgid-', 'alice:100000:65536\n');
      put(root, '/var/backups/group.bak', 'root:x:0:\n');
      put(root, '/var/backups/gshadow.bak', 'root:*::\n');
      put(root, '/var/backups/dpkg.status.0', 'Package: dpkg\n');
      put(root, '/var/backups/apt.extended_states.0', 'Package: nginx\n');
    },
    expect: { removed: [...BACKUPS, '/etc/subuid-', '/etc/subgid-', '/var/backups/group.bak', '/var/backups/gshadow.bak'] },
    check(root) {
      assert.equal(read(root, '/var/backups/dpkg.status.0'), 'Package: dpkg\n');
      assert.equal(read(root, '/var/backups/apt.extended_states.0'), 'Package: nginx\n');
    },
  },
  {
    name: 'nothing to do',
    prepare(root) {
      for (const p of BACKUPS) fs.rmSync(at(root, p));
    },
    expect: {},
  },
  {
    name: 'a backup that is a link to a host file: only the link goes',
    prepare(root) {
      fs.rmSync(at(root, '/etc/shadow-'));
      fs.symlinkSync(hostFile('shadow', 'root:HOSTHASH:1::::::\n'), at(root, '/etc/shadow-'));
    },
    expect: { removed: BACKUPS },
    check() {
      assert.equal(fs.readFileSync(path.join(HOST, 'shadow'), 'utf8'), 'root:HOSTHASH:1::::::\n');
    },
  },
]);
