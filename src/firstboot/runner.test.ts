/**
 * The shell the first boot runs, checked as shell: the runner (bash) and the generator and login
 * hook and the launcher (POSIX sh, as systemd, /etc/profile and the units run them), by shellcheck and by the shells themselves.
 * The chroot and QEMU tests run them for real; this catches what a path they do not take would hit.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../answer-file/testutil.js';
import { GENERATOR_SCRIPT, LAUNCHER, PROFILE_SCRIPT } from './units.js';

const RUNNER = path.join(repoRoot(), 'src/firstboot/runner.bash');

test('the runner passes shellcheck and bash -n', () => {
  const sc = spawnSync('shellcheck', ['--shell=bash', '--severity=style', RUNNER], { encoding: 'utf8' });
  assert.ok(!sc.error, `shellcheck is needed (apt-get install shellcheck): ${sc.error?.message}`);
  assert.equal(sc.status, 0, sc.stdout);
  const n = spawnSync('bash', ['-n', RUNNER], { encoding: 'utf8' });
  assert.equal(n.status, 0, n.stderr);
});

test('the generator, the login hook and the launcher are POSIX sh (shellcheck --shell=sh, dash -n)', () => {
  for (const [name, text] of [['sysprep-generator', GENERATOR_SCRIPT], ['profile.d/sysprep.sh', `#!/bin/sh\n${PROFILE_SCRIPT}`], ['sysprep (the launcher)', LAUNCHER]] as const) {
    const sc = spawnSync('shellcheck', ['--shell=sh', '-'], { input: text, encoding: 'utf8' });
    assert.equal(sc.status, 0, `${name}: ${sc.stdout}`);
    const n = spawnSync('dash', ['-n'], { input: text, encoding: 'utf8' });
    assert.equal(n.status, 0, `${name}: ${n.stderr}`);
  }
});

test('the runner refuses what it does not know, with its usage (exit 2)', () => {
  const r = spawnSync('bash', [RUNNER, 'frobnicate'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /usage: firstboot specialize\|oobe\|audit/);
  const d = spawnSync('bash', [RUNNER, 'do', 'x', 'rm', '-rf', '/nonexistent'], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', PHASE: 'test' } });
  assert.equal(d.status, 2, 'only op_* functions can be run as a step');
  assert.match(d.stderr, /no such operation: rm/);
  // a helper of the runner is not an operation, nor is an op called with the wrong number of arguments
  for (const argv of [['do', 'x', 'write_file', '/etc/passwd', 'x'], ['do', 'x', 'op_hostname', 'only-one'], ['do', 'x', 'op_set_state', 'a', 'b']]) {
    const r2 = spawnSync('bash', [RUNNER, ...argv], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', PHASE: 'test' } });
    assert.equal(r2.status, 2, argv.join(' '));
    assert.match(r2.stderr, /no such operation/);
  }
});

/** The runner's write_file as written, with what it calls and the state it keeps (cut out with sed). */
const writeFileFunctions = () =>
  spawnSync('sed', ['-n', '/^read_file()/,/^}/p;/^write_file()/,/^}/p;/^keeps_attributes()/,/^}/p;/^drop_stale()/,/^}/p;/^DEFER=/p;/^declare -A PENDING=/p', RUNNER], { encoding: 'utf8' }).stdout;

test('write_file on a full disk fails and leaves no temporary file behind', () => {
  const dir = spawnSync('mktemp', ['-d'], { encoding: 'utf8' }).stdout.trim();
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'tmpfs', dir], { encoding: 'utf8' });
  assert.equal(mounted.status, 0, `a small tmpfs (a full disk) is needed: ${mounted.stderr}`);
  try {
    // the runner's own write_file (and read_file, which it uses), cut out of the runner as written
    const fns = writeFileFunctions();
    assert.match(fns, /^write_file\(\)/m);
    const big = 'x'.repeat(100 * 1024); // (one argument stays under the kernel's 128 KiB)
    const r = spawnSync('bash', ['-c', `${fns}\nwrite_file "$1" "$2" && echo wrote`, 'bash', `${dir}/state.ini`, big], { encoding: 'utf8' });
    assert.notEqual(r.stdout.trim(), 'wrote', 'the write failed (the disk is full)');
    assert.deepEqual(spawnSync('ls', ['-A', dir], { encoding: 'utf8' }).stdout.trim(), '', 'no temporary file left');
    const small = spawnSync('bash', ['-c', `${fns}\nwrite_file "$1" "$2" 0600 && echo wrote`, 'bash', `${dir}/state.ini`, 'ok\n'], { encoding: 'utf8' });
    assert.equal(small.stdout.trim(), 'wrote', small.stderr);
    assert.equal(spawnSync('ls', ['-A', dir], { encoding: 'utf8' }).stdout.trim(), 'state.ini');
  } finally {
    spawnSync('umount', [dir]);
    spawnSync('rmdir', [dir]);
  }
});

