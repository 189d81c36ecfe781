/**
 * The plan→runner contract (contract.ts) against the runner itself (runner.bash): the operation table
 * and the runner's `op_*() { # ARGS` lines name the same operations with the same arguments; the
 * generated constants block is current and the installed runner is the same file; the runner
 * hard-codes no path the model defines; a wrong op name or argument count does not compile; records
 * come back from the runner's reader byte for byte.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../answer-file/testutil.js';
import { IMAGE_STATES } from '../model/image-state.js';
import { CONSOLE_GETTYS, MARKERS, PATHS, PROVIDER_ENV } from '../model/paths.js';
import { arityFits, CONSTANTS_BEGIN, CONSTANTS_END, decodeRecords, encodeRecords, FORMATS, OPS, parseSignature, renderRunnerConstants, sameSpec, signatureOf, withRunnerConstants, type OpArgs, type OpName } from './contract.js';
import { StepBuilder } from './plan/builder.js';

const RUNNER = path.join(repoRoot(), 'src/firstboot/runner.bash');
const runner = () => fs.readFileSync(RUNNER, 'utf8');

/** The runner's operations: each `op_NAME() {` line, its signature comment and its body. */
function runnerOps(text: string): Map<string, { comment: string; body: string; line: number }> {
  const out = new Map<string, { comment: string; body: string; line: number }>();
  const lines = text.split('\n');
  lines.forEach((l, i) => {
    const m = /^(op_[a-z0-9_]+)\(\) \{(?: # (.*)| (.*\}))?$/.exec(l);
    if (!m) {
      assert.doesNotMatch(l, /^op_[a-z0-9_]+\(\)/, `line ${i + 1}: an op_* function must be written "op_name() { # ARGS"`);
      return;
    }
    let body = m[3] ?? '';
    if (!m[3]) for (let j = i + 1; j < lines.length && lines[j] !== '}'; j++) body += `${lines[j]}\n`;
    out.set(m[1]!, { comment: m[2] ?? '', body, line: i + 1 });
  });
  return out;
}

describe('the plan→runner contract', () => {
  it('the runner and the operation table name the same operations with the same arguments', () => {
    const ops = runnerOps(runner());
    const table = Object.keys(OPS).sort();
    assert.deepEqual([...ops.keys()].sort(), table, 'an op missing on one side (runner.bash vs contract.ts)');
    for (const [name, { comment, body, line }] of ops) {
      const spec = parseSignature(comment);
      assert.ok(spec, `runner.bash:${line}: ${name}'s comment "${comment}" is not a signature`);
      const want = OPS[name as OpName];
      assert.ok(sameSpec(spec, want), `runner.bash:${line}: ${name} takes "${comment.split(/[:(]/)[0]!.trim()}", the table says "${signatureOf(name as OpName)}"`);
      // and the body uses no positional argument beyond them (unless it takes a variable number)
      if (!('rest' in want)) {
        const max = want.args.length + ('optional' in want ? want.optional.length : 0);
        const used = [...body.matchAll(/\$\{?([1-9])\b/g)].map((m) => Number(m[1]));
        assert.ok(used.every((n) => n <= max), `runner.bash:${line}: ${name} uses $${Math.max(...used)} but takes ${max} arguments`);
        if (max === 0) assert.doesNotMatch(body, /"\$@"|\$#/, `${name} takes no arguments`);
      }
    }
  });

  it('the signature parser reads each form, and refuses what is not one', () => {
    assert.deepEqual(parseSignature('LOCALE WHY [LANGUAGE] [COMPILED]: a note'), { args: ['locale', 'why'], optional: ['language', 'compiled'] });
    assert.deepEqual(parseSignature('[USER PASSWORD]...'), { args: [], rest: ['user', 'password'] });
    assert.deepEqual(parseSignature('ID COMMAND [ARGS...]'), { args: ['id', 'command'], rest: ['args'] });
    assert.deepEqual(parseSignature('PAGE...'), { args: [], rest: ['page'], restMin: 1 });
    assert.deepEqual(parseSignature('NAME FULL-NAME GROUPS(comma-separated)'), { args: ['name', 'full-name', 'groups'] });
    assert.deepEqual(parseSignature(''), { args: [] });
    assert.equal(parseSignature('reboot|poweroff WHY'), undefined);
    assert.equal(parseSignature('[A] B'), undefined, 'a required argument after an optional one');
    for (const op of Object.keys(OPS) as OpName[]) assert.ok(sameSpec(parseSignature(signatureOf(op))!, OPS[op]), op);
  });

  it('argument counts: fixed, optional, repeated groups', () => {
    assert.ok(arityFits('op_hostname', 2) && !arityFits('op_hostname', 1) && !arityFits('op_hostname', 3));
    assert.ok(arityFits('op_locale', 2) && arityFits('op_locale', 4) && !arityFits('op_locale', 5));
    assert.ok(arityFits('op_passwords', 0) && arityFits('op_passwords', 4) && !arityFits('op_passwords', 3));
    assert.ok(!arityFits('op_agent', 0) && arityFits('op_agent', 2));
    assert.ok(!arityFits('op_external', 4) && arityFits('op_external', 5) && arityFits('op_external', 9));
  });

  it('a wrong op name or argument count does not compile', () => {
    const b = new StepBuilder({ phase: 'oobe', target: 'oobe', madeAt: 'seal', inputs: [], steps: [], finish: [], pages: [] });
    b.step('x', 'op_hostname', 'name', 'why');
    b.step('x', 'op_locale', 'en_US.UTF-8', 'why');
    b.step('x', 'op_passwords', 'root', 'pw', 'eve', 'pw2');
    b.call('op_interactive_oobe', 'eula');
    // @ts-expect-error an op the runner does not have
    b.step('x', 'op_rm_rf', '/');
    // @ts-expect-error one argument too few
    b.step('x', 'op_hostname', 'name');
    // @ts-expect-error one argument too many
    b.finish('op_set_state', 'IMAGE_STATE_COMPLETE', 'extra');
    // @ts-expect-error at least one page
    b.call('op_interactive_oobe');
    const ok: OpArgs<'op_run_sync'> = ['specialize', '1', 'Never', 'label', 'true', 'root'];
    assert.equal(ok.length, 6);
  });

  it('the generated constants block in runner.bash is current, and the installed runner is that file', () => {
    const text = runner();
    assert.equal(text.split(CONSTANTS_BEGIN).length, 2, 'one generated block');
    assert.equal(withRunnerConstants(text), text,
      'runner.bash\'s generated constants are stale: run `npm run build && node scripts/bundle.mjs --write-source`');
    assert.ok(text.includes(renderRunnerConstants()));
    const dist = path.join(repoRoot(), 'dist/agent/firstboot');
    if (fs.existsSync(dist)) assert.equal(fs.readFileSync(dist, 'utf8'), text, 'dist/agent/firstboot is runner.bash (one file)');
  });

  it('runner.bash hard-codes no path the model defines (outside the generated block and comments)', () => {
    const text = runner();
    const code = (text.slice(0, text.indexOf(CONSTANTS_BEGIN)) + text.slice(text.indexOf(CONSTANTS_END) + CONSTANTS_END.length))
      .split('\n').filter((l) => !/^\s*#/.test(l)).map((l) => l.replace(/\{ # .*$/, '{')).join('\n');
    const paths = [...Object.values(PATHS), ...Object.values(MARKERS), '/var/lib/sysprep', '/usr/lib/sysprep', '/var/log/sysprep'];
    for (const p of paths) assert.ok(!code.includes(p), `runner.bash hard-codes ${p}: use the generated constant`);
    // names the runner still spells out must at least be the model's
    for (const m of code.matchAll(/\bIMAGE_STATE_[A-Z_]+/g)) assert.ok((IMAGE_STATES as readonly string[]).includes(m[0]), `runner.bash: ${m[0]} is not an image state`);
    for (const m of code.matchAll(/\b(SYSPREP_[A-Z_]+)=/g)) assert.ok((Object.values(PROVIDER_ENV) as string[]).includes(m[1]!), `runner.bash: ${m[1]} is not a provider environment name`);
    for (const m of code.matchAll(/\b[a-z-]*getty@[a-zA-Z0-9]+/g)) assert.ok(CONSOLE_GETTYS.some((g) => g.startsWith(`${m[0]}.`)), `runner.bash: ${m[0]} is not a console getty`);
  });

  it('records come back from the runner\'s reader byte for byte; a truncated or foreign file is refused', () => {
    const values = ['', 'plain', "it's $(touch /tmp/contract-pwned) `id` \"q\" \\ $HOME;\nline2\n", '-rf', '--help', 'x'.repeat(65536), 'ü€😀'];
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'contract-')), 'records');
    try {
      fs.writeFileSync(file, encodeRecords(FORMATS.firstLogon, values.map((v, i) => ['command', String(i), v, v] as [string, string, string, string])));
      const script = 'source "$1"; collect() { printf "%s\\0" "$@"; }; read_records "$2" "$FIRST_LOGON_FORMAT" collect';
      const r = spawnSync('bash', ['-c', script, 'bash', RUNNER, file], { encoding: 'utf8', maxBuffer: 1 << 24 });
      assert.equal(r.status, 0, r.stderr);
      const got = r.stdout.split('\0').slice(0, -1);
      assert.deepEqual(got, values.flatMap((v, i) => ['command', String(i), v, v]));
      assert.deepEqual(decodeRecords(FORMATS.firstLogon, fs.readFileSync(file)).map((x) => x[3]), values);
      // cut short: the last field lost its NUL
      fs.writeFileSync(file, fs.readFileSync(file).subarray(0, -1));
      assert.notEqual(spawnSync('bash', ['-c', script, 'bash', RUNNER, file]).status, 0, 'a truncated file is refused');
      fs.writeFileSync(file, encodeRecords(FORMATS.plan, [['command', '1', 'd', 'c']]));
      assert.notEqual(spawnSync('bash', ['-c', script, 'bash', RUNNER, file]).status, 0, 'another kind of file is refused');
      assert.equal(fs.existsSync('/tmp/contract-pwned'), false);
      assert.throws(() => encodeRecords(FORMATS.plan, [['step', 'a\0b']]), /NUL/);
    } finally {
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
    }
  });

  it('the runner refuses plans that name an op it does not have, or the wrong number of arguments', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'contract-'));
    try {
      const cases: [string, [string, ...string[]][], boolean][] = [
        ['good', [['origin', 'cache'], ['input', '/etc/x', 'absent'], ['step', 'hostname', 'op_hostname', 'a', 'b'], ['step', '', 'op_log', 'Info', 'x'], ['finish', 'op_set_state', 'IMAGE_STATE_COMPLETE']], true],
        ['unknown op', [['step', 'x', 'rm', '-rf', '/']], false],
        ['a helper, not an op', [['step', 'x', 'write_file', '/etc/passwd', 'x']], false],
        ['too few', [['step', 'x', 'op_hostname', 'a']], false],
        ['too many', [['finish', 'op_set_state', 'a', 'b']], false],
        ['odd pairs', [['step', 'x', 'op_passwords', 'root']], false],
        ['step id with a blank', [['step', 'a b', 'op_log', 'Info', 'x']], false],
        ['unknown record', [['eval', 'touch /tmp/contract-pwned']], false],
      ];
      for (const [name, records, ok] of cases) {
        const file = path.join(dir, 'plan');
        fs.writeFileSync(file, encodeRecords(FORMATS.plan, records));
        const r = spawnSync('bash', ['-c', 'source "$1"; read_plan "$2" && printf "%s|" "${PLAN_KIND[@]}" "$plan_answer_origin" "${plan_inputs[@]}"', 'bash', RUNNER, file], { encoding: 'utf8' });
        assert.equal(r.status === 0, ok, `${name}: ${r.stdout}${r.stderr}`);
        if (ok) assert.equal(r.stdout, 'step|step|finish|cache|/etc/x|absent|');
      }
      assert.equal(fs.existsSync('/tmp/contract-pwned'), false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
