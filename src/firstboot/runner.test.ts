/**
 * The shell the first boot runs, checked as shell: the runner (bash) and the generator and login
 * hook (POSIX sh, as systemd and /etc/profile run them), by shellcheck and by the shells themselves.
 * The chroot and QEMU tests run them for real; this catches what a path they do not take would hit.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../answer-file/testutil.js';
import { GENERATOR_SCRIPT, PROFILE_SCRIPT } from './units.js';

const RUNNER = path.join(repoRoot(), 'src/firstboot/runner.bash');

test('the runner passes shellcheck and bash -n', () => {
  const sc = spawnSync('shellcheck', ['--shell=bash', '--severity=style', RUNNER], { encoding: 'utf8' });
  assert.ok(!sc.error, `shellcheck is needed (apt-get install shellcheck): ${sc.error?.message}`);
  assert.equal(sc.status, 0, sc.stdout);
  const n = spawnSync('bash', ['-n', RUNNER], { encoding: 'utf8' });
  assert.equal(n.status, 0, n.stderr);
});

test('the generator and the login hook are POSIX sh (shellcheck --shell=sh, dash -n)', () => {
  for (const [name, text] of [['sysprep-generator', GENERATOR_SCRIPT], ['profile.d/sysprep.sh', `#!/bin/sh\n${PROFILE_SCRIPT}`]] as const) {
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
