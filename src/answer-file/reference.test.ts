/**
 * windows-reference.json is what scripts/derive-unattend-reference.mjs derives from the pages of Microsoft's
 * reference saved in data/unattend-reference/ (it cannot drift from them), and the code that uses it types no
 * Windows name of its own.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { componentSources, isWindowsComponent, REFERENCE_SOURCES, WINDOWS_COMPONENTS, windowsSettings } from './catalog.js';
import { COMPONENTS, type SettingSpec } from './schema.js';
import { repoRoot } from './testutil.js';

const REPO = repoRoot();
const DATA = join(REPO, 'data/unattend-reference');

test('windows-reference.json is what the saved reference pages give (node scripts/derive-unattend-reference.mjs --check)', () => {
  const r = spawnSync(process.execPath, [join(REPO, 'scripts/derive-unattend-reference.mjs'), '--check'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^\d+ components, \d+ top-level settings, \d+ settings in all\n$/);
});

test('the saved table of contents is the whole file as read, and every source names its page', () => {
  assert.equal(readFileSync(join(DATA, 'TOC.md'), 'utf8').length, 111727);
  for (const [id, s] of Object.entries(REFERENCE_SOURCES)) {
    if (id === 'carried-over') continue;
    assert.match(s.commit ?? '', /^[0-9a-f]{40}$/, id);
    assert.ok(s.repository && s.path, id);
  }
  const readme = readFileSync(join(DATA, 'README.md'), 'utf8');
  for (const s of Object.values(REFERENCE_SOURCES)) if (s.commit) assert.ok(readme.includes(s.commit), s.commit);
  assert.match(readme, /CC-BY-4\.0/);
});

test('components and settings of every release: Windows 10, the settings of 1809, and components Windows 10 dropped', () => {
  assert.ok(WINDOWS_COMPONENTS.length >= 90, String(WINDOWS_COMPONENTS.length));
  for (const c of ['Microsoft-Windows-Shell-Setup', 'Microsoft-Windows-Deployment', 'Networking-MPSSVC-Svc', 'Microsoft-Windows-CodeIntegrity']) {
    assert.ok(isWindowsComponent(c), c);
  }
  assert.ok(isWindowsComponent('microsoft-windows-ehome-reg-inf'), 'Windows 7 / 8.1 Media Center, dropped by Windows 10');
  assert.deepEqual(componentSources('Microsoft-Windows-ehome-reg-inf'), ['removed-8.1-and-10']);
  assert.deepEqual(Object.keys(windowsSettings('Microsoft-Windows-MobilePC-Sensors-API', ['AdaptiveBrightness'])!).sort(), [
    'ALRCurveVersion', 'ALRPoints', 'DefaultSliderPosition', 'DisplayResponseInterval', 'IlluminanceChangeSensitivity', 'IsAutobrightnessEnabledByDefault',
  ]);
  // slips of the TOC mended by rule: a heading that repeats its component, one listed under the wrong parent
  assert.deepEqual(Object.keys(windowsSettings('Microsoft-Windows-Tpm-Tasks')!), ['ClearTpm']);
  assert.deepEqual(Object.keys(windowsSettings('Microsoft-Windows-Shell-Setup', ['StartTiles', 'SquareTiles', 'SquareTile12'])!), ['AppId', 'FirstRunTask']);
  assert.ok(isWindowsComponent('Microsoft-Windows-WDF-Kernel-Library'));
});

test('a name carried over from the old catalog goes once a saved page gives it', () => {
  const pages = readdirSync(DATA).filter((f) => f.endsWith('.md') && f !== 'README.md').map((f) => readFileSync(join(DATA, f), 'utf8').toLowerCase()).join('\n');
  const lines = readFileSync(join(DATA, 'carried-over.tsv'), 'utf8').split('\n').filter((l) => l.trim() && !l.startsWith('#'));
  assert.ok(lines.length > 0);
  for (const l of lines) {
    const path = l.split('\t')[0]!.split('\\');
    const slug = path.map((p) => p.toLowerCase()).join('-');
    assert.ok(!pages.includes(`(${slug}.md)`) && !pages.includes(`${path.join('\\').toLowerCase()}<`), `${path.join('\\')} is on a saved page: remove it from carried-over.tsv`);
  }
});

test('the model spells every setting the reference knows as the reference does', () => {
  const walk = (list: readonly SettingSpec[], ref: Record<string, unknown> | undefined, at: string): string[] =>
    list.flatMap((s) => {
      const ci = Object.keys(ref ?? {}).find((k) => k.toLowerCase() === s.name.toLowerCase());
      const here = ci !== undefined && ci !== s.name ? [`${at}${s.name} (reference: ${ci})`] : [];
      return [...here, ...walk(s.children ?? [], ci ? (ref![ci] as Record<string, unknown>) : undefined, `${at}${s.name}/`)];
    });
  for (const c of COMPONENTS) {
    assert.ok(isWindowsComponent(c.name), c.name);
    assert.deepEqual(walk(c.settings, windowsSettings(c.name), `${c.short}/`), []);
  }
});

test('no Windows name is typed in the code that judges names (catalog.ts, check.ts): only the model (schema.ts) names settings', () => {
  const all = (t: Record<string, unknown>): string[] => Object.entries(t).flatMap(([k, v]) => [k, ...all(v as Record<string, unknown>)]);
  const windows = new Set([...WINDOWS_COMPONENTS, ...WINDOWS_COMPONENTS.flatMap((c) => all(windowsSettings(c)!))].map((n) => n.toLowerCase()));
  const spec = (l: readonly SettingSpec[]): string[] => l.flatMap((s) => [s.name, ...spec(s.children ?? [])]);
  const modelled = new Set(COMPONENTS.flatMap((c) => [c.name, ...spec(c.settings)]).map((n) => n.toLowerCase()));
  for (const f of ['catalog.ts', 'check.ts']) {
    const src = readFileSync(join(REPO, 'src/answer-file', f), 'utf8');
    const literals = [...src.matchAll(/'([A-Za-z][A-Za-z0-9_-]{3,})'/g)].map((m) => m[1]!);
    assert.deepEqual(literals.filter((l) => windows.has(l.toLowerCase()) && !modelled.has(l.toLowerCase())), [], f);
  }
});
