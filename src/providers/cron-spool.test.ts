import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after } from 'node:test';
import { CACHE_DIR } from '../../test/fixtures/roots.js';
import { FEDORA, at, providerTreeTest, read } from '../../test/harness/provider-tree.js';

const ALICE = '/var/spool/cron/crontabs/alice';
const SUSE = 'NAME="openSUSE Leap"\nVERSION="15.5"\nID="opensuse-leap"\nID_LIKE="suse opensuse"\nVERSION_ID="15.5"\nPRETTY_NAME="openSUSE Leap 15.5"\n';

function put(root: string, p: string, content = '0 3 * * * /usr/local/bin/job\n'): void {
  fs.mkdirSync(path.dirname(at(root, p)), { recursive: true });
  fs.writeFileSync(at(root, p), content, { mode: 0o600 });
}
function osRelease(root: string, text: string): void {
  fs.rmSync(at(root, '/etc/os-release'), { force: true });
  fs.writeFileSync(at(root, '/etc/os-release'), text);
}

const HOST = path.join(CACHE_DIR, 'work', `host-cron-spool-${process.pid}`);
after(() => fs.rmSync(HOST, { recursive: true, force: true }));

providerTreeTest('cron-spool', [
  {
    name: "opt-in, Debian: users' crontabs go, the spool directory and the at spool stay",
    prepare(root) {
      put(root, '/var/spool/cron/crontabs/root', '@reboot /usr/local/bin/deploy.sh\n');
    },
    expect: { removed: [ALICE, '/var/spool/cron/crontabs/root'] },
    userDataRemoved: [ALICE],
    check(root) {
      const st = fs.lstatSync(at(root, '/var/spool/cron/crontabs'));
      assert.ok(st.isDirectory());
      assert.equal(st.mode & 0o7777, 0o1730, 'the crontabs directory keeps its mode');
      assert.ok(fs.existsSync(at(root, '/var/spool/cron/atjobs/a0000101a3b2c1')), 'at jobs are at-spool');
      assert.equal(read(root, '/var/spool/cron/atjobs/.SEQ'), '00002\n');
    },
  },
  {
    name: 'Fedora: crontabs straight in /var/spool/cron (a link there goes as a link)',
    prepare(root) {
      osRelease(root, FEDORA);
      fs.rmSync(at(root, '/var/spool/cron/crontabs'), { recursive: true });
      fs.rmSync(at(root, '/var/spool/cron/atjobs'), { recursive: true });
      put(root, '/var/spool/cron/root');
      put(root, '/var/spool/cron/alice');
      fs.mkdirSync(HOST, { recursive: true });
      fs.writeFileSync(path.join(HOST, 'bob'), '* * * * * host job\n');
      fs.symlinkSync(path.join(HOST, 'bob'), at(root, '/var/spool/cron/bob'));
    },
    expect: { removed: ['/var/spool/cron/root', '/var/spool/cron/alice', '/var/spool/cron/bob'] },
    userDataRemoved: [ALICE],
    check(root, report) {
      assert.match(report.os, /Fedora/);
      assert.ok(fs.statSync(at(root, '/var/spool/cron')).isDirectory());
      assert.equal(fs.readFileSync(path.join(HOST, 'bob'), 'utf8'), '* * * * * host job\n');
    },
  },
  {
    name: 'SUSE: /var/spool/cron/tabs; lastrun stamps are not crontabs',
    prepare(root) {
      osRelease(root, SUSE);
      put(root, '/var/spool/cron/tabs/root');
      put(root, '/var/spool/cron/tabs/alice');
      put(root, '/var/spool/cron/lastrun/cron.daily', '');
    },
    expect: { removed: [ALICE, '/var/spool/cron/tabs/root', '/var/spool/cron/tabs/alice'] },
    userDataRemoved: [ALICE],
    check(root) {
      assert.ok(fs.existsSync(at(root, '/var/spool/cron/lastrun/cron.daily')));
      assert.ok(fs.statSync(at(root, '/var/spool/cron/tabs')).isDirectory());
    },
  },
  {
    name: 'no crontabs: nothing to do',
    prepare(root) {
      fs.rmSync(at(root, ALICE));
    },
    expect: {},
    userDataRemoved: [ALICE],
  },
]);
