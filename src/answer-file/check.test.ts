import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import test from 'node:test';
import { checkAnswerFileBytes, getPassSettings, parseAnswerFile, type CheckReport } from './index.js';
import { fixture } from './testutil.js';

const check = (name: string) => checkAnswerFileBytes(readFileSync(fixture(name)), name);
const brief = (r: CheckReport) => r.diagnostics.map((d) => `${d.severity} ${d.code} ${d.line}:${d.column} ${d.pass ?? ''} ${d.setting ?? d.component ?? ''}`);

test('a filled auditSystem pass (and every other sysprep pass) checks valid', () => {
  const r = check('audit-full.xml');
  assert.equal(r.valid, true, brief(r).join('\n'));
  assert.deepEqual(r.passes.map((p) => [p.pass, p.settingCount]), [
    ['generalize', 5], ['specialize', 16], ['auditSystem', 17], ['auditUser', 7], ['oobeSystem', 12],
  ]);
  const audit = r.passes.find((p) => p.pass === 'auditSystem')!;
  assert.deepEqual(audit.settings.map((s) => `${s.setting}: ${s.status}`), [
    'TimeZone: applies',
    'UserAccounts/AdministratorPassword: applies',
    'AutoLogon: applies',
    'AuditComputerName: applies',
    'ExtendOSPartition: applies',
    'Reseal: applies',
    'DriverPaths/PathAndCredentials[keyValue=1]: applies',
  ]);
  // DriverPaths applies (SPEC 11), but a Windows share is never found: a warning says what to do
  assert.match(audit.settings[6]!.linux, /a Windows path: nothing is installed/);
  assert.equal(audit.settings[0]!.linux, 'sets the time zone to Etc/UTC (/etc/localtime; Windows "UTC")');
  assert.match(audit.settings[2]!.linux, /logs "root" on automatically on the console for 5 logons/);
  assert.deepEqual(brief(r), [
    'warning ignored-on-linux 42:11 specialize RunSynchronous/RunSynchronousCommand[Order=2]/Credentials',
    'warning linux-advice 86:11 auditSystem DriverPaths/PathAndCredentials[keyValue=1]/Path',
    'warning ignored-on-linux 87:11 auditSystem DriverPaths/PathAndCredentials[keyValue=1]/Credentials',
    'warning ignored-on-linux 121:9 oobeSystem OOBE/ProtectYourPC',
  ]);
  // No secret in the report.
  const json = JSON.stringify(r);
  for (const s of ['Audit!2024', 'auto-pass', 'builder-pw', 'Deploy-Secret-7', 'Driver-Share-Secret']) assert.ok(!json.includes(s), s);
});

test('typed settings of the filled passes', () => {
  const doc = parseAnswerFile(readFileSync(fixture('audit-full.xml')), 'audit-full.xml');
  const g = getPassSettings(doc, 'generalize', { arch: 'amd64' });
  assert.deepEqual(g.pnpSysprep, { persistAllDeviceInstalls: true, doNotCleanUpNonPresentDevices: false });
  assert.equal(g.deployment.duplicatorDescription, 'Golden image 2026-11, built by the image team');
  assert.equal(g.shellSetup.registeredOwner, 'Image Team');
  const a = getPassSettings(doc, 'auditSystem', { arch: 'amd64' });
  assert.deepEqual(a.deployment.reseal, { mode: 'Audit', forceShutdownNow: false });
  assert.deepEqual(a.deployment.auditComputerName, { name: 'audit-01', mustReboot: false });
  assert.deepEqual(a.driverPaths, [{ key: '1', path: '\\\\fileserver\\drivers', action: 'add' }]);
  const u = getPassSettings(doc, 'auditUser', { arch: 'amd64' });
  assert.deepEqual(u.deployment.generalize, { mode: 'OOBE', forceShutdownNow: true });
  assert.equal(u.deployment.runSynchronous[0]!.willReboot, 'OnRequest');
  const s = getPassSettings(doc, 'specialize', { arch: 'amd64' });
  assert.deepEqual(s.international.inputLocale, ['0407:00000407', 'en-US']);
  assert.equal(s.deployment.runSynchronous[1]!.hasCredentials, true);
  const o = getPassSettings(doc, 'oobeSystem', { arch: 'amd64' });
  assert.deepEqual(o.shellSetup.localAccounts.map((x) => [x.name, x.groups]), [['builder', ['Administrators', 'Users']]]);
  assert.equal(o.shellSetup.oobe.hideEULAPage, true);
});

