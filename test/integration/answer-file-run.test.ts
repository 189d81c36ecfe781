/**
 * A generalize run with an answer file (issue 3, parts 4 and 5): /unattend:FILE and the implicit
 * search, the cache at 0600 with the generalize pass marked processed, no secret in any log or in
 * --json, PersistAllDeviceInstalls keeping device-bound state, registration shown by `sysprep state`,
 * and bad answer files refused with file, line and column, nothing changed.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { listSensitiveStrings, parseAnswerFile } from '../../src/answer-file/index.js';
import { GOLDEN_MAC } from '../fixtures/lived-in.js';
import { overlayRoot, usedRoot } from '../fixtures/used-root.js';
import { REPO, sysprep } from '../harness/sysprep.js';
import { diff, snapshot } from '../harness/tree.js';

const FIXTURES = path.join(REPO, 'test/fixtures/answer-files');
const AUDIT_FULL = path.join(FIXTURES, 'audit-full.xml');
const read = (root: string, p: string) => fs.readFileSync(path.join(root, p), 'utf8');
const exists = (root: string, p: string) => fs.existsSync(path.join(root, p));

const COMPONENT = (name: string, body: string) =>
  `<component name="${name}" processorArchitecture="amd64" publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS">${body}</component>`;
const UNATTEND = (passes: Record<string, string>) =>
  `<?xml version="1.0" encoding="utf-8"?>\n<unattend xmlns="urn:schemas-microsoft-com:unattend">\n` +
  Object.entries(passes).map(([p, body]) => `  <settings pass="${p}">${body}</settings>\n`).join('') + '</unattend>\n';

test('/unattend:FILE: cached 0600 root:root, generalize marked processed, no secret in logs or --json', () => {
  const s = overlayRoot(usedRoot('bookworm'), 'unattend');
  try {
    const secrets = listSensitiveStrings(parseAnswerFile(fs.readFileSync(AUDIT_FULL), AUDIT_FULL)).filter((x) => x.length >= 4);
    assert.ok(secrets.length >= 3, 'the fixture carries secrets');
    const r = sysprep(['--root', s.root, '/generalize', '/oobe', `/unattend:${AUDIT_FULL}`, '--json']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.json.answerFile.origin, 'explicit');
    assert.equal(r.json.answerFile.cachedAt, '/var/lib/sysprep/unattend.xml');
    assert.deepEqual(r.json.answerFile.passes, ['specialize', 'auditSystem', 'auditUser', 'oobeSystem'], 'generalize is processed now');

    const cache = path.join(s.root, 'var/lib/sysprep/unattend.xml');
    const st = fs.statSync(cache);
    assert.equal(st.mode & 0o777, 0o600);
    assert.equal(st.uid, 0);
    assert.equal(st.gid, 0);
    const cached = fs.readFileSync(cache, 'utf8');
    assert.match(cached, /<settings pass="generalize" wasPassProcessed="true">/);
    assert.doesNotMatch(cached, /<settings pass="specialize" wasPassProcessed/);
    assert.match(cached, /<ComputerName>build-01<\/ComputerName>/, 'later passes stay for the first boot');

    const texts = [r.stdout, r.stderr, read(s.root, '/var/lib/sysprep/panther/setupact.log'), read(s.root, '/var/lib/sysprep/panther/setuperr.log')];
    for (const secret of secrets) for (const t of texts) assert.ok(!t.includes(secret), `secret ${secret.slice(0, 2)}… leaked`);

    // PersistAllDeviceInstalls=TRUE in the fixture: device-bound state is kept
    assert.ok(exists(s.root, '/etc/udev/rules.d/70-persistent-net.rules'));
    assert.ok(read(s.root, '/etc/netplan/50-cloud-init.yaml').includes(GOLDEN_MAC));
    assert.ok(read(s.root, '/etc/NetworkManager/system-connections/Wired.nmconnection').includes('mac-address='));
    assert.match(read(s.root, '/var/lib/sysprep/panther/setupact.log'), /PersistAllDeviceInstalls/);
    // identity still goes
    assert.equal(read(s.root, '/etc/machine-id'), 'uninitialized\n');

    // registration, where sysprep state --json shows it
    const state = sysprep(['state', '--root', s.root, '--json']).json;
    assert.equal(state.registration.DuplicatorDescription, 'Golden image 2026-11, built by the image team');
    assert.equal(state.registration.RegisteredOwner, 'Image Team');
    assert.equal(state.registration.RegisteredOrganization, 'Example Corp');
  } finally {
    s.dispose();
  }
});

test('implicit search: each candidate logged; a file without settings for the pass is skipped', () => {
  const s = overlayRoot(usedRoot('bookworm'), 'unattend-search');
  try {
    const oobeOnly = UNATTEND({ oobeSystem: COMPONENT('Microsoft-Windows-Shell-Setup', '<TimeZone>UTC</TimeZone>') });
    const generalize = UNATTEND({ generalize: COMPONENT('Microsoft-Windows-PnpSysprep', '<PersistAllDeviceInstalls>false</PersistAllDeviceInstalls>') });
    fs.mkdirSync(path.join(s.root, 'etc/sysprep'), { recursive: true });
    fs.writeFileSync(path.join(s.root, 'etc/sysprep/unattend.xml'), oobeOnly);
    fs.writeFileSync(path.join(s.root, 'unattend.xml'), generalize);
    const r = sysprep(['--root', s.root, '/generalize', '--json']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.json.answerFile.origin, 'root');
    assert.equal(r.json.answerFile.source, '/unattend.xml');
    const log = read(s.root, '/var/lib/sysprep/panther/setupact.log');
    assert.match(log, /Answer file search 1 \(kernel command line\): skipped, the target is not the running system/);
    assert.match(log, /Answer file candidate \/var\/lib\/sysprep\/unattend\.xml \(in the target\) \[cache\]: skipped, not present/);
    assert.match(log, /Answer file search 3 \(removable and labelled media\): skipped/);
    assert.match(log, /candidate \/etc\/sysprep\/unattend\.xml \(in the target\) \[etc\]: skipped, no unprocessed settings for the generalize pass/);
    assert.match(log, /candidate \/unattend\.xml \(in the target\) \[root\]: taken/);
    assert.match(read(s.root, '/var/lib/sysprep/unattend.xml'), /<settings pass="generalize" wasPassProcessed="true">/);
    // the cache now has it with generalize processed, so the next run skips the cache and takes
    // /unattend.xml again (it is still there, unprocessed), as Windows' search would
    const again = sysprep(['--root', s.root, '/generalize', '--json']);
    assert.equal(again.status, 0, again.stderr);
    assert.equal(again.json.answerFile.origin, 'root');
    assert.match(read(s.root, '/var/lib/sysprep/panther/setupact.log'), /\[cache\]: skipped, no unprocessed settings for the generalize pass/);
    fs.rmSync(path.join(s.root, 'unattend.xml'));
    const third = sysprep(['--root', s.root, '/generalize', '--json']);
    assert.equal(third.status, 0, third.stderr);
    assert.equal(third.json.answerFile, null, 'nothing left with generalize settings');
  } finally {
    s.dispose();
  }
});

test('bad answer files: exit 2 with file:line:column, nothing changed', () => {
  const s = overlayRoot(usedRoot('bookworm'), 'unattend-bad');
  try {
    const t0 = snapshot(s.root, { dirMtimes: true });
    const cases: [string, RegExp][] = [
      [path.join(FIXTURES, 'wrong-pass.xml'), /wrong-pass\.xml:\d+:\d+: .*pass/],
      [path.join(FIXTURES, 'billion-laughs.xml'), /billion-laughs\.xml:\d+:\d+: .*(DOCTYPE|entit)/i],
      [path.join(FIXTURES, 'external-entity.xml'), /external-entity\.xml:\d+:\d+: .*(DOCTYPE|entit)/i],
      [path.join(FIXTURES, 'bad-computername.xml'), /bad-computername\.xml:\d+:\d+: .*ComputerName/],
      ['/nonexistent/unattend.xml', /no such file/],
    ];
    for (const [file, reason] of cases) {
      const r = sysprep(['--root', s.root, '/generalize', `/unattend:${file}`]);
      assert.equal(r.status, 2, `${file}: ${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').length, 1);
      assert.match(r.stderr, reason);
    }
    // an invalid file found by the implicit search is refused the same way
    fs.writeFileSync(path.join(s.root, 'unattend.xml'), UNATTEND({ generalize: COMPONENT('Microsoft-Windows-PnpSysprep', '<PersistAllDeviceInstalls>maybe</PersistAllDeviceInstalls>') }));
    const t1 = snapshot(s.root, { dirMtimes: true });
    const r = sysprep(['--root', s.root, '/generalize']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /\/unattend\.xml:\d+:\d+: .*PersistAllDeviceInstalls/);
    assert.deepEqual(diff(t1, snapshot(s.root, { dirMtimes: true })), { removed: [], added: [], changed: [] });
    fs.rmSync(path.join(s.root, 'unattend.xml'));
    assert.deepEqual(diff(t0, snapshot(s.root, { dirMtimes: true })).changed.filter((p) => p !== '/'), []);
  } finally {
    s.dispose();
  }
});
