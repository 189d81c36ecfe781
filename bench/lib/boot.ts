/**
 * Timing a boot in QEMU from power-on. Two oneshot marker units go into the image: "ready" prints
 * /proc/uptime on the console once multi-user.target is reached and the units it is ordered after
 * are done; "done" then prints systemd's timestamps of the units to report, and powers the guest off
 * (after a unit of its own printed the critical chains asked for, once the boot has finished).
 * timedBoot() starts qemu, takes the wall time at which each marker shows on the serial console, and
 * reads the timestamps back.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startImage, tail } from '../../test/harness/qemu.js';
import type { BootImage } from './boot-image.js';
import { writeFile } from './chroot.js';
import { load } from './system.js';

export interface Markers {
  /** units the ready marker waits for, besides multi-user.target */
  readyAfter: string[];
  /** units the done marker waits for, besides the ready marker */
  doneAfter: string[];
  /** units whose timestamps the done marker reports */
  reported: string[];
  /** units whose `systemd-analyze critical-chain` the done marker reports */
  chains?: string[];
}

const readyScript = () => `#!/bin/sh
# sysprep bench: multi-user.target reached and the first-boot work done
read up rest < /proc/uptime
echo "SYSPREP-BENCH-READY uptime=$up" > /dev/console
`;

const doneScript = (reported: string[], chains: string[]) => `#!/bin/sh
# sysprep bench: report the boot's timestamps on the console, then power off
read up rest < /proc/uptime
{
  for u in ${reported.join(' ')}; do
    printf 'SYSPREP-BENCH-UNIT %s %s %s %s %s\\n' "$u" "$(systemctl show -P InactiveExitTimestampMonotonic "$u")" "$(systemctl show -P ActiveEnterTimestampMonotonic "$u")" "$(systemctl show -P ActiveState "$u")" "$(systemctl show -P CPUUsageNSec "$u")"
  done
  printf 'SYSPREP-BENCH-MANAGER userspace=%s failed=%s\\n' "$(systemctl show -P UserspaceTimestampMonotonic)" "$(systemctl list-units --state=failed --plain --no-legend | awk '{print $1}' | tr '\\n' ',')"
  echo "SYSPREP-BENCH-DONE uptime=$up"
} > /dev/console 2>&1
# the critical chains once the boot has finished (systemd-analyze refuses before), from a unit of
# their own: this one is part of the boot
${chains.length ? 'systemd-run --no-block --quiet --unit=sysprep-bench-chain /usr/local/lib/sysprep-bench/chain && exit 0' : ''}
systemctl --no-block poweroff
`;

const chainScript = (chains: string[]) => `#!/bin/sh
# sysprep bench: the critical chains of the finished boot on the console, then power off
i=0
while [ $i -lt 300 ]; do
  case $(systemctl is-system-running 2>/dev/null) in running|degraded) break ;; esac
  sleep 0.2; i=$((i + 1))
done
systemd-analyze critical-chain --no-pager ${chains.join(' ')} 2>&1 | sed 's/^/SYSPREP-BENCH-CHAIN /' > /dev/console
systemctl --no-block poweroff
`;

const unit = (description: string, after: string, exec: string) => `[Unit]
Description=${description}
After=${after}

[Service]
Type=oneshot
ExecStart=/usr/local/lib/sysprep-bench/${exec}

[Install]
WantedBy=multi-user.target
`;

/** Install the two marker units (and their scripts) in the root, enabled. */
export function installMarkers(root: string, m: Markers): void {
  writeFile(root, 'usr/local/lib/sysprep-bench/ready', readyScript(), 0o755);
  writeFile(root, 'usr/local/lib/sysprep-bench/done', doneScript(m.reported, m.chains ?? []), 0o755);
  writeFile(root, 'usr/local/lib/sysprep-bench/chain', chainScript(m.chains ?? []), 0o755);
  writeFile(root, 'etc/systemd/system/sysprep-bench-ready.service',
    unit('sysprep bench: multi-user reached and first-boot work done', ['multi-user.target', ...m.readyAfter].join(' '), 'ready'));
  writeFile(root, 'etc/systemd/system/sysprep-bench-done.service',
    unit('sysprep bench: report and power off', ['multi-user.target', 'sysprep-bench-ready.service', ...m.doneAfter].join(' '), 'done'));
  const wants = path.join(root, 'etc/systemd/system/multi-user.target.wants');
  fs.mkdirSync(wants, { recursive: true });
  for (const u of ['sysprep-bench-ready.service', 'sysprep-bench-done.service']) {
    fs.rmSync(path.join(wants, u), { force: true });
    fs.symlinkSync(`/etc/systemd/system/${u}`, path.join(wants, u));
  }
}