test('DomainAccounts: valid, reported as ignored on Linux, typed', () => {
  const r = check('domain-accounts.xml');
  assert.equal(r.valid, true);
  assert.deepEqual(brief(r), ['warning ignored-on-linux 6:9 oobeSystem UserAccounts/DomainAccounts']);
  const doc = parseAnswerFile(readFileSync(fixture('domain-accounts.xml')), 'd.xml');
  const o = getPassSettings(doc, 'oobeSystem', { arch: 'amd64' });
  assert.deepEqual(o.shellSetup.domainAccounts.map((d) => [d.domain, d.accounts]), [
    ['corp.example.com', [{ name: 'alice', groups: ['Administrators'] }, { name: 'bob', groups: ['RemoteDesktopUsers'] }]],
  ]);
  assert.equal(o.shellSetup.localAccounts[0]!.password?.value, 'Ops-Plain-Secret');
});

test('modify and remove actions: resolved by key; a remove without key and an unknown action are errors', () => {
  const r = check('modify-remove.xml');
  assert.deepEqual(brief(r), [
    'error missing-key 39:11 oobeSystem UserAccounts/LocalAccounts/LocalAccount',
    'error bad-action 41:11 oobeSystem UserAccounts/LocalAccounts/LocalAccount[Name=carol]',
  ]);
  const doc = parseAnswerFile(readFileSync(fixture('modify-remove.xml')), 'm.xml');
  const s = getPassSettings(doc, 'specialize', { arch: 'amd64' });
  assert.deepEqual(s.deployment.runSynchronous.map((c) => [c.order, c.path, c.description ?? '']), [[1, '/bin/true', 'changed by modify']]);
  const o = getPassSettings(doc, 'oobeSystem', { arch: 'amd64' });
  assert.deepEqual(o.shellSetup.localAccounts.map((a) => [a.name, a.action, a.displayName ?? '']), [
    ['alice', 'add', 'Alice Example'],
    ['olduser', 'remove', ''],
    ['', 'remove', ''],
    ['carol', 'add', ''],
  ]);
});

test('settings in the wrong pass are errors that say where they belong', () => {
  const r = check('wrong-pass.xml');
  assert.deepEqual(brief(r), [
    'error wrong-pass 5:7 oobeSystem ComputerName',
    'error wrong-pass 10:7 auditSystem Generalize',
    'warning ignored-on-linux 17:7 generalize SkipRearm',
    'error wrong-pass 20:7 generalize ProductKey',
    'warning ignored-on-linux 20:7 generalize ProductKey',
  ]);
  assert.match(r.diagnostics[0]!.message, /valid in offlineServicing or specialize: move it to <settings pass="specialize">/);
  assert.equal(r.diagnostics[0]!.file, 'wrong-pass.xml');
  assert.equal(r.diagnostics[0]!.component, 'Microsoft-Windows-Shell-Setup');
});

