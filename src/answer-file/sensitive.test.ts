import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import test from 'node:test';
import {
  checkAnswerFile,
  decodeHiddenPassword,
  encodeHiddenPassword,
  getPassSettings,
  hasSettingsForPass,
  isPassProcessed,
  listSensitiveStrings,
  markPassProcessed,
  parseAnswerFile,
  scrubSensitive,
  SENSITIVE_DATA_DELETED,
  serialize,
} from './index.js';
import { fixture } from './testutil.js';

const load = (name: string) => parseAnswerFile(readFileSync(fixture(name)), name);

test('hidden passwords decode as the reference says (base64 of UTF-16LE, element-name suffix stripped)', () => {
  assert.equal(decodeHiddenPassword('cAB3AEEAZABtAGkAbgBpAHMAdAByAGEAdABvAHIAUABhAHMAcwB3AG8AcgBkAA==', 'AdministratorPassword'), 'pw');
  assert.equal(decodeHiddenPassword('UABhAHMAcwB3AG8AcgBkADEAMgAzADQANgBQAGEAcwBzAHcAbwByAGQA', 'Password'), 'Password12346');
  assert.equal(decodeHiddenPassword(encodeHiddenPassword('p ä 😀', 'Password'), 'Password'), 'p ä 😀');
  assert.equal(decodeHiddenPassword('', 'Password'), '');
  assert.throws(() => decodeHiddenPassword('not base64!', 'Password'), /not base64/);
  assert.throws(() => decodeHiddenPassword(encodeHiddenPassword('x', 'Password'), 'AdministratorPassword'), /does not end with "AdministratorPassword"/);
});

test('a hidden password that does not decode is an error of the check', () => {
  const doc = parseAnswerFile(`<unattend xmlns="urn:schemas-microsoft-com:unattend"><settings pass="oobeSystem"><component name="Microsoft-Windows-Shell-Setup">
<UserAccounts><AdministratorPassword><Value>plain-text-pw</Value><PlainText>false</PlainText></AdministratorPassword></UserAccounts>
</component></settings></unattend>`, 'h.xml');
  const r = checkAnswerFile(doc);
  assert.equal(r.valid, false);
  assert.equal(r.diagnostics.find((d) => d.severity === 'error')!.code, 'bad-hidden-password');
  assert.equal(r.diagnostics.find((d) => d.severity === 'error')!.line, 2);
});

test('typed settings decode hidden passwords', () => {
  const doc = load('audit-full.xml');
  const audit = getPassSettings(doc, 'auditSystem', { arch: 'amd64' });
  assert.equal(audit.shellSetup.administratorPassword?.value, 'Audit!2024');
  assert.equal(audit.shellSetup.administratorPassword?.hidden, true);
  assert.equal(audit.shellSetup.autoLogon?.password?.value, 'auto-pass');
  const oobe = getPassSettings(doc, 'oobeSystem', { arch: 'amd64' });
  assert.equal(oobe.shellSetup.localAccounts[0]!.password?.value, 'builder-pw');
});

test('listSensitiveStrings finds every secret, raw and decoded', () => {
  const doc = load('audit-full.xml');
  const all = listSensitiveStrings(doc).sort();
  assert.deepEqual(all, [
    'Audit!2024',
    'Deploy-Secret-7',
    'Driver-Share-Secret',
    'QQB1AGQAaQB0ACEAMgAwADIANABBAGQAbQBpAG4AaQBzAHQAcgBhAHQAbwByAFAAYQBzAHMAdwBvAHIAZAA=',
    'YQB1AHQAbwAtAHAAYQBzAHMAUABhAHMAcwB3AG8AcgBkAA==',
    'YgB1AGkAbABkAGUAcgAtAHAAdwBQAGEAcwBzAHcAbwByAGQA',
    'auto-pass',
    'builder-pw',
  ].sort());
  assert.deepEqual(listSensitiveStrings(doc, 'specialize'), ['Deploy-Secret-7']);
  assert.deepEqual(listSensitiveStrings(load('domain-accounts.xml')), ['Ops-Plain-Secret']);
});

test('scrubSensitive replaces the secrets of one pass only, and the result serialises without them', () => {
  const doc = load('audit-full.xml');
  assert.equal(scrubSensitive(doc, 'auditSystem'), 3);
  const text = serialize(doc);
  for (const s of ['Audit!2024', 'auto-pass', 'Driver-Share-Secret', 'QQB1AGQAaQB0ACEAMgAwADIANABBAGQAbQBpAG4AaQBzAHQAcgBhAHQAbwByAFAAYQBzAHMAdwBvAHIAZAA=']) {
    assert.ok(!text.includes(s), `${s} still in the serialised file`);
  }
  assert.ok(text.includes('Deploy-Secret-7'), 'the specialize secret is untouched');
  assert.ok(text.includes('<AdministratorPassword>*SENSITIVE*DATA*DELETED*</AdministratorPassword>'));
  assert.ok(text.includes(`<Password>${SENSITIVE_DATA_DELETED}</Password>`));
  // Scrubbing twice changes nothing; the scrubbed file still checks valid (deleted values are accepted).
  assert.equal(scrubSensitive(doc, 'auditSystem'), 0);
  const again = parseAnswerFile(text, 'cache.xml');
  const r = checkAnswerFile(again);
  assert.equal(r.errors, 0, JSON.stringify(r.diagnostics.filter((d) => d.severity === 'error')));
  assert.equal(getPassSettings(again, 'auditSystem', { arch: 'amd64' }).shellSetup.administratorPassword?.deleted, true);
  assert.deepEqual(listSensitiveStrings(again, 'auditSystem'), []);
});

