import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after } from 'node:test';
import { CACHE_DIR } from '../../test/fixtures/roots.js';
import { FEDORA, at, providerTreeTest, read } from '../../test/harness/provider-tree.js';

const JOB = '/var/spool/cron/atjobs/a0000101a3b2c1';
const SEQ = '/var/spool/cron/atjobs/.SEQ';

function put(root: string, p: string, content = '', mode = 0o644, uid = 0): void {
  fs.mkdirSync(path.dirname(at(root, p)), { recursive: true });
  fs.writeFileSync(at(root, p), content);
  fs.chmodSync(at(root, p), mode);
  fs.chownSync(at(root, p), uid, uid);
}
function dir(root: string, p: string, mode: number, uid = 0): void {
  fs.mkdirSync(at(root, p), { recursive: true });
  fs.chmodSync(at(root, p), mode);
  fs.chownSync(at(root, p), uid, uid);
}
function osRelease(root: string, text: string): void {
  fs.rmSync(at(root, '/etc/os-release'), { force: true });
  fs.writeFileSync(at(root, '/etc/os-release'), text);
}

const HOST = path.join(CACHE_DIR, 'work', `host-at-spool-${process.pid}`);
after(() => fs.rmSync(HOST, { recursive: true, force: true }));

providerTreeTest('at-spool', [
  {
    expect: { removed: [JOB], changed: [SEQ] },
    check(root) {
      assert.equal(read(root, SEQ), '00000\n');
      assert.equal(fs.statSync(at(root, SEQ)).mode & 0o7777, 0o600);
      assert.deepEqual(fs.readdirSync(at(root, '/var/spool/cron/atjobs')), ['.SEQ']);
    },
  },
  {
    name: "Debian's output spool is emptied, its directory kept",
    prepare(root) {
      dir(root, '/var/spool/cron/atspool', 0o1770, 1);
      put(root, '/var/spool/cron/atspool/=0000101a3b2c1', 'Subject: Output from your job\n', 0o600, 1);
    },
    expect: { removed: [JOB, '/var/spool/cron/atspool/=0000101a3b2c1'], changed: [SEQ] },
    check(root) {
      const st = fs.statSync(at(root, '/var/spool/cron/atspool'));
      assert.ok(st.isDirectory());
      assert.equal(st.mode & 0o7777, 0o1770);
    },
  },
  {
    name: 'Fedora layout: jobs in /var/spool/at, whose spool/ directory atd needs, stays',
    prepare(root) {
      osRelease(root, FEDORA);
      fs.rmSync(at(root, '/var/spool/cron/atjobs'), { recursive: true });
      dir(root, '/var/spool/at', 0o700, 2);
      dir(root, '/var/spool/at/spool', 0o700, 2);
      put(root, '/var/spool/at/.SEQ', '0000a\n', 0o600, 2);
      put(root, '/var/spool/at/a0000a01a3b2c1', '#!/bin/sh\necho later\n', 0o700, 2);
      put(root, '/var/spool/at/spool/a0000901a3b2c0', 'partial output\n', 0o600, 2);
    },
    expect: {
      removed: ['/var/spool/at/a0000a01a3b2c1', '/var/spool/at/spool/a0000901a3b2c0'],
      changed: ['/var/spool/at/.SEQ'],
    },
    check(root, report) {
      assert.match(report.os, /Fedora/);
      assert.equal(read(root, '/var/spool/at/.SEQ'), '00000\n');
      const seq = fs.statSync(at(root, '/var/spool/at/.SEQ'));
      assert.deepEqual([seq.mode & 0o7777, seq.uid, seq.gid], [0o600, 2, 2], '.SEQ keeps mode and owner');
      const spool = fs.lstatSync(at(root, '/var/spool/at/spool'));
      assert.ok(spool.isDirectory(), '/var/spool/at/spool stays');
      assert.deepEqual([spool.mode & 0o7777, spool.uid], [0o700, 2]);
    },
  },
  {
    name: 'SUSE layout: /var/spool/atjobs and /var/spool/atspool',
    prepare(root) {
      put(root, '/var/spool/atjobs/.SEQ', '00003\n', 0o600, 1);
      put(root, '/var/spool/atjobs/a0000301a3b2c1', '#!/bin/sh\n', 0o700, 1);
      put(root, '/var/spool/atspool/=0000301a3b2c1', 'output\n', 0o600, 1);
    },
    expect: {
      removed: [JOB, '/var/spool/atjobs/a0000301a3b2c1', '/var/spool/atspool/=0000301a3b2c1'],
      changed: [SEQ, '/var/spool/atjobs/.SEQ'],
    },
    check(root) {
      assert.equal(read(root, '/var/spool/atjobs/.SEQ'), '00000\n');
    },
  },
  {
    name: '.SEQ links are not written through (to image data, to a host file)',
    prepare(root) {
      fs.rmSync(at(root, SEQ));
      fs.symlinkSync('/etc/myapp/myapp.conf', at(root, SEQ));
      fs.mkdirSync(HOST, { recursive: true });
      fs.writeFileSync(path.join(HOST, 'SEQ'), '00042\n');
      dir(root, '/var/spool/at', 0o700, 2);
      fs.symlinkSync(path.join(HOST, 'SEQ'), at(root, '/var/spool/at/.SEQ'));
    },
    expect: { removed: [JOB] },
    check(root) {
      assert.equal(fs.readlinkSync(at(root, SEQ)), '/etc/myapp/myapp.conf');
      assert.equal(read(root, '/etc/myapp/myapp.conf'), 'workers = 4\n');
      assert.equal(fs.readFileSync(path.join(HOST, 'SEQ'), 'utf8'), '00042\n');
    },
  },
  {
    name: 'no jobs and the sequence already reset: nothing to do',
    prepare(root) {
      fs.rmSync(at(root, JOB));
      fs.writeFileSync(at(root, SEQ), '00000\n');
    },
    expect: {},
  },
]);
