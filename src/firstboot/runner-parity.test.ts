/**
 * What the runner (bash) and the TypeScript side both know, checked to agree: the Panther line
 * format, the generated host-name rule, the default SSH host-key types. (The paths, markers, states
 * and operations are checked by the contract tests.)
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../answer-file/testutil.js';
import { DEFAULT_HOST_KEY_TYPES, HOSTNAME_ALPHABET, HOSTNAME_RANDOM_LENGTH } from '../model/identity.js';
import { formatLogLine, type LogLevel } from '../system/panther.js';

const RUNNER = fs.readFileSync(path.join(repoRoot(), 'src/firstboot/runner.bash'), 'utf8');
const fn = (name: string) => {
  const m = new RegExp(`^${name}\\(\\) \\{[\\s\\S]*?^\\}$`, 'm').exec(RUNNER);
  assert.ok(m, `runner.bash defines ${name}`);
  return m[0];
};
const bash = (script: string, ...args: string[]) => spawnSync('bash', ['-c', `set -u\n${script}`, 'bash', ...args], { encoding: 'utf8' });

test('the runner writes Panther lines in the grammar of src/system/panther.ts', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'panther-'));
  try {
    for (const [level, component] of [['Info', 'SYSPRP'], ['Warning', 'UNATTD'], ['Error', 'SYSPRP']] as [LogLevel, string][]) {
      const message = `first line of ${level}\nsecond  line, with  spaces `;
      const r = bash(`${fn('log_to')}\nlog_to "$1" "$2" "$3" "$4"`, dir, component, level, message);
      assert.equal(r.status, 0, r.stderr);
      const act = fs.readFileSync(path.join(dir, 'setupact.log'), 'utf8').replace(/\n$/, '').split('\n').slice(-2);
      message.split('\n').forEach((m, i) => {
        const time = act[i]!.slice(0, 19);
        assert.match(time, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
        assert.equal(act[i], formatLogLine({ time, level, component, message: m }));
      });
      const err = fs.existsSync(path.join(dir, 'setuperr.log')) ? fs.readFileSync(path.join(dir, 'setuperr.log'), 'utf8') : '';
      assert.equal(err.includes(`first line of ${level}`), level !== 'Info', `${level} in setuperr.log`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the runner generates host names by the rule of src/model/identity.ts', () => {
  const r = bash(`${fn('generated_hostname')}\nfor i in $(seq 200); do generated_hostname debian; echo; done`);
  assert.equal(r.status, 0, r.stderr);
  const names = r.stdout.trim().split('\n');
  assert.equal(names.length, 200);
  const re = new RegExp(`^debian-[${HOSTNAME_ALPHABET}]{${HOSTNAME_RANDOM_LENGTH}}$`);
  for (const n of names) assert.match(n, re);
  // 1,400 characters drawn: every letter of the alphabet shows up, and nothing else
  const seen = new Set(names.flatMap((n) => [...n.slice('debian-'.length)]));
  assert.deepEqual([...seen].sort().join(''), [...HOSTNAME_ALPHABET].sort().join(''));
});

test("the runner's default host-key types are OpenSSH's, as the planner's", () => {
  const m = /host_keys=\(((?:rsa|ecdsa|ed25519|dsa)[^)]*)\)/.exec(fn('phase_host_keys'));
  assert.ok(m, 'phase_host_keys has a default host_keys list');
  const types = m[1]!.split(/\s+/).filter((w) => !w.startsWith('/'));
  assert.deepEqual(types, [...DEFAULT_HOST_KEY_TYPES]);
});
