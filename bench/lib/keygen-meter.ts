/**
 * ssh-keygen's CPU time inside a guest, measured the same way for every tool: /usr/bin/ssh-keygen
 * becomes a small sh wrapper that runs the real program and appends its arguments and the children's
 * user and system seconds (the shell's `times`) to KEYGEN_LOG. Each tool's key generation is then
 * known in CPU seconds, whatever ran beside it (wall time of a unit or module is not: on one vCPU it
 * includes everything the boot did meanwhile).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const KEYGEN_LOG = 'var/lib/bench-keygen.log';

/** Put the wrapper in place of the root's ssh-keygen (the real one stays beside it). */
export function installKeygenMeter(root: string): void {
  const real = path.join(root, 'usr/bin/ssh-keygen');
  if (!fs.existsSync(real)) throw new Error(`${real}: openssh-client missing from the used root`);
  fs.renameSync(real, `${real}.bench-real`);
  fs.writeFileSync(real,
    '#!/bin/sh\n# benchmark: ssh-keygen\'s CPU time (see bench/firstboot.bench.ts)\n' +
      '/usr/bin/ssh-keygen.bench-real "$@"\ns=$?\n' +
      // no pipe or $(…): `times` in a subshell would count that subshell's children (none)
      `{ printf '%s\\t' "$*"; times; } >>/${KEYGEN_LOG} 2>/dev/null\nexit $s\n`,
    { mode: 0o755 });
}

/** The CPU seconds of the key-generating ssh-keygen calls (-t TYPE, -A) in the guest's meter log. */
export function keygenCpuSeconds(root: string): { seconds: number; calls: number } | undefined {
  const file = path.join(root, KEYGEN_LOG);
  if (!fs.existsSync(file)) return undefined;
  let seconds = 0, calls = 0;
  // per call two lines: "ARGS<tab>the shell's user and system time", then its children's ("0m7.52s 0m0.01s")
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  for (let i = 0; i + 1 < lines.length; i++) {
    const [args, own] = lines[i]!.split('\t');
    if (own === undefined) continue;
    const children = lines[++i]!;
    if (!/(^|\s)-(t|A)(\s|$)/.test(args!)) continue;
    for (const m of children.matchAll(/(\d+)m([\d.]+)s/g)) seconds += Number(m[1]) * 60 + Number(m[2]);
    calls++;
  }
  return { seconds, calls };
}
