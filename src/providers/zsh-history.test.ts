import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after } from 'node:test';
import { CACHE_DIR } from '../../test/fixtures/roots.js';
import { at, providerTreeTest, read } from '../../test/harness/provider-tree.js';

const ALICE = '/home/alice/.zsh_history';

function put(root: string, p: string, content = ''): void {
  fs.mkdirSync(path.dirname(at(root, p)), { recursive: true });
  fs.writeFileSync(at(root, p), content, { mode: 0o600 });
}

/** Files on the host, outside the image, that links in the image name; they must stay untouched. */
const HOST = path.join(CACHE_DIR, 'work', `host-zsh-history-${process.pid}`);
after(() => fs.rmSync(HOST, { recursive: true, force: true }));
function hostFile(name: string, content: string): string {
  fs.mkdirSync(path.dirname(path.join(HOST, name)), { recursive: true });
  fs.writeFileSync(path.join(HOST, name), content);
  return path.join(HOST, name);
}

providerTreeTest('zsh-history', [
  {
    expect: { removed: [ALICE] },
    check(root) {
      // other histories belong to other providers
      assert.equal(read(root, '/home/alice/.bash_history'), 'ssh prod\nmysql -p secret\n');
      assert.equal(read(root, '/home/alice/.bashrc'), 'alias ll="ls -l"\n');
    },
  },
  {
    name: 'every home named in /etc/passwd, every zsh history file name',
    prepare(root) {
      put(root, '/srv/home/bob/.zsh_history', ': 1700000000:0;make\n');
      put(root, '/srv/home/bob/.zhistory', 'make\n');
      put(root, '/root/.histfile', 'ls\n');
      put(root, '/var/lib/postgresql/.zsh_history', 'psql\n');
      put(root, '/home/alice/.zshrc', 'HISTFILE=~/.zsh_history\n');
    },
    expect: { removed: [ALICE, '/srv/home/bob/.zsh_history', '/srv/home/bob/.zhistory', '/root/.histfile', '/var/lib/postgresql/.zsh_history'] },
    check(root) {
      assert.equal(read(root, '/home/alice/.zshrc'), 'HISTFILE=~/.zsh_history\n');
    },
  },
  {
    name: 'nothing to do',
    prepare(root) {
      fs.rmSync(at(root, ALICE));
    },
    expect: {},
  },
  {
    name: 'root\'s history is a link to a host file: only the link goes',
    prepare(root) {
      fs.symlinkSync(hostFile('zsh_history', 'HOST HISTORY'), at(root, '/root/.zsh_history'));
    },
    expect: { removed: [ALICE, '/root/.zsh_history'] },
    check() {
      assert.equal(fs.readFileSync(path.join(HOST, 'zsh_history'), 'utf8'), 'HOST HISTORY');
    },
  },
]);
