import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import test from 'node:test';
import {
  AnswerFileError,
  checkAnswerFileBytes,
  componentIdentity,
  MAX_ANSWER_FILE_BYTES,
  parseAnswerFile,
  parseBoolean,
  settingsBlocks,
} from './index.js';
import { fixture } from './testutil.js';

const HEAD = '<?xml version="1.0" encoding="utf-8"?>\n<unattend xmlns="urn:schemas-microsoft-com:unattend">\n';
const wrap = (body: string) => `${HEAD}${body}\n</unattend>\n`;

function failure(input: Uint8Array | string, file = 'u.xml'): AnswerFileError {
  try {
    parseAnswerFile(input, file);
  } catch (e) {
    assert.ok(e instanceof AnswerFileError, `expected AnswerFileError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected the answer file to be refused');
}

test('UTF-8 with and without BOM', () => {
  const text = wrap('<settings pass="specialize"/>');
  const a = parseAnswerFile(Buffer.from(text, 'utf8'), 'a.xml');
  assert.equal(a.encoding, 'utf-8');
  assert.equal(a.bom, false);
  const b = parseAnswerFile(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]), 'b.xml');
  assert.equal(b.bom, true);
  assert.equal(settingsBlocks(b)[0]!.pass, 'specialize');
});

test('UTF-16 LE and BE with BOM (fixtures), non-ASCII kept', () => {
  for (const [name, enc] of [['utf16le-bom.xml', 'utf-16le'], ['utf16be-bom.xml', 'utf-16be']] as const) {
    const doc = parseAnswerFile(readFileSync(fixture(name)), name);
    assert.equal(doc.encoding, enc);
    assert.equal(doc.bom, true);
    const comp = settingsBlocks(doc)[0]!.components[0]!;
    const owner = comp.settings.find((s) => s.local === 'RegisteredOwner')!;
    assert.equal((owner.children[0] as { value: string }).value, 'Zoë Ångström 😀');
    assert.deepEqual(doc.readWarnings, []);
  }
});

test('a UTF-16 BOM wins over a declaration that says utf-8, with a warning on line 1', () => {
  const text = wrap('<settings pass="oobeSystem"/>');
  const doc = parseAnswerFile(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]), 'w.xml');
  assert.equal(doc.encoding, 'utf-16le');
  assert.equal(doc.readWarnings.length, 1);
  assert.equal(doc.readWarnings[0]!.line, 1);
  assert.match(doc.readWarnings[0]!.message, /byte-order mark/);
});

test('UTF-16 without a BOM, invalid UTF-8 and odd UTF-16 are refused with a position', () => {
  const noBom = failure(Buffer.from(wrap(''), 'utf16le'));
  assert.equal(noBom.code, 'bad-encoding');
  assert.match(noBom.message, /without a byte-order mark/);
  const bad = Buffer.from(wrap('<settings pass="specialize">\n  <x>caf\u00e9</x></settings>'), 'latin1');
  const e = failure(bad);
  assert.equal(e.code, 'bad-encoding');
  assert.equal(e.line, 4);
  assert.equal(e.column, 9);
  assert.match(e.message, /^u\.xml:4:9: byte 0xe9 is not valid UTF-8/);
  const odd = failure(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<a', 'utf16le'), Buffer.from([0x3e])]));
  assert.equal(odd.code, 'bad-encoding');
});

test('a declared single-byte encoding is honoured', () => {
  const text = wrap('<settings pass="specialize"><component name="Microsoft-Windows-Shell-Setup"><RegisteredOwner>Andr\u00e9</RegisteredOwner></component></settings>')
    .replace('utf-8', 'windows-1252');
  const doc = parseAnswerFile(Buffer.from(text, 'latin1'), 'l.xml');
  assert.equal(doc.encoding, 'windows-1252');
  const s = settingsBlocks(doc)[0]!.components[0]!.settings[0]!;
  assert.equal((s.children[0] as { value: string }).value, 'André');
});

test('DOCTYPE with entities (billion laughs) is refused before parsing', () => {
  const e = failure(readFileSync(fixture('billion-laughs.xml')), 'billion-laughs.xml');
  assert.equal(e.code, 'doctype');
  assert.equal(e.line, 2);
  assert.equal(e.column, 1);
  assert.match(e.message, /billion laughs/);
});

test('external entity (XXE) is refused', () => {
  const e = failure(readFileSync(fixture('external-entity.xml')), 'external-entity.xml');
  assert.equal(e.code, 'doctype');
  assert.equal(e.line, 2);
  assert.match(e.message, /external/);
  const inline = failure(`<?xml version="1.0"?>\n<!DOCTYPE u [<!ENTITY x SYSTEM "file:///etc/shadow">]>\n<unattend xmlns="urn:schemas-microsoft-com:unattend">&x;</unattend>`);
  assert.equal(inline.code, 'doctype');
  assert.match(inline.message, /entity/);
});

test('a DOCTYPE inside a comment or CDATA is not refused; an undeclared entity is an XML error', () => {
  const ok = parseAnswerFile(wrap('<!-- <!DOCTYPE x> <!ENTITY y "z"> -->'));
  assert.equal(settingsBlocks(ok).length, 0);
  const e = failure(wrap('<settings pass="specialize">&secret;</settings>'));
  assert.equal(e.code, 'xml-syntax');
  assert.equal(e.line, 3);
});

test('files over 10 MiB are refused', () => {
  const big = new Uint8Array(MAX_ANSWER_FILE_BYTES + 1).fill(0x20);
  const e = failure(big);
  assert.equal(e.code, 'too-large');
});

test('XML syntax errors name the file, line and column', () => {
  const e = failure(`${HEAD}  <settings pass="specialize">\n    <component name="x">\n  </settings>\n</unattend>`, 'broken.xml');
  assert.equal(e.code, 'xml-syntax');
  assert.equal(e.file, 'broken.xml');
  assert.equal(e.line, 5);
  assert.equal(e.column, 13);
  assert.match(e.message, /^broken\.xml:5:13: not well-formed XML: unexpected close tag/);
  const dup = failure(wrap('<settings pass="a" pass="b"/>'));
  assert.equal(dup.line, 3);
  assert.match(dup.message, /duplicate attribute/);
  const unbound = failure(wrap('<settings pass="specialize"><component wcm:action="add"/></settings>'));
  assert.match(unbound.message, /unbound namespace prefix/);
});

test('root element must be <unattend> in the unattend namespace', () => {
  const e = failure('<?xml version="1.0"?>\n<unattend>\n</unattend>');
  assert.equal(e.code, 'not-answer-file');
  assert.equal(e.line, 2);
  assert.equal(e.column, 1);
  assert.equal(failure('<foo xmlns="urn:schemas-microsoft-com:unattend"/>').code, 'not-answer-file');
});

test('component identity attributes match ignoring case', () => {
  const doc = parseAnswerFile(wrap('<settings pass="specialize"><component NAME="Microsoft-Windows-Shell-Setup" ProcessorArchitecture="amd64" PUBLICKEYTOKEN="31bf3856ad364e35" language="neutral" VersionScope="nonSxS"/></settings>'));
  const c = settingsBlocks(doc)[0]!.components[0]!;
  assert.deepEqual(componentIdentity(c.element), {
    name: 'Microsoft-Windows-Shell-Setup', processorArchitecture: 'amd64', publicKeyToken: '31bf3856ad364e35', language: 'neutral', versionScope: 'nonSxS',
  });
});

test('booleans in any case; anything else is a bad value', () => {
  for (const t of ['true', 'TRUE', 'True', ' tRuE ']) assert.equal(parseBoolean(t), true);
  for (const f of ['false', 'FALSE', 'False']) assert.equal(parseBoolean(f), false);
  for (const x of ['yes', '1', '']) assert.equal(parseBoolean(x), undefined);
  const r = checkAnswerFileBytes(wrap(`<settings pass="generalize"><component name="Microsoft-Windows-PnpSysprep"><PersistAllDeviceInstalls>TrUe</PersistAllDeviceInstalls><DoNotCleanUpNonPresentDevices>yes</DoNotCleanUpNonPresentDevices></component></settings>`), 'b.xml');
  assert.equal(r.errors, 1);
  assert.equal(r.diagnostics[0]!.code, 'bad-value');
  assert.equal(r.diagnostics[0]!.setting, 'DoNotCleanUpNonPresentDevices');
});

test('positions count characters, not UTF-16 units, and survive CRLF', () => {
  const doc = parseAnswerFile(`${HEAD.replace(/\n/g, '\r\n')}<!--😀😀--><settings\r\n pass="specialize"/></unattend>`);
  const s = settingsBlocks(doc)[0]!.element;
  assert.equal(s.line, 3);
  assert.equal(s.column, 10); // 4 + 2 emoji + 3: characters, not UTF-16 units (which would give 12)
});
