/**
 * Per-clone answer files (SPEC 10) in a chroot of a sealed root, for what the QEMU boots show less
 * directly: the record of the file a clone took (`plans/per-clone`, "ORIGIN SHA256", written by the
 * TypeScript agent) is read by the bash runner as the same thing — a later pass of the same clone
 * offered the same credential runs the plan the agent made ahead with it — and a clone that is re-sealed and cloned again
 * takes its per-clone file again, even the very same bytes: the seal removes the record.
 * The credential is planted where systemd puts it (/run/credentials/@system/sysprep.unattend).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WORK_DIR } from '../fixtures/disk-image.js';
import { overlayRoot, usedRoot, type Scratch } from '../fixtures/used-root.js';
import { COMPONENT, inRoot as runInRoot, INTERNATIONAL, plantCredential as plant, read, shadowOf, UNATTEND, verifies } from '../harness/first-boot.js';
import { sysprep } from '../harness/sysprep.js';
import { PER_CLONE_TAKEN } from '../../src/model/per-clone.js';

let s: Scratch;
let root: string;
const golden = path.join(WORK_DIR, `per-clone-chroot-${process.pid}.xml`);

const answerFile = (name: string, password: string) => UNATTEND({
  specialize: COMPONENT('Microsoft-Windows-Shell-Setup', `<ComputerName>${name}</ComputerName><TimeZone>UTC</TimeZone>`) + INTERNATIONAL,
  oobeSystem: COMPONENT('Microsoft-Windows-Shell-Setup',
    `<UserAccounts><AdministratorPassword><Value>${password}</Value><PlainText>true</PlainText></AdministratorPassword><LocalAccounts><LocalAccount wcm:action="add"><Name>ops-${name.toLowerCase()}</Name><Group>Users</Group>` +
    `<Password><Value>${password}</Value><PlainText>true</PlainText></Password></LocalAccount></LocalAccounts></UserAccounts>` +
    '<OOBE><HideEULAPage>true</HideEULAPage></OOBE>'),
});

const inRoot = (argv: string[]) => runInRoot(root, argv);
function plantCredential(text: string): string {
  plant(root, text);
  return createHash('sha256').update(text).digest('hex');
}
const state = () => /ImageState="([A-Z_]+)"/.exec(read(root, '/var/lib/sysprep/state/State.ini'))![1];
/** setupact.log from this point on */
function logFrom(): () => string {
  const log = () => (fs.existsSync(path.join(root, 'var/log/sysprep/panther/setupact.log')) ? read(root, '/var/log/sysprep/panther/setupact.log') : '');
  const at = log().length;
  return () => log().slice(at);
}
const bothPhases = () => {
  for (const phase of ['specialize', 'oobe']) {
    const r = inRoot(['/usr/lib/sysprep/firstboot', phase]);
    assert.equal(r.status, 0, `${phase}: ${r.out}`);
  }
};

before(() => {
  fs.mkdirSync(WORK_DIR, { recursive: true });
  fs.writeFileSync(golden, answerFile('GOLDEN-IMG', 'Golden-Pw-1'), { mode: 0o600 });
  s = overlayRoot(usedRoot('bookworm'), 'per-clone-chroot');
  root = s.root;
  const r = sysprep(['--root', root, '/generalize', '/oobe', `/unattend:${golden}`]);
  assert.equal(r.status, 0, r.stderr);
});
after(() => {
  s?.dispose();
  fs.rmSync(golden, { force: true });
});

describe('per-clone answer files in a chroot', { concurrency: false }, () => {
  it('the record the agent writes is the one the runner reads: the OOBE pass runs the plan made ahead, without the agent', () => {
    const sum = plantCredential(answerFile('CLONE-X', 'Clone-X-Pw-1'));
    const log = logFrom();
    const spec = inRoot(['/usr/lib/sysprep/firstboot', 'specialize']);
    assert.equal(spec.status, 0, spec.out);
    assert.equal(read(root, '/etc/hostname'), 'clone-x\n');
    // written by TypeScript…
    assert.equal(read(root, PER_CLONE_TAKEN), `credential ${sum}\n`);
    assert.equal(fs.statSync(path.join(root, PER_CLONE_TAKEN)).mode & 0o777, 0o600);
    assert.match(log(), /the systemd credential sysprep\.unattend holds an answer file; planning again/);
    assert.match(read(root, '/var/log/sysprep/panther/setupact.log'), /Planned at boot, ahead: oobe/, 'the OOBE pass planned with the same file');
    // …read by bash: the same credential is not "offered" again, and the OOBE pass runs the plan made
    // ahead without the agent
    const oobeLog = logFrom();
    const oobe = inRoot(['/usr/lib/sysprep/firstboot', 'oobe']);
    assert.equal(oobe.status, 0, oobe.out);
    const text = oobeLog();
    assert.doesNotMatch(text, /planning again/, 'the runner read the record as the credential it took, and the plan as still valid');
    assert.doesNotMatch(text, /Planned at boot/, 'the agent did not start');
    assert.equal(state(), 'IMAGE_STATE_COMPLETE');
    assert.ok(verifies(shadowOf(root, 'ops-clone-x'), 'Clone-X-Pw-1'));
    assert.equal(shadowOf(root, 'ops-golden-img'), '');
    assert.equal(fs.existsSync(path.join(root, PER_CLONE_TAKEN)), false, 'COMPLETE removes the record with the plans');
  });

  it('a clone re-sealed and cloned again takes its per-clone file again, the same bytes included', () => {
    const r = sysprep(['--root', root, '/generalize', '/oobe', `/unattend:${golden}`]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(fs.existsSync(path.join(root, PER_CLONE_TAKEN)), false, 'the seal leaves no record');
    assert.equal(state(), 'IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE');
    fs.writeFileSync(path.join(root, 'etc/hostname'), 'resealed\n');
    // the same credential as the first clone had, byte for byte
    const sum = plantCredential(answerFile('CLONE-X', 'Clone-X-Pw-1'));
    const log = logFrom();
    bothPhases();
    const text = log();
    assert.match(text, /the systemd credential sysprep\.unattend holds an answer file; planning again/);
    assert.match(text, /\[credential\]: taken, it has settings for the specialize pass/);
    assert.equal(read(root, '/etc/hostname'), 'clone-x\n', "the clone's file, not the image's (GOLDEN-IMG)");
    assert.equal(state(), 'IMAGE_STATE_COMPLETE');
    assert.doesNotMatch(text, /Golden-Pw|Clone-X-Pw/, 'no password in the log');
    assert.ok(!read(root, '/var/lib/sysprep/unattend.xml').includes('Clone-X-Pw-1'), 'the cache is scrubbed');
    assert.ok(sum.length === 64);
  });

  it('a clone given a different credential after a re-seal specializes with that one', () => {
    const r = sysprep(['--root', root, '/generalize', '/oobe', `/unattend:${golden}`]);
    assert.equal(r.status, 0, r.stderr);
    plantCredential(answerFile('CLONE-Y', 'Clone-Y-Pw-2'));
    bothPhases();
    assert.equal(read(root, '/etc/hostname'), 'clone-y\n');
    assert.ok(verifies(shadowOf(root, 'ops-clone-y'), 'Clone-Y-Pw-2'));
    assert.equal(shadowOf(root, 'ops-golden-img'), '', 'never the image\'s own file');
  });
});
