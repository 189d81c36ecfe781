/**
 * The secret rules (src/verify/secrets.ts) over every regular file of real roots, read-only: a pristine
 * debootstrap bookworm root has no secret, and the used root's planted secrets are found. Also prints
 * how many files pass the prefilter and how long the rules take on them (the figures in the closing
 * note of issue 11). The cached roots are never written: files are opened read-only, links are not
 * followed, nothing but regular files is opened.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { loadSecretRules, secretPathRule, type SecretRules } from '../../src/verify/secrets.js';
import type { SecretHit } from '../../src/verify/types.js';
import { debootstrapRoot } from '../fixtures/roots.js';
import { usedRoot } from '../fixtures/used-root.js';

export interface RootScan {
  files: number;
  bytes: number;
  passed: number;
  byPath: number;
  prefilterMs: number;
  rulesMs: number;
  hits: Array<SecretHit & { path: string }>;
  /** the files the rules took longest on */
  slowest: Array<{ path: string; ms: number; bytes: number }>;
}

/** Every regular file under `root` (no link followed, no other mount entered). */
function* regularFiles(root: string): Generator<string> {
  const dev = fs.lstatSync(root).dev;
  const stack = [''];
  while (stack.length) {
    const rel = stack.pop()!;
    let names: string[];
    try {
      names = fs.readdirSync(path.join(root, rel));
    } catch {
      continue;
    }
    for (const n of names) {
      const r = `${rel}/${n}`;
      const st = fs.lstatSync(path.join(root, r));
      if (st.isDirectory() && st.dev === dev) stack.push(r);
      else if (st.isFile()) yield r;
    }
  }
}

export async function scanRoot(root: string, rules: SecretRules, keepAccounts: string[] = []): Promise<RootScan> {
  const out: RootScan = { files: 0, bytes: 0, passed: 0, byPath: 0, prefilterMs: 0, rulesMs: 0, hits: [], slowest: [] };
  for (const rel of regularFiles(root)) {
    const fd = fs.openSync(path.join(root, rel), fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    let text: string;
    try {
      text = fs.readFileSync(fd).toString('latin1');
    } finally {
      fs.closeSync(fd);
    }
    out.files++;
    out.bytes += text.length;
    let t = performance.now();
    const byPath = secretPathRule(rel);
    const pass = byPath || rules.keywords.test(text);
    out.prefilterMs += performance.now() - t;
    if (!pass) continue;
    out.passed++;
    if (byPath) out.byPath++;
    t = performance.now();
    const hits = await rules.scan(rel, text, { keepAccounts });
    const ms = performance.now() - t;
    out.rulesMs += ms;
    out.slowest.push({ path: rel, ms, bytes: text.length });
    out.slowest.sort((a, b) => b.ms - a.ms).splice(5);
    for (const h of hits) out.hits.push({ ...h, path: rel });
  }
  return out;
}

function report(label: string, s: RootScan): void {
  console.log(`# ${label}: ${s.files} files, ${(s.bytes / 2 ** 20).toFixed(0)} MiB; prefilter ${s.prefilterMs.toFixed(0)} ms; ` +
    `${s.passed} files passed (${s.byPath} by path), rules ${s.rulesMs.toFixed(0)} ms; ${s.hits.length} hits`);
  for (const f of s.slowest) console.log(`#   slowest: ${f.path} ${f.ms.toFixed(0)} ms, ${(f.bytes / 2 ** 20).toFixed(1)} MiB`);
  for (const h of s.hits) console.log(`#   ${h.path}:${h.line ?? ''} ${h.rule} ${h.severity} ${h.message}`);
}

/** The files dpkg installed, with their md5 (/var/lib/dpkg/info/*.md5sums). */
function dpkgMd5sums(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const dir = path.join(root, 'var/lib/dpkg/info');
  for (const f of fs.readdirSync(dir)) {
    if (!f.endsWith('.md5sums')) continue;
    for (const l of fs.readFileSync(path.join(dir, f), 'utf8').split('\n')) {
      const m = /^([0-9a-f]{32})  (.+)$/.exec(l);
      if (m) out.set('/' + m[2], m[1]!);
    }
  }
  return out;
}

/** Splits hits into the ssh host keys, files shipped unchanged by a package, and the rest. */
function classify(root: string, hits: RootScan['hits']) {
  const sums = dpkgMd5sums(root);
  const hostKeys = hits.filter((h) => /^\/etc\/ssh\/ssh_host_[a-z0-9]+_key$/.test(h.path));
  const shipped = hits.filter((h) => !hostKeys.includes(h) &&
    sums.get(h.path) === createHash('md5').update(fs.readFileSync(path.join(root, h.path))).digest('hex'));
  const rest = hits.filter((h) => !hostKeys.includes(h) && !shipped.includes(h));
  return { hostKeys, shipped, rest };
}

let rules: SecretRules;

test('a pristine debootstrap bookworm root: no secret found but the host keys and package-shipped keys', async () => {
  rules = await loadSecretRules();
  const root = debootstrapRoot('bookworm');
  const s = await scanRoot(root, rules);
  report('pristine bookworm', s);
  const c = classify(root, s.hits);
  for (const h of c.shipped) console.log(`# shipped unchanged by a package: ${h.path}:${h.line} ${h.rule}`);
  // the ssh host keys that openssh-server's postinst generates are the golden machine's identity (the
  // fingerprint part of verify reports them, and ssh-hostkeys removes them)
  assert.deepEqual(c.hostKeys.map((h) => h.path).sort(), ['/etc/ssh/ssh_host_ecdsa_key', '/etc/ssh/ssh_host_ed25519_key', '/etc/ssh/ssh_host_rsa_key']);
  assert.deepEqual(c.rest, []);
});

test('the used root (before generalize): the planted password hashes are found, keepAccounts spares them', async () => {
  const root = usedRoot('bookworm');
  const s = await scanRoot(root, rules);
  report('used bookworm', s);
  const c = classify(root, s.hits);
  const found = c.rest.map((h) => `${h.path} ${h.rule} ${h.severity}`).sort();
  // alice's and bob's hashes in shadow and its backup shadow-, root's in the old /var/backups copy
  assert.deepEqual(found, [
    '/etc/shadow linux/shadow-password high',
    '/etc/shadow linux/shadow-password high',
    '/etc/shadow- linux/shadow-password high',
    '/etc/shadow- linux/shadow-password high',
    '/var/backups/shadow.bak linux/shadow-password high',
  ]);
  assert.ok(c.rest.some((h) => h.path === '/etc/shadow' && /"alice"/.test(h.message)));
  assert.ok(c.rest.some((h) => h.path === '/etc/shadow' && /"bob"/.test(h.message)));
  const kept = await scanRoot(root, rules, ['*']);
  assert.deepEqual(classify(root, kept.hits).rest, []);
});
