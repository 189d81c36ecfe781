import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { REPO } from '../../test/harness/sysprep.js';
import { COMPONENTS } from '../answer-file/schema.js';
import { BUILT_IN_PROVIDERS } from '../providers/index.js';
import { OPTIONS } from './args.js';
import { bashCompletion } from './completion.js';
import { EXIT_CODES, HELP_OPTIONS, helpText } from './help.js';
import { manPage } from './man-page.js';

const page = manPage();

/** The page as man(1) shows it: plain text, one long line per paragraph. */
function rendered(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sysprep-man-'));
  try {
    fs.writeFileSync(path.join(dir, 'sysprep.8'), page);
    const r = spawnSync('man', ['-l', path.join(dir, 'sysprep.8')], { encoding: 'utf8', env: { ...process.env, MANWIDTH: '400', MAN_KEEP_FORMATTING: '', PAGER: 'cat' } });
    assert.equal(r.status, 0, `man -l: ${r.stderr}`);
    return r.stdout.replace(/\u2010\n\s*/g, '').replace(/\s+/g, ' ');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('docs/sysprep.8 is generated from the sources of --help and up to date', () => {
  const onDisk = fs.readFileSync(path.join(REPO, 'docs/sysprep.8'), 'utf8');
  assert.equal(onDisk, page, 'regenerate: node dist/src/cli/man-page.js > docs/sysprep.8');
});

test('groff and man read the page without a warning', () => {
  const groff = spawnSync('groff', ['-man', '-Tutf8', '-ww', '-z'], { input: page, encoding: 'utf8' });
  assert.equal(groff.error, undefined, 'groff is missing: apt-get install groff-base man-db (scripts/test-deps.sh does)');
  assert.equal(groff.status, 0);
  assert.equal(groff.stderr, '', 'groff -ww warnings');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sysprep-man-'));
  try {
    fs.writeFileSync(path.join(dir, 'sysprep.8'), page);
    // what lintian runs on every manual page
    const man = spawnSync('man', ['--warnings', '-E', 'UTF-8', '-l', '-Tutf8', '-Z', path.join(dir, 'sysprep.8')], {
      encoding: 'utf8', env: { ...process.env, LC_ALL: 'C.UTF-8', MANWIDTH: '80' },
    });
    assert.equal(man.status, 0);
    assert.equal(man.stderr, '', 'man --warnings');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the page says what --help says: every option, every exit code, every provider, every modelled setting', () => {
  const text = rendered();
  const help = helpText();
  for (const o of HELP_OPTIONS) {
    assert.ok(help.includes(`  ${o.term}`), `--help names ${o.term}`);
    assert.ok(text.includes(` ${o.term} `), `the man page names ${o.term}`);
    const first = o.lines[0]!.split(' ').slice(0, 4).join(' ');
    assert.ok(text.includes(first), `the man page describes ${o.term} as --help does ("${first}")`);
  }
  for (const [code, what] of EXIT_CODES) assert.ok(text.includes(`${code} ${what}`), `exit code ${code}`);
  for (const p of BUILT_IN_PROVIDERS) {
    assert.ok(help.includes(` ${p.id} `), `--help lists ${p.id}`);
    assert.ok(text.includes(`${p.id} (${p.defaultEnabled ? 'default' : 'opt-in'}`), `the man page lists ${p.id}`);
    assert.ok(text.includes(p.summary), `the man page says what ${p.id} does`);
  }
  for (const c of COMPONENTS) assert.ok(text.includes(c.name), `the man page names ${c.name}`);
  // every option the parser knows is either in --help or an internal one (the agent's, verify's)
  for (const o of OPTIONS) assert.ok(help.includes(`--${o.name}`) || help.includes(`/${o.name}`) || ['pass'].includes(o.name), `--help names --${o.name}`);
});

test('the bash completion offers every option of the parser and is clean for shellcheck', () => {
  const script = bashCompletion();
  for (const o of OPTIONS) assert.ok(script.includes(`--${o.name} `) || script.includes(`--${o.name}'`), `--${o.name}`);
  const r = spawnSync('shellcheck', ['-s', 'bash', '-'], { input: script, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  // bash loads it, and completing "sysprep --gen" gives --generalize
  const probe = spawnSync('bash', ['-c', `${script}\nCOMP_WORDS=(sysprep --gen); COMP_CWORD=1; _sysprep; printf '%s\\n' "\${COMPREPLY[@]}"`], { encoding: 'utf8' });
  assert.equal(probe.status, 0, probe.stderr);
  assert.equal(probe.stdout, '--generalize\n');
});
