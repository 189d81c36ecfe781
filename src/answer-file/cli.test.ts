/** `sysprep unattend check FILE [--json]` (src/cli/commands/unattend-check.ts). */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { corpusDir, fixture } from './testutil.js';

const MODULE = fileURLToPath(new URL('../cli/commands/unattend-check.js', import.meta.url));
const ARGS = fileURLToPath(new URL('../cli/args.js', import.meta.url));

/** Runs the command in a child process (it writes to the process's stdout and stderr). */
async function run(file: string, json: boolean): Promise<{ code: number; out: string; err: string }> {
  // the command gets what follows `sysprep unattend check` on the command line
  const script = `import { unattendCheckCommand } from ${JSON.stringify(pathToFileURL(MODULE).href)};
import { tokenize } from ${JSON.stringify(pathToFileURL(ARGS).href)};
process.exitCode = await unattendCheckCommand(tokenize(process.argv.slice(1)));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, file, ...(json ? ['--json'] : [])], { encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

test('valid file: exit 0, per pass the settings with their Linux meaning, warnings with lines', async () => {
  const r = await run(fixture('audit-full.xml'), false);
  assert.equal(r.code, 0);
  assert.match(r.out, /audit-full\.xml: valid: 5 passes, 57 settings, 0 errors, 4 warnings/);
  assert.match(r.out, /\npass auditSystem \(line 51\): 17 settings\n/);
  assert.match(r.out, /line {3}21 {2}Shell-Setup\/ComputerName = "build-01" → sets the host name to "build-01" at first boot/);
  assert.match(r.out, /line {3}86:11 {2}warning: "\\\\fileserver\\drivers" is a Windows network share; sysprep does not mount shares/);
  assert.match(r.out, /DriverPaths \(what each path installs\):\n {2}auditSystem \[1\] .*a Windows path: never found on Linux/);
  for (const s of ['Audit!2024', 'auto-pass', 'builder-pw', 'Deploy-Secret-7', 'Driver-Share-Secret']) assert.ok(!r.out.includes(s), s);
});

test('invalid file: exit 2 and each error with its line', async () => {
  const r = await run(fixture('wrong-pass.xml'), false);
  assert.equal(r.code, 2);
  assert.match(r.out, /INVALID: 3 passes, 4 settings, 3 errors, 2 warnings/);
  assert.match(r.out, /line {4}5:7 {3}error: Shell-Setup\/ComputerName is not valid in the oobeSystem pass/);
});

test('--json: one document, same verdict', async () => {
  const r = await run(fixture('duplicate-order.xml'), true);
  assert.equal(r.code, 2);
  const doc = JSON.parse(r.out) as { valid: boolean; errors: number; passes: { pass: string }[]; diagnostics: { line: number; code: string }[] };
  assert.equal(doc.valid, false);
  assert.equal(doc.errors, 3);
  assert.deepEqual(doc.passes.map((p) => p.pass), ['specialize']);
  assert.deepEqual(doc.diagnostics.map((d) => [d.line, d.code]), [[10, 'duplicate-key'], [15, 'bad-value'], [17, 'bad-value']]);
});

test('unreadable XML: exit 2 with file:line:column', async () => {
  const r = await run(join(corpusDir(), 'DonteElrod__windows-11-enterprise-autodeploy__autounattend.xml'), false);
  assert.equal(r.code, 2);
  assert.match(r.out, /DonteElrod__windows-11-enterprise-autodeploy__autounattend\.xml:42:267: error: not well-formed XML/);
  const b = await run(fixture('billion-laughs.xml'), true);
  assert.equal(b.code, 2);
  assert.equal((JSON.parse(b.out) as { loadError: { code: string; line: number } }).loadError.code, 'doctype');
});

test('missing file: exit 2, message on stderr', async () => {
  const r = await run('/nonexistent/unattend.xml', false);
  assert.equal(r.code, 2);
  assert.match(r.err, /\/nonexistent\/unattend\.xml: no such file/);
});

test('secrets never reach the output, even where the file repeats them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'unattend-check-'));
  const f = join(dir, 'u.xml');
  writeFileSync(f, `<unattend xmlns="urn:schemas-microsoft-com:unattend"><settings pass="oobeSystem"><component name="Microsoft-Windows-Shell-Setup">
<UserAccounts><AdministratorPassword><Value>Sup3r-Secret</Value><PlainText>true</PlainText></AdministratorPassword></UserAccounts>
<FirstLogonCommands><SynchronousCommand wcm:action="add" xmlns:wcm="http://schemas.microsoft.com/WMIConfig/2002/State"><Order>1</Order><CommandLine>echo Sup3r-Secret | passwd --stdin x</CommandLine></SynchronousCommand></FirstLogonCommands>
</component></settings></unattend>`);
  for (const json of [false, true]) {
    const r = await run(f, json);
    assert.equal(r.code, 0);
    assert.ok(!r.out.includes('Sup3r-Secret'));
    assert.ok(r.out.includes('echo ***'));
  }
});

test('Windows settings with no Linux meaning: exit 0, each reported with its line; a misspelled one: exit 2 with line:column', async () => {
  const ok = await run(fixture('windows-no-linux-meaning.xml'), false);
  assert.equal(ok.code, 0, ok.out);
  assert.match(ok.out, /windows-no-linux-meaning\.xml: valid: 2 passes, 8 settings, 0 errors, 6 warnings/);
  assert.match(ok.out, /line {3}14:5 {3}warning: Microsoft-Windows-ehome-reg-inf is a Windows component with no Linux meaning: its 1 setting is ignored/);
  assert.match(ok.out, /line {4}9:7 {3}warning: Shell-Setup\/BluetoothTaskbarIconEnabled is a Windows setting with no Linux meaning: ignored/);
  const dir = mkdtempSync(join(tmpdir(), 'unattend-typo-'));
  const file = join(dir, 'typo.xml');
  writeFileSync(file, readFileSync(fixture('windows-no-linux-meaning.xml'), 'utf8').replace(/BluetoothTaskbarIconEnabled/g, 'bluetoothTaskbarIconEnabled'));
  const bad = await run(file, false);
  assert.equal(bad.code, 2, bad.out);
  assert.match(bad.out, /line {4}9:7 {3}error: "bluetoothTaskbarIconEnabled" is not a setting of Microsoft-Windows-Shell-Setup: setting names are case-sensitive, write "BluetoothTaskbarIconEnabled"/);
});
