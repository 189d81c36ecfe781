import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after } from 'node:test';
import { CACHE_DIR } from '../../test/fixtures/roots.js';
import { at, providerTreeTest } from '../../test/harness/provider-tree.js';

const PLANTED = ['/root/.bash_history', '/home/alice/.bash_history', '/srv/home/bob/.bash_history'];

function put(root: string, p: string, content: string): void {
  fs.mkdirSync(path.dirname(at(root, p)), { recursive: true });
  fs.writeFileSync(at(root, p), content, { mode: 0o600 });
}

const HOST = path.join(CACHE_DIR, 'work', `host-bash-history-${process.pid}`);
after(() => fs.rmSync(HOST, { recursive: true, force: true }));
function hostFile(name: string, content: string): string {
  fs.mkdirSync(path.dirname(path.join(HOST, name)), { recursive: true });
  fs.writeFileSync(path.join(HOST, name), content);
  return path.join(HOST, name);
}

providerTreeTest('bash-history', [
  {
    name: "root's, alice's, and bob's outside /home",
    expect: { removed: PLANTED },
    check(root) {
      assert.ok(fs.existsSync(at(root, '/home/alice/.zsh_history')), 'other shells are other providers');
      assert.ok(fs.existsSync(at(root, '/var/lib/postgresql/.psql_history')));
    },
  },
  {
    name: "service accounts' homes too (postgres, gitea, www-data)",
    prepare(root) {
      put(root, '/var/lib/postgresql/.bash_history', 'psql\n');
      put(root, '/var/lib/gitea/.bash_history', 'gitea admin\n');
      put(root, '/var/www/.bash_history', 'ls\n');
    },
    expect: { removed: [...PLANTED, '/var/lib/postgresql/.bash_history', '/var/lib/gitea/.bash_history', '/var/www/.bash_history'] },
  },
  {
    name: 'a history that links to a host file goes as a link; a home that links to a host directory is not entered',
    prepare(root) {
      fs.rmSync(at(root, '/root/.bash_history'));
      fs.symlinkSync(hostFile('root_history', 'host history\n'), at(root, '/root/.bash_history'));
      hostFile('carol/.bash_history', 'carol on the host\n');
      fs.appendFileSync(at(root, '/etc/passwd'), 'carol:x:1002:1002:Carol:/home/carol:/bin/bash\n');
      fs.symlinkSync(path.join(HOST, 'carol'), at(root, '/home/carol'));
    },
    expect: { removed: PLANTED },
    check() {
      assert.equal(fs.readFileSync(path.join(HOST, 'root_history'), 'utf8'), 'host history\n');
      assert.equal(fs.readFileSync(path.join(HOST, 'carol/.bash_history'), 'utf8'), 'carol on the host\n');
    },
  },
  {
    name: 'no histories: nothing to do',
    prepare(root) {
      for (const p of PLANTED) fs.rmSync(at(root, p));
    },
    expect: {},
  },
]);
