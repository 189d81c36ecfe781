/**
 * The CPU time of the work every first-boot tool must do, measured the same way in every image:
 * /usr/bin/ssh-keygen, /usr/sbin/chpasswd and /usr/sbin/useradd become small sh wrappers that run the real program and
 * append its name, its arguments and the children's user and system seconds (the shell's `times`)
 * to METER_LOG. Each tool's key generation, account and password hashing is then known in CPU seconds,
 * whatever ran beside it (wall time of a unit or module is not: on one vCPU it includes everything
 * the boot did meanwhile), and can be taken out of the CPU time of the tool's own units.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const METER_LOG = 'var/lib/bench-meter.log';
/** the metered commands: the host keys and the password hashes */
export const METERED = { keygen: 'usr/bin/ssh-keygen', chpasswd: 'usr/sbin/chpasswd', useradd: 'usr/sbin/useradd' } as const;
export type Metered = keyof typeof METERED;

/** Put the wrappers in place of the root's programs (the real ones stay beside them). */
export function installMeter(root: string): void {
  for (const [name, rel] of Object.entries(METERED)) {
    const real = path.join(root, rel);
    if (!fs.existsSync(real)) throw new Error(`${real}: missing from the used root`);
    fs.renameSync(real, `${real}.bench-real`);
    fs.writeFileSync(real,
      `#!/bin/sh\n# benchmark: ${path.basename(rel)}'s CPU time (see bench/lib/meter.ts)\n` +
        `/${rel}.bench-real "$@"\ns=$?\n` +
        // no pipe or $(…): `times` in a subshell would count that subshell's children (none)
        `{ printf '%s %s\\t' ${name} "$*"; times; } >>/${METER_LOG} 2>/dev/null\nexit $s\n`,
      { mode: 0o755 });
  }
}

export interface Metering {
  /** CPU seconds and calls of the key-generating ssh-keygen calls (-t TYPE, -A) */
  keygen: { seconds: number; calls: number };
  /** CPU seconds and calls of chpasswd */
  chpasswd: { seconds: number; calls: number };
  /** CPU seconds and calls of useradd */
  useradd: { seconds: number; calls: number };
}

/** What the guest's meter log recorded; undefined when nothing ran. */
export function metered(root: string): Metering | undefined {
  const file = path.join(root, METER_LOG);
  if (!fs.existsSync(file)) return undefined;
  const m: Metering = { keygen: { seconds: 0, calls: 0 }, chpasswd: { seconds: 0, calls: 0 }, useradd: { seconds: 0, calls: 0 } };
  // per call two lines: "NAME ARGS<tab>the shell's user and system time", then its children's ("0m7.52s 0m0.01s")
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  for (let i = 0; i + 1 < lines.length; i++) {
    const [head, own] = lines[i]!.split('\t');
    if (own === undefined) continue;
    const children = lines[++i]!;
    const [name, ...args] = head!.split(' ');
    if (name === 'keygen' && !/(^|\s)-(t|A)(\s|$)/.test(args.join(' '))) continue;
    const entry = m[name as Metered];
    if (!entry) continue;
    // the program's (its children's line) and the wrapper shell's own (the first line): the meter is
    // not the tool's, so what it costs is taken out with what it measures
    for (const t of `${own} ${children}`.matchAll(/(\d+)m([\d.]+)s/g)) entry.seconds += Number(t[1]) * 60 + Number(t[2]);
    entry.calls++;
  }
  return m;
}
