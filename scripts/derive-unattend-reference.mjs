#!/usr/bin/env node
// Derives src/answer-file/windows-reference.json, the names of the Windows answer-file components and of
// their settings (as a tree), from the pages of Microsoft's "Unattended Windows Setup Reference" saved in
// data/unattend-reference/ (README.md there says where each page came from). Nothing here is typed by hand:
// every name comes out of a saved page.
//
//   node scripts/derive-unattend-reference.mjs           rewrite the JSON file
//   node scripts/derive-unattend-reference.mjs --check   exit 1 when the JSON file is not what the pages give
//
// The sources, in order (a later one adds to what the earlier ones give, it never removes):
//   toc          TOC.md, the reference's table of contents: "### [Component](…)", then one heading level deeper
//                per setting level, "#### [Setting](slug.md)", "##### [Child](…)" …
//   list         carried-over.tsv: the Windows 7 / 8 names that sysprep's earlier, hand-typed catalog accepted and
//                that no saved page holds yet (marked "carried-over" in the data, to be replaced by pages)
//   changes      a "Changed answer file settings" page: its tables name settings and components by path
//                (Component\Setting\Child, or Component-Setting-Child as a link whose slug gives the path);
//                "Removed" tables keep the names of components and settings that older Windows releases had.
//
// The TOC has a few slips, mended by rules rather than by names: a component heading with a space or a
// trailing dash ("Microsoft-Windows-WDF-Kernel Library", "microsoft-windows-security-spp-ux-sppcc-"), a
// setting heading that repeats its component's name ("Microsoft-windows-Tpm-Tasks-ClearTpm"), and an entry
// listed under the wrong parent, which its link (the page slug) places right.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DATA = join(ROOT, 'data/unattend-reference');
const OUT = join(ROOT, 'src/answer-file/windows-reference.json');

/** The saved pages; README.md gives each one's repository, path and commit. */
export const SOURCES = [
  {
    id: 'toc-1803', kind: 'toc', file: 'TOC.md', release: 'Windows 10, version 1803',
    repository: 'sfigg/commercialization-public', path: 'customize/desktop/unattend/TOC.md', commit: '85a7ebade7dd90e71108ac16c1b227c42cf428f9',
  },
  {
    id: 'changes-1809', kind: 'changes', file: 'changed-answer-file-settings-for-windows-10-build-1809.md', release: 'Windows 10, version 1809',
    repository: 'sfigg/commercialization-public', path: 'customize/desktop/unattend/changed-answer-file-settings-for-windows-10-build-1809.md',
    commit: '021b86755ef27b1c003e52643e3208d5bebb481e',
  },
  {
    id: 'removed-8.1-and-10', kind: 'changes', file: 'removed-settings.excerpt.md', release: 'removed in Windows 8.1 and Windows 10 (1511)',
    repository: 'sfigg/commercialization-public', path: 'customize/desktop/unattend/changed-answer-file-settings-for-previous-windows10-builds.md',
    commit: '0a48b812874533caef498ddec02190c620d39f81',
  },
  {
    // not a page of the reference: the names the earlier hand-typed catalog accepted that no saved page holds
    id: 'carried-over', kind: 'list', file: 'carried-over.tsv', release: 'Windows 7 / 8 names accepted before; no saved reference page yet',
  },
];

const slugOf = (names) => names.map((n) => n.toLowerCase().replace(/[_ ]/g, '-').replace(/-+$/, '')).join('-');
const cleanComponent = (name) => name.trim().replace(/\s+/g, '-').replace(/-+$/, '');

/** Adds a path (component first) to the tree; returns the node. */
function add(model, path, source) {
  const [comp, ...rest] = path;
  const key = comp.toLowerCase();
  let c = model.get(key);
  if (!c) model.set(key, (c = { name: comp, from: [], settings: new Map() }));
  if (!c.from.includes(source)) c.from.push(source);
  let node = c.settings;
  for (const part of rest) {
    let child = node.get(part);
    if (!child) node.set(part, (child = new Map()));
    node = child;
  }
  return node;
}

