import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { at, hostFiles, providerTreeTest, without, put, read } from '../../test/harness/provider-tree.js';

/** Live logs of the used root (debootstrap's own and the planted ones): emptied in place. */
const LIVE = [
  '/var/log/alternatives.log',
  '/var/log/apt/history.log',
  '/var/log/apt/term.log',
  '/var/log/auth.log',
  '/var/log/bootstrap.log',
  '/var/log/dpkg.log',
  '/var/log/installer/syslog',
  '/var/log/kern.log',
  '/var/log/messages',
  '/var/log/nginx/access.log',
  '/var/log/puppet/puppet.log',
  '/var/log/sssd/sssd.log',
  '/var/log/syslog',
];
/** Rotations and logrotate's state: removed. */
const GONE = [
  '/var/lib/logrotate/status',
  '/var/log/auth.log.1',
  '/var/log/nginx/error.log.1',
  '/var/log/syslog.1',
  '/var/log/syslog.2.gz',
];

const { dir: HOST, file: hostFile } = hostFiles('logfiles');
let syslogIno = 0;

providerTreeTest('logfiles', [
  {
    prepare(root) {
      syslogIno = fs.statSync(at(root, '/var/log/syslog')).ino;
    },
    expect: { changed: LIVE, removed: GONE },
    check(root, report) {
      for (const p of LIVE) assert.equal(fs.statSync(at(root, p)).size, 0, `${p} emptied`);
      const syslog = fs.statSync(at(root, '/var/log/syslog'));
      assert.equal(syslog.mode & 0o7777, 0o640, 'syslog keeps its mode');
      assert.equal(syslog.uid, 0);
      assert.equal(syslog.gid, 4, 'syslog keeps its group (adm)');
      assert.equal(syslog.ino, syslogIno, 'truncated in place, not replaced');
      const auth = fs.statSync(at(root, '/var/log/auth.log'));
      assert.deepEqual([auth.mode & 0o7777, auth.gid], [0o640, 4]);
      // log directories stay; what other providers own (journal, login records, cloud-init) is untouched
      for (const d of ['/var/log/apt', '/var/log/nginx', '/var/log/installer', '/var/lib/logrotate']) {
        assert.ok(fs.statSync(at(root, d)).isDirectory(), `${d} stays`);
      }
      assert.equal(fs.statSync(at(root, '/var/log/wtmp')).size, 768);
      assert.equal(fs.statSync(at(root, '/var/log/cloud-init.log')).size > 0, true);
      const actions = new Map(report.providers[0].changes.map((c: any) => [c.path, c.action]));
      assert.equal(actions.get('/var/log/syslog'), 'truncated');
      assert.equal(actions.get('/var/log/syslog.1'), 'removed');
    },
  },
  {
    name: 'rotations in every form go, in subdirectories too',
    prepare(root) {
      put(root, '/var/log/dpkg.log.1', 'old\n');
      put(root, '/var/log/apt/history.log.1.gz', 'gz');
      put(root, '/var/log/messages-20261120', 'old\n');
      put(root, '/var/log/nginx/access.log.2.gz', 'gz');
      put(root, '/var/log/kern.log.old', 'old\n');
      put(root, '/var/log/unattended-upgrades/unattended-upgrades.log', 'run\n');
    },
    expect: {
      changed: [...LIVE, '/var/log/unattended-upgrades/unattended-upgrades.log'],
      removed: [...GONE, '/var/log/dpkg.log.1', '/var/log/apt/history.log.1.gz', '/var/log/messages-20261120',
        '/var/log/nginx/access.log.2.gz', '/var/log/kern.log.old'],
    },
  },
  {
    name: 'a log that is a link inside the image (to /etc/shadow, ../../etc/passwd) is left alone',
    prepare(root) {
      fs.symlinkSync('/etc/shadow', at(root, '/var/log/daemon.log'));
      fs.symlinkSync('../../etc/passwd', at(root, '/var/log/user.log'));
      fs.rmSync(at(root, '/var/log/kern.log'));
      fs.symlinkSync('/etc/gshadow', at(root, '/var/log/kern.log'));
      fs.symlinkSync('/etc/group', at(root, '/var/log/syslog.3'));
    },
    expect: { changed: without(LIVE, '/var/log/kern.log'), removed: GONE },
    check(root) {
      for (const [p, to] of [['/var/log/daemon.log', '/etc/shadow'], ['/var/log/user.log', '../../etc/passwd'],
        ['/var/log/kern.log', '/etc/gshadow'], ['/var/log/syslog.3', '/etc/group']]) {
        assert.equal(fs.readlinkSync(at(root, p!)), to, `${p} is still a link`);
      }
      assert.match(read(root, '/etc/shadow'), /^root:/);
      assert.match(read(root, '/etc/gshadow'), /^root:/);
    },
  },
  {
    name: 'a log directory that is a link to /etc in the image is not followed',
    prepare(root) {
      fs.symlinkSync('/etc', at(root, '/var/log/exim4'));
      fs.symlinkSync('../../etc/ssh', at(root, '/var/log/lightdm'));
    },
    expect: { changed: LIVE, removed: GONE },
    check(root, report) {
      assert.equal(fs.readlinkSync(at(root, '/var/log/exim4')), '/etc');
      assert.ok(report.warnings.some((w: string) => w.includes('/var/log/exim4/')), 'a warning names what was left alone');
    },
  },
  {
    name: 'links to host files are never followed',
    prepare(root) {
      fs.rmSync(at(root, '/var/log/messages'));
      fs.symlinkSync(hostFile('messages', 'host log\n'), at(root, '/var/log/messages'));
      fs.symlinkSync(hostFile('old/syslog.5', 'host rotation\n'), at(root, '/var/log/syslog.5'));
      fs.symlinkSync(path.join(HOST, 'dir'), at(root, '/var/log/gdm3'));
      hostFile('dir/greeter.log', 'host greeter\n');
    },
    expect: { changed: without(LIVE, '/var/log/messages'), removed: GONE },
    check() {
      assert.equal(fs.readFileSync(path.join(HOST, 'messages'), 'utf8'), 'host log\n');
      assert.equal(fs.readFileSync(path.join(HOST, 'old/syslog.5'), 'utf8'), 'host rotation\n');
      assert.equal(fs.readFileSync(path.join(HOST, 'dir/greeter.log'), 'utf8'), 'host greeter\n');
    },
  },
]);
