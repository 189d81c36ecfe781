import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after } from 'node:test';
import { CACHE_DIR } from '../../test/fixtures/roots.js';
import { at, providerTreeTest } from '../../test/harness/provider-tree.js';

const FISH = '/home/alice/.local/share/fish/fish_history';
const PLANTED = ['/root/.python_history', '/root/.viminfo', '/root/.wget-hsts', '/home/alice/.lesshst', FISH, '/var/lib/postgresql/.psql_history'];

function put(root: string, p: string, content = 'history\n'): void {
  fs.mkdirSync(path.dirname(at(root, p)), { recursive: true });
  fs.writeFileSync(at(root, p), content, { mode: 0o600 });
}

const HOST = path.join(CACHE_DIR, 'work', `host-history-files-${process.pid}`);
after(() => fs.rmSync(HOST, { recursive: true, force: true }));

function assertShellHistoriesKept(root: string): void {
  for (const p of ['/root/.bash_history', '/home/alice/.bash_history', '/home/alice/.zsh_history', '/srv/home/bob/.bash_history']) {
    assert.ok(fs.existsSync(at(root, p)), `${p} belongs to bash-history / zsh-history`);
  }
}

providerTreeTest('history-files', [
  {
    name: "tools' histories in every home, the service account postgres's included",
    expect: { removed: PLANTED },
    check(root) {
      assertShellHistoriesKept(root);
      assert.ok(fs.statSync(at(root, '/home/alice/.local/share/fish')).isDirectory(), "fish's directory stays");
    },
  },
  {
    name: 'every listed tool, in homes outside /home too',
    prepare(root) {
      put(root, '/root/.sh_history');
      put(root, '/root/.rediscli_history');
      put(root, '/home/alice/.ash_history');
      put(root, '/home/alice/.irb_history');
      put(root, '/srv/home/bob/.mysql_history');
      put(root, '/srv/home/bob/.node_repl_history');
      put(root, '/var/lib/gitea/.sqlite_history');
      put(root, '/home/alice/.config/app/history.txt'); // not a listed history file
    },
    expect: {
      removed: [...PLANTED, '/root/.sh_history', '/root/.rediscli_history', '/home/alice/.ash_history', '/home/alice/.irb_history',
        '/srv/home/bob/.mysql_history', '/srv/home/bob/.node_repl_history', '/var/lib/gitea/.sqlite_history'],
    },
    check(root) {
      assertShellHistoriesKept(root);
      assert.ok(fs.existsSync(at(root, '/home/alice/.config/app/history.txt')));
    },
  },
  {
    name: 'a history linking to a host file goes as a link; a directory linking to the host is not entered',
    prepare(root) {
      fs.mkdirSync(path.join(HOST, 'fish'), { recursive: true });
      fs.writeFileSync(path.join(HOST, 'viminfo'), 'host viminfo\n');
      fs.writeFileSync(path.join(HOST, 'fish/fish_history'), 'host fish\n');
      fs.rmSync(at(root, '/root/.viminfo'));
      fs.symlinkSync(path.join(HOST, 'viminfo'), at(root, '/root/.viminfo'));
      fs.rmSync(at(root, '/home/alice/.local/share/fish'), { recursive: true });
      fs.symlinkSync(path.join(HOST, 'fish'), at(root, '/home/alice/.local/share/fish'));
    },
    expect: { removed: PLANTED.filter((p) => p !== FISH) },
    check() {
      assert.equal(fs.readFileSync(path.join(HOST, 'viminfo'), 'utf8'), 'host viminfo\n');
      assert.equal(fs.readFileSync(path.join(HOST, 'fish/fish_history'), 'utf8'), 'host fish\n');
    },
  },
]);