function parseToc(text, source, model) {
  const stack = [];
  const bySlug = new Map();
  const misplaced = [];
  let inComponents = false;
  for (const line of text.split('\n')) {
    const m = /^(#+)\s*\[([^\]]*)\]\(([^)]*)\)\s*$/.exec(line);
    if (!m) continue;
    const level = m[1].length;
    let name = m[2].trim();
    const slug = m[3].replace(/\.md$/i, '').toLowerCase();
    if (level <= 2) {
      inComponents = /^components$/i.test(name);
      continue;
    }
    if (!inComponents) continue;
    if (level === 3) name = cleanComponent(name);
    else {
      const comp = stack[0];
      if (name.toLowerCase().startsWith(`${comp.toLowerCase()}-`)) name = name.slice(comp.length + 1);
    }
    stack.length = level - 3;
    let path = [...stack, name];
    stack.push(name);
    if (slugOf(path) !== slug && level > 4) {
      // an entry listed under the wrong parent: its link names the right one (placed once all are read)
      misplaced.push({ parentSlug: slug.slice(0, slug.length - slugOf([name]).length - 1), name, path });
      continue;
    }
    bySlug.set(slugOf(path), path);
    add(model, path, source);
  }
  for (const m of misplaced) add(model, bySlug.has(m.parentSlug) ? [...bySlug.get(m.parentSlug), m.name] : m.path, source);
}

const linkText = (s) => s.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');

function parseChanges(text, source, model) {
  const rows = [];
  for (const tr of text.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)) {
    const cells = [...tr[1].matchAll(/<td>([\s\S]*?)<\/td>/g)].map((c) => c[1].replace(/<[^>]+>/g, ' ').trim());
    if (cells.length) rows.push(cells);
  }
  for (const line of text.split('\n')) {
    if (!/^\|/.test(line) || /^\|\s*:?-/.test(line)) continue;
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    if (cells.length && !/^setting name$/i.test(cells[0])) rows.push(cells);
  }
  for (const [first, ...others] of rows) {
    const cell = first.replace(/\s+/g, ' ');
    const whole = / component and settings$/i.exec(cell);
    if (whole) {
      add(model, [cleanComponent(cell.slice(0, whole.index))], source);
      continue;
    }
    const listed = /^([A-Za-z0-9-]+):\s*(.*?)\.?$/.exec(linkText(cell));
    if (listed) {
      for (const s of listed[2].split(/,\s*(?:and\s+)?|\s+and\s+/)) if (s.trim()) add(model, [cleanComponent(listed[1]), s.trim()], source);
      continue;
    }
    const path = linkText(cell).split('\\').map((p) => p.trim()).filter(Boolean);
    if (path.length < 2) continue;
    path[0] = cleanComponent(path[0]);
    const node = add(model, path, source);
    // the description's links to pages one level below this setting name its children
    const slug = slugOf(path);
    for (const other of others) {
      for (const l of other.matchAll(/\[([^\]]+)\]\(([^)]+)\.md\)/g)) {
        if (l[2].toLowerCase() === `${slug}-${slugOf([l[1]])}` && !node.has(l[1])) node.set(l[1], new Map());
      }
    }
  }
}

function toJson(node) {
  const out = {};
  for (const k of [...node.keys()].sort((a, b) => a.localeCompare(b, 'en'))) {
    const v = node.get(k);
    out[k] = v.size ? toJson(v) : 0;
  }
  return out;
}

/** The data file's content, from the saved pages. */
export function derive() {
  const model = new Map();
  for (const s of SOURCES) {
    const text = readFileSync(join(DATA, s.file), 'utf8');
    if (s.kind === 'toc') parseToc(text, s.id, model);
    else if (s.kind === 'changes') parseChanges(text, s.id, model);
    else {
      for (const line of text.split('\n')) {
        if (!line.trim() || line.startsWith('#')) continue;
        add(model, line.split('\t')[0].split('\\'), s.id);
      }
    }
  }
  const components = {};
  for (const c of [...model.values()].sort((a, b) => a.name.localeCompare(b.name, 'en'))) {
    components[c.name] = { from: c.from, settings: toJson(c.settings) };
  }
  const data = {
    about: 'Generated by scripts/derive-unattend-reference.mjs from data/unattend-reference/ (Microsoft\'s Unattended Windows Setup Reference, CC-BY-4.0); do not edit',
    sources: Object.fromEntries(SOURCES.map(({ id, file, kind, ...rest }) => [id, { ...rest, file: `data/unattend-reference/${file}` }])),
    components,
  };
  return `${JSON.stringify(data, null, 1)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = derive();
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(OUT, 'utf8');
    } catch {
      /* missing */
    }
    if (current !== text) {
      console.error('src/answer-file/windows-reference.json is not what data/unattend-reference/ gives: run node scripts/derive-unattend-reference.mjs');
      process.exit(1);
    }
  } else writeFileSync(OUT, text);
  const data = JSON.parse(text);
  const count = (t) => Object.values(t).reduce((n, v) => n + 1 + (v ? count(v) : 0), 0);
  const comps = Object.values(data.components);
  console.log(`${comps.length} components, ${comps.reduce((n, c) => n + Object.keys(c.settings).length, 0)} top-level settings, ${comps.reduce((n, c) => n + count(c.settings), 0)} settings in all`);
}
