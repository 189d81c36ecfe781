import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after } from 'node:test';
import { CACHE_DIR } from '../../test/fixtures/roots.js';
import { at, providerTreeTest, put } from '../../test/harness/provider-tree.js';

/** Files on the host, outside the image, that links in the image name; they must stay untouched. */
const HOST = path.join(CACHE_DIR, 'work', `host-mail-spool-${process.pid}`);
after(() => fs.rmSync(HOST, { recursive: true, force: true }));
function hostFile(name: string, content: string): string {
  fs.mkdirSync(path.dirname(path.join(HOST, name)), { recursive: true });
  fs.writeFileSync(path.join(HOST, name), content);
  return path.join(HOST, name);
}

providerTreeTest('mail-spool', [
  {
    // Debian: /var/spool/mail -> ../mail; the mailbox is removed (and reported) where it really is
    expect: { removed: ['/var/mail/alice'] },
    check(root, report) {
      assert.equal(fs.readlinkSync(at(root, '/var/spool/mail')), '../mail', 'the compatibility link stays');
      const st = fs.statSync(at(root, '/var/mail'));
      assert.equal(st.mode & 0o7777, 0o2775, 'the spool keeps its setgid mode');
      assert.equal(st.gid, 8, 'and its group (mail)');
      assert.deepEqual(report.providers[0].changes.map((c: any) => c.path), ['/var/mail/alice']);
    },
  },
  {
    name: 'every mailbox, lock and dot file',
    prepare(root) {
      put(root, '/var/mail/bob', 'From root\n\nhi bob\n');
      put(root, '/var/mail/alice.lock', '');
      put(root, '/var/mail/.bob.pop', 'x');
    },
    expect: { removed: ['/var/mail/alice', '/var/mail/bob', '/var/mail/alice.lock', '/var/mail/.bob.pop'] },
    check(root) {
      assert.deepEqual(fs.readdirSync(at(root, '/var/mail')), []);
    },
  },
  {
    name: 'RHEL layout: /var/mail -> spool/mail',
    prepare(root) {
      fs.rmSync(at(root, '/var/mail'), { recursive: true });
      fs.rmSync(at(root, '/var/spool/mail'));
      fs.mkdirSync(at(root, '/var/spool/mail'), { mode: 0o775 });
      fs.symlinkSync('spool/mail', at(root, '/var/mail'));
      put(root, '/var/spool/mail/carol', 'From root\n\nhi carol\n');
    },
    expect: { removed: ['/var/spool/mail/carol'] },
    check(root) {
      assert.equal(fs.readlinkSync(at(root, '/var/mail')), 'spool/mail');
      assert.ok(fs.lstatSync(at(root, '/var/spool/mail')).isDirectory());
    },
  },
  {
    name: 'a spool that is a link to /etc in the image is left alone',
    prepare(root) {
      fs.rmSync(at(root, '/var/spool/mail'));
      fs.symlinkSync('/etc', at(root, '/var/spool/mail'));
    },
    expect: { removed: ['/var/mail/alice'] },
    check(root, report) {
      assert.equal(fs.readlinkSync(at(root, '/var/spool/mail')), '/etc');
      assert.ok(report.warnings.some((w: string) => w.includes('/var/spool/mail')), 'a warning names the link');
    },
  },
  {
    name: 'a mailbox that is a link to a host file: only the link goes',
    prepare(root) {
      fs.symlinkSync(hostFile('mbox', 'host mail\n'), at(root, '/var/mail/bob'));
    },
    expect: { removed: ['/var/mail/alice', '/var/mail/bob'] },
    check() {
      assert.equal(fs.readFileSync(path.join(HOST, 'mbox'), 'utf8'), 'host mail\n');
    },
  },
]);
