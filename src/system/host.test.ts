/**
 * DeviceForm exists twice, on purpose: the generalize pass edits /etc/machine-info in TypeScript
 * (src/seal/answer.ts → setChassis), the first boot in the bash runner (op_chassis), because the
 * runner starts no Node.js. This test runs both on the same inputs and requires the same bytes.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../answer-file/testutil.js';
import { chassisEdit } from './host.js';

const RUNNER = path.join(repoRoot(), 'src/firstboot/runner.bash');

/** The runner's op_chassis and the helpers it calls, run on FILE instead of /etc/machine-info. */
function runnerChassis(file: string, chassis: string): void {
  const text = fs.readFileSync(RUNNER, 'utf8');
  const fn = (name: string) => {
    const m = new RegExp(`^${name}\\(\\) \\{[\\s\\S]*?^\\}$`, 'm').exec(text);
    assert.ok(m, `runner.bash defines ${name}`);
    return m[0];
  };
  // write_file's state (a step's pending renames; none here: DEFER=0 renames at once)
  const state = ['DEFER=0', 'declare -A PENDING=()', 'declare -a WRITTEN=()'];
  for (const line of state) assert.ok(text.includes(`\n${line}\n`), `runner.bash declares ${line}`);
  const script = ['set -u', 'log_info() { :; }', ...state, fn('read_file'), fn('keeps_attributes'), fn('drop_stale'), fn('write_file'), fn('op_chassis').replaceAll('/etc/machine-info', '"$MACHINE_INFO"'),
    'op_chassis "$1" test'].join('\n');
  const r = spawnSync('bash', ['-c', script, 'bash', chassis], { env: { ...process.env, MACHINE_INFO: file }, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

test('DeviceForm: the generalize pass (TypeScript) and the first boot (runner) write the same /etc/machine-info', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chassis-'));
  try {
    const inputs: (string | undefined)[] = [
      undefined,
      '',
      'PRETTY_HOSTNAME="Build box"\n',
      'CHASSIS=desktop\n',
      'PRETTY_HOSTNAME=a\n\nCHASSIS=laptop\nDEPLOYMENT=production\nCHASSIS=server\n',
      'ICON_NAME=computer-vm', // no final newline
    ];
    for (const [i, input] of inputs.entries()) {
      for (const chassis of ['vm', 'laptop', 'tablet']) {
        const file = path.join(dir, `mi-${i}-${chassis}`);
        if (input !== undefined) fs.writeFileSync(file, input);
        runnerChassis(file, chassis);
        assert.equal(fs.readFileSync(file, 'utf8'), chassisEdit(input, chassis), `input ${JSON.stringify(input)}, chassis ${chassis}`);
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