test('what the runner starts before it has read the whole script needs nothing defined below that point', () => {
  const text = fs.readFileSync(RUNNER, 'utf8');
  const lines = text.split('\n');
  const early = lines.findIndex((l) => /^ {2}case \$\{1:-\} in [a-z| -]+\) main "\$@"; exit ;; esac$/.test(l));
  assert.ok(early > 0, 'the runner starts some commands early');
  const commands = /in ([a-z| -]+)\)/.exec(lines[early])![1].split('|').map((c) => c.trim());
  // every function: where it is defined, and the names in its body
  const defined = new Map<string, { line: number; body: string }>();
  for (let i = 0; i < lines.length; i++) {
    const m = /^([a-z_]+)\(\) \{(.*)$/.exec(lines[i]);
    if (!m) continue;
    let end = i;
    if (!/\}\s*(#.*)?$/.test(m[2]) || m[2].trim().startsWith('#')) while (end < lines.length && lines[end] !== '}') end++;
    defined.set(m[1], { line: i, body: lines.slice(i, end + 1).join('\n') });
  }
  const main = defined.get('main')!.body;
  const entries = commands.map((c) => {
    const arm = new RegExp(`^ {2}${c}\\) ([a-z_]+)`, 'm').exec(main);
    assert.ok(arm, `main starts ${c}`);
    return arm[1];
  });
  assert.ok(entries.includes('phase_host_keys'), 'the host keys start early');
  // the traps run too, and the functions they all call
  const seen = new Set<string>();
  const todo = [...entries, 'on_exit', 'on_signal', 'main'];
  while (todo.length) {
    const name = todo.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const fn = defined.get(name);
    assert.ok(fn, name);
    if (name === 'main') continue; // its other arms run only after the whole script is read
    for (const word of fn.body.match(/[a-z_]+/g) ?? []) if (defined.has(word) && word !== name) todo.push(word);
  }
  const below = [...seen].filter((n) => defined.get(n)!.line > early);
  assert.deepEqual(below, [], `called by ${commands.join(', ')} but defined after line ${early + 1}`);
  assert.ok(seen.size > 15, `the call graph was followed (${seen.size} functions)`);
});

test('a repeatable op renames the files written so far into place before it starts a program that may read them', () => {
  const text = fs.readFileSync(RUNNER, 'utf8');
  // programs that read configuration a step may have written (write_file's own cp and ln do not)
  const readers = /(^|[\s($])(useradd|usermod|chpasswd|systemctl|systemd-run|locale-gen|"\$\{argv\[@\]\}")\b/m;
  const ops = [...text.matchAll(/^(op_[a-z_]+)\(\) \{[^\n]*\n([\s\S]*?)^\}/gm)];
  assert.ok(ops.length > 20, 'the ops were found');
  let checked = 0;
  const repeatable = new Set([...text.matchAll(/^ {2}\[(op_[a-z_]+)\]='-?\d+ -?\d+ \d+ 1'$/gm)].map((m) => m[1]));
  assert.ok(repeatable.has('op_account') && !repeatable.has('op_run_sync'), 'OP_ARITY says which ops are repeatable');
  for (const [, name, rawBody] of ops) {
    const body = rawBody.replace(/type -P \S+/g, ''); // a look-up is not a start
    const at = body.search(readers);
    if (at < 0 || !repeatable.has(name)) continue; // a step that is not repeatable is flushed before it starts
    checked++;
    const flush = body.indexOf('flush_pending');
    assert.ok(flush >= 0 && flush < at, `${name} starts a program before flush_pending`);
  }
  assert.ok(checked >= 4, `the ops that start such programs were checked (${checked})`);
});

test("write_file keeps a file's owner, group and mode where they differ from a new file's, and starts no cp where they do not", () => {
  const dir = fs.mkdtempSync('/tmp/sysprep-write-file-');
  try {
    const fns = writeFileFunctions();
    assert.match(fns, /^keeps_attributes\(\)/m);
    fs.writeFileSync(path.join(dir, 'plain'), 'old\n', { mode: 0o644 });
    fs.writeFileSync(path.join(dir, 'guarded'), 'old\n');
    fs.chmodSync(path.join(dir, 'guarded'), 0o640);
    fs.chownSync(path.join(dir, 'guarded'), 0, 4); // group adm
    fs.writeFileSync(path.join(dir, 'tool'), 'old\n', { mode: 0o755 });
    // cp as the runner finds it on the PATH, counted
    fs.mkdirSync(path.join(dir, 'bin'));
    fs.writeFileSync(path.join(dir, 'bin/cp'), `#!/bin/sh\necho "$*" >> ${dir}/cp-calls\nexec /bin/cp "$@"\n`, { mode: 0o755 });
    const r = spawnSync('bash', ['-c', `${fns}\nfor f in plain guarded tool; do write_file "$1/$f" "new"$'\\n' || exit 1; done`, 'bash', dir],
      { encoding: 'utf8', env: { PATH: `${dir}/bin:/usr/bin:/bin` } });
    assert.equal(r.status, 0, r.stderr);
    for (const f of ['plain', 'guarded', 'tool']) assert.equal(fs.readFileSync(path.join(dir, f), 'utf8'), 'new\n', f);
    const st = (f: string) => fs.statSync(path.join(dir, f));
    assert.equal(st('plain').mode & 0o7777, 0o644);
    assert.equal(st('guarded').mode & 0o7777, 0o640, 'the mode of a file of another group is kept');
    assert.equal(st('guarded').gid, 4, 'and its group');
    assert.equal(st('tool').mode & 0o7777, 0o755, 'an executable stays executable');
    const calls = fs.readFileSync(path.join(dir, 'cp-calls'), 'utf8').trim().split('\n');
    assert.deepEqual(calls.map((c) => c.split(' ').at(-2)), [`${dir}/guarded`, `${dir}/tool`], 'cp only for the files whose attributes differ');
    assert.deepEqual(fs.readdirSync(dir).filter((n) => n.startsWith('.sysprep-')), [], 'no temporary file left');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
