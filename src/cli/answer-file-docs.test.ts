import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { REPO } from '../../test/harness/sysprep.js';
import { COMPONENTS, type ComponentSpec, type SettingSpec } from '../answer-file/schema.js';
import { answerFileMarkdown, EXAMPLES, rowsOf, STATUS } from './answer-file-docs.js';

const doc = answerFileMarkdown();

test('docs/answer-file.md is generated from the answer-file model and up to date', () => {
  const onDisk = fs.readFileSync(path.join(REPO, 'docs/answer-file.md'), 'utf8');
  assert.equal(onDisk, doc, 'regenerate: node dist/src/cli/answer-file-docs.js > docs/answer-file.md');
});

/** The table rows of a component's section: first cell (the setting path), passes cell, whole line. */
function sectionRows(c: ComponentSpec): { path: string; passes: string; line: string }[] {
  const start = doc.indexOf(`\n## ${c.name}\n`);
  assert.ok(start >= 0, `a section for ${c.name}`);
  const end = doc.indexOf('\n## ', start + 1);
  const section = doc.slice(start, end < 0 ? undefined : end);
  return section.split('\n').filter((l) => l.startsWith('| `')).map((line) => {
    const cells = line.split(/(?<!\\)\|/).map((x) => x.trim());
    return { path: cells[1]!.replace(/^`|`$/g, ''), passes: cells[3]!, line };
  });
}

test('every modelled component and setting of schema.ts is in the doc, with its passes', () => {
  let settings = 0;
  for (const c of COMPONENTS) {
    const rows = sectionRows(c);
    const visit = (spec: SettingSpec, parents: string[], passes: readonly string[]) => {
      settings++;
      const p = [...parents, spec.name].join('/');
      const own = rows.filter((r) => r.path === p || r.path.startsWith(`${p}/`));
      const inAncestor = rows.find((r) => p.startsWith(`${r.path}/`) && r.line.includes(`\`${spec.name}\``));
      assert.ok(own.length > 0 || inAncestor, `${c.short}/${p} appears in the doc`);
      for (const r of own.length ? own : [inAncestor!]) {
        for (const pass of passes) assert.ok(r.passes.includes(pass), `${c.short}/${r.path}: pass ${pass} in ${r.passes}`);
      }
      for (const k of spec.children ?? []) visit(k, [...parents, spec.name], passes);
    };
    for (const s of c.settings) visit(s, [], s.passes ?? []);
  }
  assert.ok(settings > 100, `walked ${settings} settings`);
});

test('STATUS and EXAMPLES name modelled settings', () => {
  const keys = new Set(COMPONENTS.flatMap((c) => rowsOf(c).map((r) => `${c.short}/${r.path}`)));
  for (const k of [...Object.keys(STATUS), ...Object.keys(EXAMPLES)]) assert.ok(keys.has(k), `${k} is a row of the doc`);
});

test('settings documented as not applied yet are still read by nothing outside src/answer-file', () => {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (p !== path.join(REPO, 'src/answer-file')) walk(p);
      } else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.startsWith('answer-file-docs')) files.push(p);
    }
  };
  walk(path.join(REPO, 'src'));
  assert.ok(files.some((f) => f.endsWith(path.join('firstboot', 'plan', 'specialize.ts'))) && files.some((f) => f.endsWith(path.join('seal', 'run.ts'))));
  for (const [k, st] of Object.entries(STATUS)) {
    if (!st.unread) continue;
    assert.equal(st.notApplied, 'all', `${k}: an unread setting is not applied in any pass`);
    const re = new RegExp(`\\b${st.unread}\\b`);
    for (const f of files) {
      assert.ok(!re.test(fs.readFileSync(f, 'utf8')),
        `${path.relative(REPO, f)} now reads ${st.unread}: update STATUS['${k}'] in src/cli/answer-file-docs.ts and regenerate docs/answer-file.md`);
    }
  }
});

test('the doc says what is not applied yet and what is ignored', () => {
  const line = (p: string) => doc.split('\n').find((l) => l.startsWith(`| \`${p}\` |`)) ?? '';
  for (const p of ['RunSynchronous/RunSynchronousCommand', 'PersistAllDeviceInstalls', 'ComputerName', 'TimeZone', 'CopyProfile',
    'RunAsynchronous/RunAsynchronousCommand', 'AuditComputerName', 'ExtendOSPartition', 'DeviceForm', 'UILanguageFallback', 'AutoLogon']) {
    assert.doesNotMatch(line(p), /not applied yet/, p);
  }
  assert.match(line('UserAccounts/DomainAccounts'), /Ignored on Linux/);
  assert.match(line('ProductKey'), /Ignored on Linux/);
  assert.match(doc, /\/var\/lib\/sysprep\/unattend\.xml` \(mode 0600/);
  assert.match(doc, /\*SENSITIVE\*DATA\*DELETED\*/);
  assert.match(doc, /wasPassProcessed="true"/);
  assert.match(doc, /sysprep unattend check FILE/);
});
