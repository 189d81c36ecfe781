/**
 * The planner (plan.ts) on its own: which steps and which finish each pass's settings give, the
 * Windows tables (Reseal and Generalize per pass, the OOBE pages an answer file closes), and plans
 * that the runner's reader reads back exactly (records, no quoting), for test answer files and for
 * every valid file of the shared corpus. The image facts come from the used bookworm root, read only.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { checkAnswerFile, getPassSettings, parseAnswerFile } from '../answer-file/index.js';
import type { FoundAnswerFile } from '../system/answer-search.js';
import { corpusDir, corpusFiles, repoRoot } from '../answer-file/testutil.js';
import { RootFs } from '../rootfs/rootfs.js';
import { overlayRoot, usedRoot } from '../../test/fixtures/used-root.js';
import { COMPONENT, INTERNATIONAL, UNATTEND } from '../../test/harness/first-boot.js';
import { describePlan, describePlanFile, imageFacts, makePlan, normalizedLocale, oobePages, renderPlan, type Plan } from './plan/index.js';
import type { Phase } from '../model/passes.js';

const RUNNER = path.join(repoRoot(), 'src/firstboot/runner.bash');
const facts = imageFacts(new RootFs(usedRoot('bookworm')));
const answer = (xml: string): FoundAnswerFile => ({ doc: parseAnswerFile(xml, 'test.xml'), source: '/var/lib/sysprep/unattend.xml', origin: 'cache', warnings: 0 });
const plan = (phase: Phase, xml?: string, extra: Partial<Parameters<typeof makePlan>[1]> = {}): Plan =>
  makePlan(phase, { facts, target: phase === 'audit' || phase === 'audit-user' ? 'audit' : 'oobe', madeAt: 'seal', inputs: [], ...(xml ? { answer: answer(xml) } : {}), ...extra });
const ops = (p: Plan) => p.steps.map((s) => [s.id ?? '-', s.op, ...s.args]);
const finish = (p: Plan) => p.finish.map((s) => [s.op, ...s.args]);
const SHELL = (body: string) => COMPONENT('Microsoft-Windows-Shell-Setup', body);
const DEPLOY = (body: string) => COMPONENT('Microsoft-Windows-Deployment', body);

describe('first-boot plans', () => {
  it('specialize: host name, time zone, locale, keyboard, then the state (host keys have a unit of their own)', () => {
    const p = plan('specialize', UNATTEND({ specialize: SHELL('<ComputerName>WEB-01</ComputerName><TimeZone>W. Europe Standard Time</TimeZone>') + INTERNATIONAL }));
    assert.deepEqual(ops(p), [
      ['hostname', 'op_hostname', 'web-01', 'ComputerName WEB-01'],
      ['specialize:timezone', 'op_timezone', 'Europe/Berlin', 'TimeZone W. Europe Standard Time'],
      ['specialize:locale', 'op_locale', 'en_US.UTF-8', 'en-US', '', ''],
      ['specialize:keyboard', 'op_keyboard', 'us', '', 'InputLocale 0409:00000409'],
    ]);
    assert.deepEqual(finish(p).map((f) => f[0]), ['op_install_cache', 'op_set_state']);
    assert.deepEqual(finish(p)[1], ['op_set_state', 'IMAGE_STATE_SPECIALIZE_RESEAL_TO_OOBE']);
    assert.match(p.cacheAfter!, /<settings pass="specialize" wasPassProcessed="true">/);
  });

  it('auditSystem DriverPaths (SPEC 11): one agent step with the answer file\'s directory on the clone and every path; removed items left out', () => {
    const xml = UNATTEND({ auditSystem: COMPONENT('Microsoft-Windows-PnpCustomizationsNonWinPE', '<DriverPaths>' +
      '<PathAndCredentials wcm:action="add" wcm:keyValue="1"><Path>drivers</Path></PathAndCredentials>' +
      '<PathAndCredentials wcm:action="add" wcm:keyValue="2"><Path>/opt/vendor/firmware</Path></PathAndCredentials>' +
      '<PathAndCredentials wcm:action="remove" wcm:keyValue="2"></PathAndCredentials>' +
      '<PathAndCredentials wcm:action="add" wcm:keyValue="3"><Path>/srv/drivers/nic.deb</Path></PathAndCredentials></DriverPaths>') });
    const p = plan('audit', xml);
    assert.deepEqual(ops(p).find((o) => o[0] === 'auditSystem:driver-paths'),
      ['auditSystem:driver-paths', 'op_agent', 'driver-paths', '/var/lib/sysprep', 'drivers', '/srv/drivers/nic.deb']);
    // an answer file given on the seal's command line is not on the clone: relative paths are the cache's
    const explicit: FoundAnswerFile = { doc: parseAnswerFile(xml, 'u.xml'), source: '/home/builder/u.xml', origin: 'explicit', warnings: 0 };
    const q = makePlan('audit', { facts, target: 'audit', madeAt: 'seal', inputs: [], answer: explicit });
    assert.equal(ops(q).find((o) => o[0] === 'auditSystem:driver-paths')?.[3], '/var/lib/sysprep');
    const media: FoundAnswerFile = { ...explicit, source: '/media/usb/unattend.xml', origin: 'media' };
    const r = makePlan('audit', { facts, target: 'audit', madeAt: 'boot', inputs: [], answer: media });
    assert.equal(ops(r).find((o) => o[0] === 'auditSystem:driver-paths')?.[3], '/media/usb');
  });

  it('specialize without an answer file: a generated name (the OS id), new host keys, no cache', () => {
    const p = plan('specialize');
    assert.deepEqual(ops(p)[0], ['hostname', 'op_hostname_generated', 'debian', 'generated']);
    assert.equal(p.cacheAfter, undefined);
    assert.deepEqual(finish(p), [['op_set_state', 'IMAGE_STATE_SPECIALIZE_RESEAL_TO_OOBE']]);
    assert.deepEqual(finish(plan('specialize', undefined, { target: 'audit' })), [['op_set_state', 'IMAGE_STATE_SPECIALIZE_RESEAL_TO_AUDIT']]);
  });

  it('specialize: RunSynchronous in Order (removed items left out), then RunAsynchronous; CopyProfile; DeviceForm; AutoLogon; UILanguageFallback', () => {
    const p = plan('specialize', UNATTEND({
      specialize: SHELL('<ComputerName>*</ComputerName><CopyProfile>true</CopyProfile><TimeZone>Nowhere Standard Time</TimeZone>' +
        '<AutoLogon><Enabled>true</Enabled><Username>Administrator</Username><LogonCount>3</LogonCount></AutoLogon>') +
        COMPONENT('Microsoft-Windows-International-Core', '<UserLocale>de-DE</UserLocale><UILanguageFallback>en-US</UILanguageFallback>') +
        DEPLOY('<DeviceForm>4</DeviceForm><RunSynchronous>' +
          '<RunSynchronousCommand wcm:action="add"><Order>5</Order><Path>echo five</Path><WillReboot>Always</WillReboot></RunSynchronousCommand>' +
          '<RunSynchronousCommand wcm:action="add"><Order>2</Order><Path>echo two</Path><Description>second</Description></RunSynchronousCommand>' +
          '</RunSynchronous><RunAsynchronous><RunAsynchronousCommand wcm:action="add"><Order>1</Order><Path>sleep 1</Path></RunAsynchronousCommand></RunAsynchronous>'),
    }));
    const o = ops(p);
    assert.deepEqual(o[0], ['hostname', 'op_hostname_generated', 'debian', 'generated']);
    assert.deepEqual(o.find((x) => x[1] === 'op_log'), ['-', 'op_log', 'Warning', 'TimeZone "Nowhere Standard Time" is not a Windows time zone this tool knows; not set']);
    assert.deepEqual(o.find((x) => x[1] === 'op_locale'), ['specialize:locale', 'op_locale', 'de_DE.UTF-8', 'de-DE, UILanguageFallback en-US', 'de_DE:en_US', '']);
    assert.deepEqual(o.find((x) => x[1] === 'op_chassis'), ['specialize:chassis', 'op_chassis', 'laptop', 'DeviceForm 4']);
    assert.deepEqual(o.find((x) => x[1] === 'op_autologon'), ['specialize:autologon', 'op_autologon', 'root', '3']);
    const ids = o.map((x) => x[0]);
    assert.deepEqual(ids.filter((i) => /run|async|copy/.test(i)), ['copy-profile', 'specialize:run:2', 'specialize:run:5', 'specialize:async:1']);
    const wait = o.findIndex((x) => x[1] === 'op_wait_host_keys');
    assert.ok(wait > 0 && wait === o.findIndex((x) => x[0] === 'specialize:run:2') - 1, 'the commands wait for the host keys, once');
    assert.deepEqual(o.find((x) => x[0] === 'specialize:run:2'), ['specialize:run:2', 'op_run_sync', 'specialize', '2', 'Never', 'second', 'echo two', 'root']);
    assert.deepEqual(o.find((x) => x[0] === 'specialize:run:5')?.slice(4, 5), ['Always']);
  });

  it('oobeSystem: accounts with mapped groups, every password in one chpasswd, AutoLogon, FirstLogonCommands; COMPLETE', () => {
    const p = plan('oobe', UNATTEND({
      oobeSystem: SHELL('<UserAccounts><AdministratorPassword><Value>R00t!</Value><PlainText>true</PlainText></AdministratorPassword>' +
        '<LocalAccounts><LocalAccount wcm:action="add"><Name>Deploy</Name><DisplayName>Deploy User</DisplayName><Group>Administrators;Users;Guests</Group>' +
        '<Password><Value>pw1</Value><PlainText>true</PlainText></Password></LocalAccount></LocalAccounts></UserAccounts>' +
        '<AutoLogon><Enabled>true</Enabled><Username>deploy</Username><Password><Value>pw2</Value><PlainText>true</PlainText></Password><LogonCount>2</LogonCount></AutoLogon>' +
        '<FirstLogonCommands><SynchronousCommand wcm:action="add"><Order>2</Order><CommandLine>echo b</CommandLine></SynchronousCommand>' +
        '<SynchronousCommand wcm:action="add"><Order>1</Order><CommandLine>echo \'a\'</CommandLine><Description>first</Description></SynchronousCommand></FirstLogonCommands>' +
        '<OOBE><HideEULAPage>true</HideEULAPage></OOBE>'),
    }));
    const o = ops(p);
    assert.deepEqual(o.find((x) => x[1] === 'op_account'), ['oobeSystem:account:deploy', 'op_account', 'deploy', 'Deploy User', 'sudo,users']);
    assert.deepEqual(o.find((x) => x[1] === 'op_log' && /Guests/.test(x[3]!)), ['-', 'op_log', 'Warning', 'LocalAccount Deploy: no group for "Guests" in this image']);
    assert.deepEqual(o.filter((x) => x[1] === 'op_passwords'), [['oobeSystem:passwords', 'op_passwords', 'root', 'R00t!', 'deploy', 'pw1', 'deploy', 'pw2']]);
    assert.deepEqual(o.find((x) => x[1] === 'op_autologon'), ['oobeSystem:autologon', 'op_autologon', 'deploy', '2']);
    assert.deepEqual(o.find((x) => x[1] === 'op_first_logon_commands'),
      ['oobeSystem:first-logon-commands', 'op_first_logon_commands', '1', 'first', "echo 'a'", '2', '', 'echo b'], 'ORDER DESCRIPTION COMMAND, in Order, as written');
    // no eula.txt in the image, and the answer file set no locale, keyboard, time zone or host name
    assert.deepEqual(p.pages, ['locale', 'keyboard', 'timezone', 'hostname']);
    assert.deepEqual(o.at(-1), ['-', 'op_interactive_oobe', 'locale', 'keyboard', 'timezone', 'hostname']);
    assert.deepEqual(finish(p).slice(1), [['op_set_state', 'IMAGE_STATE_COMPLETE'], ['op_log', 'Info', 'OOBE complete; image state IMAGE_STATE_COMPLETE']]);
    assert.ok(!describePlan(p).includes('pw1') && !describePlan(p).includes('R00t!'), 'the account of a plan names no secret');
  });

  it('a locale compiled in the image (locale-archive, by localedef) is known to be, so the runner need not ask locale -a', () => {
    assert.equal(normalizedLocale('en_US.UTF-8'), 'en_US.utf8');
    assert.equal(normalizedLocale('sr_RS.UTF-8@latin'), 'sr_RS.utf8@latin');
    assert.equal(normalizedLocale('C'), 'C');
    const view = overlayRoot(usedRoot('bookworm'), 'locale-archive');
    try {
      const r = spawnSync('chroot', [view.root, 'localedef', '-i', 'de_DE', '-f', 'UTF-8', 'de_DE.UTF-8'], { encoding: 'utf8', env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });
      assert.equal(r.status, 0, r.stderr);
      const f = imageFacts(new RootFs(view.root));
      assert.equal(f.localeCompiled('de_DE.UTF-8'), true);
      assert.equal(f.localeCompiled('fr_FR.UTF-8'), false);
      assert.equal(f.localeCompiled('C.UTF-8'), true, 'C.utf8 is a directory of its own');
    } finally {
      view.dispose();
    }
  });

  it('the OOBE pages: what oobeSystem or specialize answered is not asked', () => {
    const s = (pass: string, xml: string) => getPassSettings(parseAnswerFile(UNATTEND({ [pass]: xml })), pass as 'oobeSystem');
    assert.deepEqual(oobePages(undefined, undefined, true), ['eula', 'locale', 'keyboard', 'timezone', 'hostname', 'user']);
    assert.deepEqual(oobePages(undefined, undefined, false), ['locale', 'keyboard', 'timezone', 'hostname', 'user']);
    assert.deepEqual(oobePages(s('oobeSystem', SHELL('<OOBE><HideEULAPage>true</HideEULAPage><HideLocalAccountScreen>true</HideLocalAccountScreen></OOBE>')), undefined, true),
      ['locale', 'keyboard', 'timezone', 'hostname']);
    const spec = getPassSettings(parseAnswerFile(UNATTEND({ specialize: SHELL('<ComputerName>X</ComputerName><TimeZone>UTC</TimeZone>') + INTERNATIONAL })), 'specialize');
    assert.deepEqual(oobePages(undefined, spec, false), ['user']);
    assert.deepEqual(oobePages(s('oobeSystem', SHELL('<OOBE><SkipMachineOOBE>true</SkipMachineOOBE></OOBE>')), undefined, true), ['user']);
    assert.deepEqual(oobePages(s('oobeSystem', SHELL('<OOBE><SkipMachineOOBE>true</SkipMachineOOBE><SkipUserOOBE>true</SkipUserOOBE></OOBE>')), undefined, true), []);
  });

  it('Reseal in oobeSystem: Mode Audit goes to audit mode (restart, or shutdown with ForceShutdownNow); ForceShutdownNow alone shuts down after COMPLETE', () => {
    const f = (reseal: string) => finish(plan('oobe', UNATTEND({ oobeSystem: SHELL('<OOBE><HideEULAPage>true</HideEULAPage></OOBE>') + DEPLOY(`<Reseal>${reseal}</Reseal>`) }))).slice(1);
    assert.deepEqual(f('<Mode>Audit</Mode>'), [['op_set_state', 'IMAGE_STATE_SPECIALIZE_RESEAL_TO_AUDIT'], ['op_power', 'reboot', 'Reseal Mode=Audit in oobeSystem']]);
    assert.deepEqual(f('<Mode>Audit</Mode><ForceShutdownNow>true</ForceShutdownNow>').at(-1), ['op_power', 'poweroff', 'Reseal Mode=Audit in oobeSystem']);
    assert.deepEqual(f('<Mode>OOBE</Mode><ForceShutdownNow>true</ForceShutdownNow>').at(-1), ['op_power', 'poweroff', 'Reseal ForceShutdownNow in oobeSystem']);
    assert.deepEqual(f('<Mode>OOBE</Mode>').at(-1), ['op_log', 'Info', 'OOBE complete; image state IMAGE_STATE_COMPLETE']);
  });

  it('auditSystem: AuditComputerName (MustReboot restarts), accounts, AutoLogon of another user; Reseal OOBE leaves audit mode', () => {
    const p = plan('audit', UNATTEND({
      auditSystem: SHELL('<TimeZone>UTC</TimeZone><UserAccounts><AdministratorPassword><Value>a</Value><PlainText>true</PlainText></AdministratorPassword>' +
        '<LocalAccounts><LocalAccount wcm:action="add"><Name>auditor</Name><Group>Administrators</Group><Password><Value>b</Value><PlainText>true</PlainText></Password></LocalAccount></LocalAccounts></UserAccounts>' +
        '<AutoLogon><Enabled>true</Enabled><Username>Administrator</Username><LogonCount>1</LogonCount></AutoLogon>') +
        DEPLOY('<AuditComputerName><Name>AUDIT-02</Name><MustReboot>true</MustReboot></AuditComputerName>'),
    }));
    const o = ops(p);
    assert.deepEqual(o.map((x) => x[0]), ['auditSystem:timezone', 'auditSystem:computer-name', 'auditSystem:account:auditor', 'auditSystem:passwords', '-', 'audit:logon-pending']);
    assert.deepEqual(o[1], ['auditSystem:computer-name', 'op_hostname', 'audit-02', 'AuditComputerName AUDIT-02']);
    assert.deepEqual(o[3], ['auditSystem:passwords', 'op_passwords', 'root', 'a', 'auditor', 'b']);
    assert.match(o[4]![3]!, /audit mode logs root on automatically/);
    assert.deepEqual(finish(p).at(-1), ['op_power', 'reboot', 'AuditComputerName MustReboot']);
    const r = finish(plan('audit', UNATTEND({ auditSystem: DEPLOY('<Reseal><Mode>OOBE</Mode><ForceShutdownNow>true</ForceShutdownNow></Reseal>') })));
    assert.deepEqual(r.slice(1), [['op_set_state', 'IMAGE_STATE_SPECIALIZE_RESEAL_TO_OOBE'], ['op_power', 'poweroff', 'Reseal Mode=OOBE in auditSystem']]);
  });

  it('auditUser: RunSynchronous as root, the registration; Generalize wins over Reseal; Reseal Mode=Audit restarts into audit mode', () => {
    const p = plan('audit-user', UNATTEND({
      auditUser: SHELL('<RegisteredOwner>Contoso IT</RegisteredOwner>') + DEPLOY('<RunSynchronous><RunSynchronousCommand wcm:action="add"><Order>1</Order>' +
        '<Path>id -un</Path></RunSynchronousCommand></RunSynchronous><Reseal><Mode>OOBE</Mode></Reseal><Generalize><Mode>Audit</Mode><ForceShutdownNow>true</ForceShutdownNow></Generalize>'),
    }));
    assert.deepEqual(ops(p)[0], ['auditUser:run:1', 'op_run_sync', 'auditUser', '1', 'Never', 'id -un', 'id -un', 'root']);
    assert.deepEqual(ops(p)[1]!.slice(0, 4), ['auditUser:registration', 'op_write_file', '/var/lib/sysprep/state/Image.ini', '0644']);
    assert.match(ops(p)[1]![4]!, /^RegisteredOwner="Contoso IT"$/m);
    assert.deepEqual(finish(p).at(-1), ['op_generalize', 'audit', 'shutdown']);
    const audit = finish(plan('audit-user', UNATTEND({ auditUser: DEPLOY('<Reseal><Mode>Audit</Mode></Reseal>') })));
    assert.deepEqual(audit.at(-1), ['op_power', 'reboot', 'Reseal Mode=Audit in auditUser']);
    const none = finish(plan('audit-user', UNATTEND({ auditUser: DEPLOY('<Reseal><ForceShutdownNow>false</ForceShutdownNow></Reseal>') })));
    assert.ok(!none.some((f) => f[0] === 'op_power' || f[0] === 'op_set_state'), 'no Mode: the dialog asks');
  });

  it('the runner reads a plan back exactly: quotes, $(…), backquotes, newlines in values; nothing runs', () => {
    const nasty = "it's $(touch /tmp/pwned) `id` \"q\" \\ $HOME\nline2";
    const p = plan('oobe', UNATTEND({
      oobeSystem: SHELL(`<UserAccounts><LocalAccounts><LocalAccount wcm:action="add"><Name>eve</Name><DisplayName>${nasty.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</DisplayName>` +
        `<Password><Value>${nasty.replace(/</g, '&lt;')}</Value><PlainText>true</PlainText></Password></LocalAccount></LocalAccounts></UserAccounts>`),
    }));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plan-'));
    try {
      fs.writeFileSync(path.join(dir, 'oobe.plan'), renderPlan(p));
      // the runner's own reader (sourced: its definitions only), then the fields of every step and finish
      const script = 'source "$1"; read_plan "$2" || exit 1; printf "%s\\0" "${PLAN_FIELDS[@]}"';
      const r = spawnSync('bash', ['-c', script, 'bash', RUNNER, path.join(dir, 'oobe.plan')], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const want = [...p.steps.flatMap((st) => [st.id ?? '', st.op, ...st.args]), ...p.finish.flatMap((st) => [st.op, ...st.args])];
      assert.deepEqual(r.stdout.split('\0').slice(0, -1), want);
      assert.ok(want.includes(nasty), 'the display name and the password come back byte for byte');
      assert.equal(fs.existsSync('/tmp/pwned'), false, 'nothing in a value ran');
      const shown = describePlanFile(renderPlan(p));
      assert.match(shown, /^step oobeSystem:passwords: op_passwords "eve" \(hidden\)$/m, 'show-plan hides passwords');
      assert.ok(shown.includes('\\nline2') && !shown.includes('\nline2'), 'values are shown quoted (JSON): one record a line');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('every valid answer file of the corpus plans every phase, and the runner reads each plan', () => {
    let plans = 0;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plan-corpus-'));
    try {
      for (const name of corpusFiles()) {
        const bytes = fs.readFileSync(path.join(corpusDir(), name));
        let doc;
        try {
          doc = parseAnswerFile(bytes, name);
        } catch {
          continue; // the unparsable ones are the reader's tests
        }
        if (!checkAnswerFile(doc).valid) continue;
        for (const phase of ['specialize', 'oobe', 'audit', 'audit-user'] as const) {
          const p = makePlan(phase, { facts, target: 'oobe', madeAt: 'seal', inputs: [], answer: { doc, source: name, origin: 'cache', warnings: 0 } });
          fs.writeFileSync(path.join(dir, `${plans}.plan`), renderPlan(p));
          plans++;
        }
      }
      const script = 'source "$1"; shift; for f in "$@"; do read_plan "$f" || { echo "$f: $ERR"; exit 1; }; done';
      const files = Array.from({ length: plans }, (_, i) => path.join(dir, `${i}.plan`));
      const r = spawnSync('bash', ['-c', script, 'bash', RUNNER, ...files], { encoding: 'utf8' });
      assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    assert.ok(plans >= 4 * 80, `${plans} plans`);
    assert.ok(fs.existsSync(path.join(repoRoot(), 'src/firstboot/runner.bash')));
  });
});