test('ComputerName: 15 bytes, forbidden characters, not only digits', () => {
  const r = check('bad-computername.xml');
  assert.deepEqual(r.diagnostics.map((d) => [d.line, d.code]), [[5, 'bad-value'], [8, 'bad-value'], [11, 'bad-value'], [14, 'bad-value']]);
  assert.match(r.diagnostics[0]!.message, /contains a space/);
  assert.match(r.diagnostics[1]!.message, /21 bytes long; a computer name has at most 15 bytes/);
  assert.match(r.diagnostics[2]!.message, /only digits/);
  assert.match(r.diagnostics[3]!.message, /18 bytes long/);
  for (const [name, ok] of [['*', true], ['', true], ['web-01', true], ['WEB01', true], ['a.b', false], ['x@y', false], ['😀', false]] as const) {
    const res = checkAnswerFileBytes(`<unattend xmlns="urn:schemas-microsoft-com:unattend"><settings pass="specialize"><component name="Microsoft-Windows-Shell-Setup"><ComputerName>${name}</ComputerName></component></settings></unattend>`, 'c.xml');
    assert.equal(res.valid, ok, `${name}: ${JSON.stringify(res.diagnostics)}`);
  }
});

test('RunSynchronous Order: unique and 1–500; WillReboot enumeration', () => {
  const r = check('duplicate-order.xml');
  assert.deepEqual(brief(r), [
    'error duplicate-key 10:9 specialize RunSynchronous/RunSynchronousCommand[Order=01]',
    'error bad-value 15:11 specialize RunSynchronous/RunSynchronousCommand[Order=501]/Order',
    'error bad-value 17:11 specialize RunSynchronous/RunSynchronousCommand[Order=501]/WillReboot',
  ]);
  assert.match(r.diagnostics[0]!.message, /Order 01 is used twice \(also line 6\)/);
});

test('unknown components and settings are errors; Windows-only ones are ignored with a warning', () => {
  const r = checkAnswerFileBytes(`<unattend xmlns="urn:schemas-microsoft-com:unattend">
<settings pass="specialize">
<component name="Microsoft-Windows-Shell-Setpu"><ComputerName>a</ComputerName></component>
<component name="Contoso-Agent"><X>1</X></component>
<component name="Microsoft-Windows-IE-ESC"><IEHardenAdmin>false</IEHardenAdmin></component>
<component name="Microsoft-Windows-Shell-Setup"><Themes><ThemeName>x</ThemeName></Themes><computername>a</computername><Bogus>1</Bogus></component>
<component name="Microsoft-Windows-Deployment"><RunSynchronous><RunSynchronousCommand wcm:action="add" xmlns:wcm="http://schemas.microsoft.com/WMIConfig/2002/State"><Order>1</Order><Pth>x</Pth></RunSynchronousCommand></RunSynchronous></component>
</settings>
<settings pass="OOBESystem"/>
<settings/>
<junk/>
</unattend>`, 'u.xml');
  assert.deepEqual(brief(r), [
    'error unknown-component 3:1 specialize Microsoft-Windows-Shell-Setpu',
    'error unknown-component 4:1 specialize Contoso-Agent',
    'warning ignored-on-linux 5:1 specialize Microsoft-Windows-IE-ESC',
    'warning ignored-on-linux 6:49 specialize Themes',
    'error misspelled-setting 6:90 specialize computername',
    'error unknown-setting 6:120 specialize Bogus',
    'error unknown-setting 7:182 specialize RunSynchronous/RunSynchronousCommand[Order=1]/Pth',
    'error missing-setting 7:64 specialize RunSynchronous/RunSynchronousCommand[Order=1]',
    'error bad-pass 9:1 OOBESystem ',
    'error bad-pass 10:1  ',
    'warning unknown-element 11:1  ',
  ].sort((a, b) => {
    const pos = (s: string) => s.split(' ')[2]!.split(':').map(Number) as [number, number];
    const [la, ca] = pos(a);
    const [lb, cb] = pos(b);
    return la - lb || ca - cb;
  }));
  assert.match(r.diagnostics.find((d) => d.code === 'misspelled-setting')!.message, /write "ComputerName"/);
  assert.match(r.diagnostics[0]!.message, /did you mean Microsoft-Windows-Shell-Setup\?/);
  assert.match(r.diagnostics.find((d) => d.code === 'bad-pass')!.message, /write "oobeSystem"/);
});