test('product keys are scrubbed (Shell-Setup text, Setup UserData/ProductKey/Key)', () => {
  const doc = parseAnswerFile(`<unattend xmlns="urn:schemas-microsoft-com:unattend">
<settings pass="windowsPE"><component name="Microsoft-Windows-Setup"><UserData><ProductKey><Key>AAAAA-BBBBB-CCCCC-DDDDD-EEEEE</Key><WillShowUI>Never</WillShowUI></ProductKey></UserData></component></settings>
<settings pass="specialize"><component name="Microsoft-Windows-Shell-Setup"><ProductKey>W269N-WFGWX-YVC9B-4J6C9-T83GX</ProductKey></component></settings>
</unattend>`, 'pk.xml');
  assert.deepEqual(listSensitiveStrings(doc).sort(), ['AAAAA-BBBBB-CCCCC-DDDDD-EEEEE', 'W269N-WFGWX-YVC9B-4J6C9-T83GX']);
  assert.equal(scrubSensitive(doc, 'windowsPE'), 1);
  assert.equal(scrubSensitive(doc, 'specialize'), 1);
  const text = serialize(doc);
  assert.ok(text.includes('<Key>*SENSITIVE*DATA*DELETED*</Key><WillShowUI>Never</WillShowUI>'));
  assert.ok(text.includes('<ProductKey>*SENSITIVE*DATA*DELETED*</ProductKey>'));
  assert.deepEqual(listSensitiveStrings(doc), []);
});

test('markPassProcessed, isPassProcessed and hasSettingsForPass', () => {
  const doc = load('audit-full.xml');
  assert.equal(hasSettingsForPass(doc, 'generalize'), true);
  assert.equal(hasSettingsForPass(doc, 'windowsPE'), false);
  assert.equal(isPassProcessed(doc, 'generalize'), false);
  assert.equal(markPassProcessed(doc, 'generalize'), 1);
  assert.equal(isPassProcessed(doc, 'generalize'), true);
  assert.equal(hasSettingsForPass(doc, 'generalize'), false);
  assert.equal(hasSettingsForPass(doc, 'generalize', { includeProcessed: true }), true);
  const text = serialize(doc);
  assert.ok(text.includes('<settings pass="generalize" wasPassProcessed="true">'));
  const back = parseAnswerFile(text, 'cache.xml');
  assert.equal(isPassProcessed(back, 'generalize'), true);
  assert.equal(isPassProcessed(back, 'specialize'), false);
  const r = checkAnswerFile(back);
  assert.equal(r.passes.find((p) => p.pass === 'generalize')!.processed, true);
  // An empty settings block or one with only empty components has no settings for its pass.
  const empty = parseAnswerFile('<unattend xmlns="urn:schemas-microsoft-com:unattend"><settings pass="specialize"><component name="Microsoft-Windows-Shell-Setup"/></settings></unattend>');
  assert.equal(hasSettingsForPass(empty, 'specialize'), false);
});

test('serialize round-trips: same structure, comments, namespaces, CDATA and escapes kept; UTF-16 becomes UTF-8', () => {
  const src = `<?xml version="1.0" encoding="utf-16"?>
<!-- head -->
<unattend xmlns="urn:schemas-microsoft-com:unattend">
  <settings pass="specialize">
    <component name="Microsoft-Windows-Deployment" xmlns:wcm="http://schemas.microsoft.com/WMIConfig/2002/State">
      <RunSynchronous>
        <RunSynchronousCommand wcm:action="add">
          <Order>1</Order>
          <Path>sh -c 'test 1 &lt; 2 &amp;&amp; echo "&gt; ok"'</Path>
          <Description><![CDATA[a <b> c]]></Description>
        </RunSynchronousCommand>
      </RunSynchronous>
      <DuplicatorDescription/>
    </component>
  </settings>
  <?pi data?>
</unattend>
`;
  const doc = parseAnswerFile(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(src, 'utf16le')]), 'r.xml');
  const out = serialize(doc);
  assert.ok(out.startsWith('<?xml version="1.0" encoding="utf-8"?>\n<!-- head -->\n<unattend'));
  assert.ok(out.includes(`<Path>sh -c 'test 1 &lt; 2 &amp;&amp; echo "&gt; ok"'</Path>`));
  assert.ok(out.includes('<![CDATA[a <b> c]]>'));
  assert.ok(out.includes('<DuplicatorDescription/>'));
  assert.ok(out.includes('<RunSynchronousCommand wcm:action="add">'));
  assert.ok(out.includes('<?pi data?>'));
  const again = parseAnswerFile(Buffer.from(out, 'utf8'), 'r2.xml');
  assert.equal(serialize(again), out);
  assert.deepEqual(getPassSettings(again, 'specialize').deployment.runSynchronous.map((c) => c.path), [`sh -c 'test 1 < 2 && echo "> ok"'`]);
});

test('attribute values with newlines and quotes survive serialisation', () => {
  const doc = parseAnswerFile('<unattend xmlns="urn:schemas-microsoft-com:unattend" x="a&#10;b &quot;c&quot; &lt;"/>');
  const out = serialize(doc);
  assert.ok(out.includes('x="a&#10;b &quot;c&quot; &lt;"'));
  assert.equal(parseAnswerFile(out).root.attributes.find((a) => a.name === 'x')!.value, 'a\nb "c" <');
});