export interface UnitTimes {
  /** seconds since boot when the unit began to start (InactiveExit) and became active (ActiveEnter) */
  start: number | null;
  active: number | null;
  state: string;
  /** CPU seconds its processes used (CPUUsageNSec), when systemd accounts for it */
  cpu: number | null;
}

/** The done marker's report, read from the serial console. */
export function parseUnits(serial: string): { units: Record<string, UnitTimes>; userspace: number | null; failed: string[]; chain: string[] } {
  const units: Record<string, UnitTimes> = {};
  const sec = (s: string | undefined) => (s && /^\d+$/.test(s) && s !== '0' ? Number(s) / 1e6 : null);
  for (const m of serial.matchAll(/SYSPREP-BENCH-UNIT (\S+) (\d*) (\d*) ([a-z]*) ?(\d*)/g)) {
    // CPU time the unit's processes used (systemd's cgroup accounting), in seconds
    const cpu = m[5] && /^\d+$/.test(m[5]) && m[5].length < 19 ? Number(m[5]) / 1e9 : null;
    units[m[1]!] = { start: sec(m[2]), active: sec(m[3]), state: m[4] ?? '', cpu };
  }
  const mgr = /SYSPREP-BENCH-MANAGER userspace=(\d*) failed=(\S*)/.exec(serial);
  // the critical chains, without the console's carriage returns and the tree's decoration
  const chain = [...serial.matchAll(/SYSPREP-BENCH-CHAIN (.*)/g)].map((m) => m[1]!.replace(/\r$/, '')).filter((l) => !/^(The time|The time when|$)/.test(l));
  return { units, userspace: sec(mgr?.[1]), failed: (mgr?.[2] ?? '').split(',').filter(Boolean), chain };
}

export interface TimedBoot {
  /** wall seconds from qemu's start to the ready marker on the serial console */
  wallReady: number;
  /** guest uptime when the ready marker ran */
  uptimeReady: number;
  /** wall seconds to the done marker, and the guest uptime then */
  wallDone: number;
  uptimeDone: number;
  /** guest uptime when systemd started in the real root (kernel + initrd) */
  userspace: number | null;
  units: Record<string, UnitTimes>;
  failedUnits: string[];
  /** systemd-analyze critical-chain of the units the markers name (its lines) */
  chain: string[];
  /** wall seconds until qemu exited */
  qemuSeconds: number;
  /** 1-minute load average on the host when qemu started */
  loadAverage: number;
  /** why the boot did not end as it should (the guest did not power off by itself) */
  problems: string[];
}

export interface BootSpec extends Pick<BootImage, 'kernel' | 'initrd'> {
  /** the copy to boot (it is written to) */
  image: string;
  cpus: number;
  timeoutMs: number;
  serialLog: string;
  /** names the boot in an error ("sysprep boot 2") */
  label: string;
  /** more qemu arguments (a credential, a drive) */
  extraArgs?: string[];
}

/** Boot the image until the guest powers off, timing the two markers; throws when one never shows. */
export async function timedBoot(b: BootSpec): Promise<TimedBoot> {
  const loadAverage = load();
  const t0 = performance.now();
  const guest = startImage({ image: b.image, kernel: b.kernel, initrd: b.initrd, timeoutMs: b.timeoutMs, logFile: b.serialLog, cpus: b.cpus, diskCache: 'writeback', ...(b.extraArgs ? { extraArgs: b.extraArgs } : {}) });
  const at = (re: RegExp) => guest.waitFor(re, b.timeoutMs).then((m) => ({ m, wall: (performance.now() - t0) / 1000 }));
  let ready: { m: RegExpExecArray; wall: number };
  let done: { m: RegExpExecArray; wall: number };
  try {
    [ready, done] = await Promise.all([at(/SYSPREP-BENCH-READY uptime=([\d.]+)\r?\n/), at(/SYSPREP-BENCH-DONE uptime=([\d.]+)\r?\n/)]);
  } catch (err) {
    guest.kill();
    await guest.done;
    throw new Error(`${b.label}: ${(err as Error).message}\n--- serial (last lines, ${b.serialLog}) ---\n${tail(guest.serial(), 60)}`);
  }
  const result = await guest.done;
  const problems = result.exited ? [] : [`the guest did not power off by itself (timed out: ${result.timedOut})`];
  const { units, userspace, failed, chain } = parseUnits(guest.serial());
  return {
    wallReady: ready.wall,
    uptimeReady: Number(ready.m[1]),
    wallDone: done.wall,
    uptimeDone: Number(done.m[1]),
    userspace,
    units,
    failedUnits: failed,
    chain,
    qemuSeconds: result.seconds,
    loadAverage,
    problems,
  };
}