test('windowsPE and offlineServicing are reported as passes sysprep never runs', () => {
  const r = checkAnswerFileBytes(`<unattend xmlns="urn:schemas-microsoft-com:unattend">
<settings pass="windowsPE"><component name="Microsoft-Windows-Setup"><UserData><AcceptEula>true</AcceptEula></UserData></component></settings>
<settings pass="offlineServicing"><component name="Microsoft-Windows-Shell-Setup"><ComputerName>x1</ComputerName></component></settings>
</unattend>`, 'pe.xml');
  assert.equal(r.valid, true);
  assert.deepEqual(r.passes.map((p) => [p.pass, p.runBySysprep, p.settingCount, p.settings[0]!.status]), [
    ['windowsPE', false, 1, 'ignored'], ['offlineServicing', false, 1, 'ignored'],
  ]);
  assert.deepEqual(r.diagnostics.map((d) => d.code), ['pass-not-run', 'pass-not-run']);
});

test('Generalize and Reseal together in auditUser: Reseal is ignored (warning)', () => {
  const r = checkAnswerFileBytes(`<unattend xmlns="urn:schemas-microsoft-com:unattend"><settings pass="auditUser"><component name="Microsoft-Windows-Deployment">
<Reseal><Mode>OOBE</Mode></Reseal><Generalize><Mode>Audit</Mode></Generalize></component></settings></unattend>`, 'g.xml');
  assert.equal(r.valid, true);
  assert.deepEqual(r.diagnostics.map((d) => d.code), ['reseal-ignored']);
});

test('AutoLogon without LogonCount warns; LogonCount and Order must be whole numbers', () => {
  const r = checkAnswerFileBytes(`<unattend xmlns="urn:schemas-microsoft-com:unattend"><settings pass="oobeSystem"><component name="Microsoft-Windows-Shell-Setup">
<AutoLogon><Enabled>true</Enabled><Username>kiosk</Username></AutoLogon>
<FirstLogonCommands><SynchronousCommand wcm:action="add" xmlns:wcm="http://schemas.microsoft.com/WMIConfig/2002/State"><Order>x</Order><CommandLine>true</CommandLine></SynchronousCommand></FirstLogonCommands>
</component></settings></unattend>`, 'a.xml');
  assert.deepEqual(r.diagnostics.map((d) => [d.severity, d.code]), [['warning', 'autologon-count'], ['error', 'bad-value']]);
});

// ---------------------------------------------------------------------------------------------------------
// Names Windows knows (windows-reference.json, from Microsoft's reference) but sysprep does not model

const shellSetup = (pass: string, body: string) => `<?xml version="1.0" encoding="utf-8"?>
<unattend xmlns="urn:schemas-microsoft-com:unattend">
  <settings pass="${pass}">
    <component name="Microsoft-Windows-Shell-Setup" processorArchitecture="amd64" publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS">
${body}
    </component>
  </settings>
</unattend>
`;

test('Windows settings with no Linux meaning (a dropped component, unmodelled settings, nested ones): valid, each a warning', () => {
  const r = check('windows-no-linux-meaning.xml');
  assert.equal(r.valid, true, brief(r).join('\n'));
  assert.deepEqual(brief(r), [
    'warning ignored-on-linux 9:7 specialize BluetoothTaskbarIconEnabled',
    'warning ignored-on-linux 10:7 specialize DesktopOptimization',
    'warning ignored-on-linux 14:5 specialize Microsoft-Windows-ehome-reg-inf',
    'warning ignored-on-linux 17:5 specialize Microsoft-Windows-MobilePC-Sensors-API',
    'warning ignored-on-linux 27:9 oobeSystem OOBE/OEMAppId',
    'warning ignored-on-linux 29:7 oobeSystem Themes',
  ]);
  const by = (s: string) => r.diagnostics.find((d) => d.setting === s || d.component === s)!.message;
  assert.equal(by('BluetoothTaskbarIconEnabled'), 'Shell-Setup/BluetoothTaskbarIconEnabled is a Windows setting with no Linux meaning: ignored');
  assert.equal(by('Microsoft-Windows-ehome-reg-inf'), 'Microsoft-Windows-ehome-reg-inf is a Windows component with no Linux meaning: its 1 setting is ignored');
  const spec = r.passes.find((p) => p.pass === 'specialize')!;
  assert.deepEqual(spec.settings.map((s) => `${s.setting || s.component}: ${s.status}`), [
    'ComputerName: applies', 'BluetoothTaskbarIconEnabled: ignored', 'DesktopOptimization: ignored',
    'Microsoft-Windows-ehome-reg-inf: ignored', 'Microsoft-Windows-MobilePC-Sensors-API: ignored',
  ]);
  assert.equal(spec.settings[1]!.linux, 'ignored on Linux: Windows setting with no Linux meaning');
});

