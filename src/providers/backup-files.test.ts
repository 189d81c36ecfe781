import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after } from 'node:test';
import { CACHE_DIR } from '../../test/fixtures/roots.js';
import { at, providerTreeTest } from '../../test/harness/provider-tree.js';

/** the backups lived-in.ts plants where this provider looks */
const PLANTED = ['/etc/ssh/sshd_config~', '/root/notes.txt~', '/var/backups/passwd.bak', '/var/backups/shadow.bak'];

function put(root: string, p: string, content = 'x\n'): void {
  fs.mkdirSync(path.dirname(at(root, p)), { recursive: true });
  fs.writeFileSync(at(root, p), content);
}

const HOST = path.join(CACHE_DIR, 'work', `host-backup-files-${process.pid}`);
after(() => fs.rmSync(HOST, { recursive: true, force: true }));
function hostFile(name: string, content: string): string {
  fs.mkdirSync(path.dirname(path.join(HOST, name)), { recursive: true });
  fs.writeFileSync(path.join(HOST, name), content);
  return path.join(HOST, name);
}

function assertHomesAndSrvKept(root: string): void {
  assert.ok(fs.existsSync(at(root, '/home/alice/Documents/old-report.bak')), '*.bak under /home is somebody\'s data');
  assert.ok(fs.existsSync(at(root, '/srv/backups/site.tar.bak')), '*.bak under /srv is somebody\'s data');
}

providerTreeTest('backup-files', [
  {
    expect: { removed: PLANTED },
    check: assertHomesAndSrvKept,
  },
  {
    name: 'every place it walks; only regular files; data directories are left alone',
    prepare(root) {
      put(root, '/tmp/build-1234/main.c~');
      put(root, '/var/tmp/dump.bak');
      put(root, '/var/cache/app/index.bak');
      put(root, '/var/log/nginx/access.log.bak');
      put(root, '/etc/nginx.bak/nginx.conf'); // a directory named *.bak: not a file, stays
      put(root, '/etc/nginx.bak/sites~'); // a file in it does not
      put(root, '/etc/myapp/myapp.conf.bak');
      // not walked: data lives there
      put(root, '/opt/app/config.yml.bak');
      put(root, '/var/lib/mysql/app/users.ibd.bak');
      put(root, '/var/www/html/index.html~');
      put(root, '/home/alice/notes~');
      put(root, '/srv/home/bob/thesis.tex~');
    },
    expect: {
      removed: [
        ...PLANTED,
        '/tmp/build-1234/main.c~',
        '/var/tmp/dump.bak',
        '/var/cache/app/index.bak',
        '/var/log/nginx/access.log.bak',
        '/etc/nginx.bak/sites~',
        '/etc/myapp/myapp.conf.bak',
      ],
    },
    check(root) {
      assertHomesAndSrvKept(root);
      assert.ok(fs.statSync(at(root, '/etc/nginx.bak')).isDirectory());
      for (const p of ['/opt/app/config.yml.bak', '/var/lib/mysql/app/users.ibd.bak', '/var/www/html/index.html~', '/home/alice/notes~', '/srv/home/bob/thesis.tex~']) {
        assert.ok(fs.existsSync(at(root, p)), `${p} stays`);
      }
    },
  },
  {
    name: 'links are not followed: /var/tmp -> /srv/backups, links to a host file and directory',
    prepare(root) {
      fs.rmSync(at(root, '/var/tmp'), { recursive: true });
      fs.symlinkSync('/srv/backups', at(root, '/var/tmp'));
      fs.symlinkSync(hostFile('passwd.bak', 'host passwd\n'), at(root, '/etc/passwd.bak'));
      hostFile('dir/shadow.bak', 'host shadow\n');
      fs.symlinkSync(path.join(HOST, 'dir'), at(root, '/root/old-backups'));
    },
    expect: { removed: PLANTED },
    check(root) {
      assertHomesAndSrvKept(root);
      assert.equal(fs.readlinkSync(at(root, '/etc/passwd.bak')), path.join(HOST, 'passwd.bak'), 'a link is not a regular file');
      assert.equal(fs.readFileSync(path.join(HOST, 'passwd.bak'), 'utf8'), 'host passwd\n');
      assert.equal(fs.readFileSync(path.join(HOST, 'dir/shadow.bak'), 'utf8'), 'host shadow\n');
    },
  },
  {
    name: 'no backups: nothing to do',
    prepare(root) {
      for (const p of PLANTED) fs.rmSync(at(root, p));
    },
    expect: {},
  },
]);