test('component names match ignoring case, as on Windows; a near miss is an error with a "did you mean"', () => {
  const file = (name: string) => `<?xml version="1.0" encoding="utf-8"?>
<unattend xmlns="urn:schemas-microsoft-com:unattend">
  <settings pass="specialize">
    <component name="${name}" processorArchitecture="x86" publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="NonSxS">
      <RestartEnabled>true</RestartEnabled>
    </component>
  </settings>
</unattend>
`;
  const ok = checkAnswerFileBytes(file('microsoft-windows-EHOME-reg-inf'), 'case.xml');
  assert.equal(ok.valid, true, brief(ok).join('\n'));
  const typo = checkAnswerFileBytes(file('Microsoft-Windows-ehome-reg-in'), 'typo.xml');
  assert.equal(typo.valid, false);
  assert.deepEqual(typo.diagnostics.map((d) => [d.code, d.line, d.column, d.message]), [
    ['unknown-component', 4, 5, 'unknown component "Microsoft-Windows-ehome-reg-in": did you mean Microsoft-Windows-ehome-reg-inf?'],
  ]);
});

test('a Windows setting misspelled (case, or a near miss) is still an error with its line and column', () => {
  const r = checkAnswerFileBytes(shellSetup('oobeSystem', `      <bluetoothtaskbariconenabled>false</bluetoothtaskbariconenabled>
      <BluetoothTaskbarIconEnable>false</BluetoothTaskbarIconEnable>
      <ConfigureChatAutoInstal>false</ConfigureChatAutoInstal>
      <configurechatautoinstall>false</configurechatautoinstall>
      <OOBE><hideeulapage>true</hideeulapage><HideEULAPag>true</HideEULAPag></OOBE>`), 'typos.xml');
  assert.equal(r.valid, false);
  assert.deepEqual(r.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.line}:${d.column} ${d.code} ${d.message}`), [
    '5:7 misspelled-setting "bluetoothtaskbariconenabled" is not a setting of Microsoft-Windows-Shell-Setup: setting names are case-sensitive, write "BluetoothTaskbarIconEnabled"',
    '6:7 unknown-setting "BluetoothTaskbarIconEnable" is not a setting of Microsoft-Windows-Shell-Setup: did you mean "BluetoothTaskbarIconEnabled"?',
    '7:7 unknown-setting "ConfigureChatAutoInstal" is not a setting of Microsoft-Windows-Shell-Setup: check the spelling or remove it (known: ' +
      r.diagnostics.find((d) => d.line === 7)!.message.split('(known: ')[1],
    '8:7 unknown-setting "configurechatautoinstall" is not a setting of Microsoft-Windows-Shell-Setup: check the spelling or remove it (known: ' +
      r.diagnostics.find((d) => d.line === 8)!.message.split('(known: ')[1],
    '9:13 misspelled-setting "hideeulapage" is not a setting of OOBE: setting names are case-sensitive, write "HideEULAPage"',
    '9:46 unknown-setting "HideEULAPag" is not a setting of OOBE: did you mean "HideEULAPage"?',
  ]);
  assert.equal(r.diagnostics.filter((d) => d.severity === 'warning').length, 0);
});
