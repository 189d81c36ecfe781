/**
 * First-boot benchmark (issue 4, "Speed"): the same used bookworm root booted in QEMU (TCG) several
 * ways in one run, each doing the same work (host name, one user with a password plus root's
 * password, time zone, new SSH host keys), timed from power-on (qemu start) to multi-user.
 *
 *   baseline    no first-boot tool: a copy of the used root where the work was done by hand before
 *               boot (hostname and hosts files; chroot useradd + chpasswd; the zoneinfo link; old host
 *               keys removed and chroot ssh-keygen -A). Its machine-id is left as it is, so systemd
 *               sees no first boot.
 *   sysprep     `bin/sysprep --root R /generalize /oobe /unattend:FILE`; the answer file (ComputerName,
 *               TimeZone, International-Core, a LocalAccount with a password, AdministratorPassword,
 *               HideEULAPage, Reseal OOBE) is carried out at first boot by the plans the seal made
 *               (the check fails when the Node.js agent had to start).
 *   cloud-init  cloud-init installed into a copy of the root with apt in a chroot (cached under
 *               $CACHE/bench/, so reruns skip apt), the equivalent of `cloud-init clean --logs --seed`,
 *               machine-id "uninitialized", host keys removed, a NoCloud seed in
 *               /var/lib/cloud/seed/nocloud/ and `datasource_list: [ NoCloud, None ]`.
 *   baseline, systemd first boot (informational; BENCH_FIRSTBOOT_BASELINE=0 leaves it out)
 *               the baseline plus machine-id "uninitialized": what systemd's own first boot (preset-all,
 *               systemd-firstboot, committing the machine-id) costs without any tool, so the tools'
 *               own share of "added" can be told apart from it.
 *
 * How time is measured, the same for all variants: two oneshot units are added to every image.
 * sysprep-bench-ready.service (WantedBy= and After=multi-user.target, and After= every unit that does
 * the work: sysprep-specialize/-host-keys/-oobe, cloud-init-local/-init/-config) prints `/proc/uptime` on the
 * console as soon as multi-user.target is reached *and* the work is done (cloud-config.service, which
 * sets the time zone and the passwords, is not ordered before multi-user.target). The headline figure
 * is that moment: wall seconds from qemu's start until the marker shows on the serial console, and the
 * guest's uptime then. sysprep-bench-done.service (After= the first and cloud-final.service) then
 * prints the systemd timestamps of the units involved and powers the guest off. After power-off the
 * image is mounted and the work checked (hostname, user and passwords against the shadow hashes, time
 * zone link, new host keys, and each tool's own status).
 *
 * Variants are interleaved round by round (the machine is shared, and TCG boots are CPU-bound), in a
 * rotating order; medians are reported, for each number of virtual CPUs (1 and 2 by default; 2 runs
 * TCG multi-threaded, which on a two-core host shares the cores with QEMU's own threads).
 *
 * Besides wall time the report gives what noise does not move much: the CPU seconds the tools' units
 * used (systemd's accounting), and the host key generation on its own: every image's ssh-keygen is
 * a wrapper that logs the CPU seconds of each call (installKeygenMeter), so both tools' keys are
 * measured the same way (the wall times each tool logs are shown too). ssh-keygen's RSA key is the
 * same work for both tools and takes 2.5 to 13 s under TCG, at random (the search for primes):
 * "added without the host key generation" tells each tool's own cost apart from it.
 *
 * Results: a table on stdout and JSON in $SYSPREP_TEST_CACHE/bench/firstboot-latest.json.
 * Environment: BENCH_BOOTS (boots per variant, default 3), BENCH_CPUS (default "1,2"),
 * BENCH_BOOT_TIMEOUT (seconds, default 600), BENCH_FIRSTBOOT_BASELINE=0 (leave out the informational
 * variant), BENCH_LOCALE_READY=0 (see commonPreparation), BENCH_KEEP=1 (keep the images).
 */
import { spawnSync, SpawnSyncOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildImage, withMountedImage } from '../test/fixtures/disk-image.js';
import { GOLDEN_MACHINE_ID } from '../test/fixtures/lived-in.js';
import { CACHE_DIR, withLock } from '../test/fixtures/roots.js';
import { overlayRoot, Scratch, usedRoot } from '../test/fixtures/used-root.js';
import { findKernel, startImage, tail } from '../test/harness/qemu.js';
import { BIN, REPO } from '../test/harness/sysprep.js';

const BENCH_DIR = path.join(CACHE_DIR, 'bench');
const WORK_DIR = path.join(CACHE_DIR, 'work');
const RESULTS = path.join(BENCH_DIR, 'firstboot-latest.json');
const BOOTS = positiveInt(process.env.BENCH_BOOTS, 3);
/** virtual CPUs of the guest: each count is measured in rounds of its own (BENCH_CPUS, default "1,2") */
const CPU_COUNTS = (process.env.BENCH_CPUS ?? '1,2').split(',').map((c) => positiveInt(c.trim(), 1)).filter((c, i, all) => all.indexOf(c) === i);
const BOOT_TIMEOUT_MS = positiveInt(process.env.BENCH_BOOT_TIMEOUT, 600) * 1000;
const WITH_FIRSTBOOT_BASELINE = process.env.BENCH_FIRSTBOOT_BASELINE !== '0';
const LOCALE_READY = process.env.BENCH_LOCALE_READY !== '0';
const KEEP = process.env.BENCH_KEEP === '1';
const LOCALE = 'en_US.UTF-8';
/** sysprep's added time at most this fraction of cloud-init's */
const TARGET_FRACTION = 0.2;
/** bump when the cached cloud-init root's recipe changes */
const CLOUD_INIT_RECIPE = 1;

// the work every variant does
const HOSTNAME = 'bench-01';
const COMPUTER_NAME = 'BENCH-01';
const USER = 'deploy';
const USER_GECOS = 'Deploy User';
const USER_PASSWORD = 'S3cret-Pass!';
const ROOT_PASSWORD = 'R00t-Pass!';
const TIME_ZONE = 'Europe/Berlin';
const WINDOWS_TIME_ZONE = 'W. Europe Standard Time';
const KEY_TYPES = ['rsa', 'ecdsa', 'ed25519'] as const;

type Variant = 'baseline' | 'sysprep' | 'cloud-init' | 'firstboot';
const LABEL: Record<Variant, string> = {
  baseline: 'baseline (no tool)',
  sysprep: 'sysprep',
  'cloud-init': 'cloud-init',
  firstboot: 'baseline + systemd first boot',
};
/** units whose run time is the tool's own, per variant */
const TOOL_UNITS: Record<Variant, string[]> = {
  baseline: [],
  firstboot: [],
  sysprep: ['sysprep-specialize.service', 'sysprep-host-keys.service', 'sysprep-oobe.service'],
  'cloud-init': ['cloud-init-local.service', 'cloud-init.service', 'cloud-config.service', 'cloud-final.service'],
};
const REPORTED_UNITS = [
  'sysinit.target',
  'basic.target',
  'network.target',
  'network-online.target',
  'getty.target',
  'multi-user.target',
  'first-boot-complete.target',
  'systemd-firstboot.service',
  'systemd-networkd-wait-online.service',
  'ssh.service',
  ...TOOL_UNITS.sysprep,
  ...TOOL_UNITS['cloud-init'],
  'sysprep-bench-ready.service',
];

function positiveInt(v: string | undefined, dflt: number): number {
  const n = Number(v);
  return Number.isInteger(n) && n > 0 ? n : dflt;
}

const note = (s: string) => process.stderr.write(`# ${s}\n`);

// ---------------------------------------------------------------------------------------------------
// running things, and never outside a scratch root

function run(cmd: string, args: string[], options: SpawnSyncOptions = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...options });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (status ${r.status}):\n${r.stdout ?? ''}${r.stderr ?? ''}`);
  return String(r.stdout ?? '');
}

/** Refuse anything but a root under the benchmark's own scratch or cache directories. */
function assertScratch(root: string): string {
  const abs = path.resolve(root);
  const ok = [WORK_DIR, BENCH_DIR].some((d) => abs.startsWith(path.resolve(d) + '/'));
  if (!ok || abs === '/' || !fs.existsSync(path.join(abs, 'etc/os-release'))) throw new Error(`refusing to work on ${root}: not a scratch root`);
  return abs;
}

const CHROOT_ENV = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  LANG: 'C.UTF-8',
  HOME: '/root',
  DEBIAN_FRONTEND: 'noninteractive',
};

function chroot(root: string, args: string[], input?: string, timeoutMs = 600_000): string {
  return run('chroot', [assertScratch(root), ...args], { env: CHROOT_ENV, input, timeout: timeoutMs });
}

const mounted: string[] = [];
function unmountAll(): void {
  while (mounted.length) {
    const dir = mounted.pop()!;
    spawnSync('umount', [dir]);
  }
}

/**
 * Run fn with /proc, /sys and /dev (each a plain, non-recursive mount) in the chroot, the host's
 * resolv.conf copied in and services kept from starting (policy-rc.d); everything undone afterwards.
 */
function withChrootMounts<T>(root: string, fn: () => T): T {
  root = assertScratch(root);
  const resolv = path.join(root, 'etc/resolv.conf');
  const resolvBefore = fs.lstatSync(resolv, { throwIfNoEntry: false });
  const resolvSaved = resolv + '.sysprep-bench';
  if (resolvBefore) fs.renameSync(resolv, resolvSaved);
  fs.copyFileSync('/etc/resolv.conf', resolv);
  const policy = path.join(root, 'usr/sbin/policy-rc.d');
  const hadPolicy = fs.existsSync(policy);
  if (!hadPolicy) fs.writeFileSync(policy, '#!/bin/sh\n# sysprep bench: no services start in the chroot\nexit 101\n', { mode: 0o755 });
  const depth = mounted.length;
  try {
    for (const [what, type, dir] of [
      ['proc', 'proc', 'proc'],
      ['sysfs', 'sysfs', 'sys'],
    ] as const) {
      run('mount', ['-t', type, what, path.join(root, dir)]);
      mounted.push(path.join(root, dir));
    }
    run('mount', ['--bind', '/dev', path.join(root, 'dev')]);
    mounted.push(path.join(root, 'dev'));
    return fn();
  } finally {
    while (mounted.length > depth) {
      const dir = mounted.pop()!;
      const r = spawnSync('umount', [dir], { encoding: 'utf8' });
      if (r.status !== 0) note(`umount ${dir} failed: ${r.stderr}`);
    }
    if (!hadPolicy) fs.rmSync(policy, { force: true });
    fs.rmSync(resolv, { force: true });
    if (resolvBefore) fs.renameSync(resolvSaved, resolv);
  }
}

function duBytes(dir: string, apparent = false): number {
  return Number(run('du', ['-sx', '-B1', ...(apparent ? ['--apparent-size'] : []), dir]).split(/\s+/)[0]);
}

function writeFile(root: string, file: string, content: string, mode = 0o644): void {
  const p = path.join(assertScratch(root), file);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.rmSync(p, { force: true });
  fs.writeFileSync(p, content, { mode });
}

// ---------------------------------------------------------------------------------------------------
// what every image gets: the two measuring units

const READY_SCRIPT = `#!/bin/sh
# sysprep bench: multi-user.target reached and the first-boot work done
read up rest < /proc/uptime
echo "SYSPREP-BENCH-READY uptime=$up" > /dev/console
`;

const DONE_SCRIPT = `#!/bin/sh
# sysprep bench: report the boot's timestamps on the console, then power off
read up rest < /proc/uptime
{
  for u in ${REPORTED_UNITS.join(' ')}; do
    printf 'SYSPREP-BENCH-UNIT %s %s %s %s %s\\n' "$u" "$(systemctl show -P InactiveExitTimestampMonotonic "$u")" "$(systemctl show -P ActiveEnterTimestampMonotonic "$u")" "$(systemctl show -P ActiveState "$u")" "$(systemctl show -P CPUUsageNSec "$u")"
  done
  printf 'SYSPREP-BENCH-MANAGER userspace=%s failed=%s\\n' "$(systemctl show -P UserspaceTimestampMonotonic)" "$(systemctl list-units --state=failed --plain --no-legend | awk '{print $1}' | tr '\\n' ',')"
  echo "SYSPREP-BENCH-DONE uptime=$up"
} > /dev/console 2>&1
systemctl --no-block poweroff
`;

const READY_UNIT = `[Unit]
Description=sysprep bench: multi-user reached and first-boot work done
After=multi-user.target ${[...TOOL_UNITS.sysprep, ...TOOL_UNITS['cloud-init'].filter((u) => u !== 'cloud-final.service')].join(' ')}

[Service]
Type=oneshot
ExecStart=/usr/local/lib/sysprep-bench/ready

[Install]
WantedBy=multi-user.target
`;

const DONE_UNIT = `[Unit]
Description=sysprep bench: report and power off
After=multi-user.target sysprep-bench-ready.service cloud-final.service cloud-init.target first-boot-complete.target

[Service]
Type=oneshot
ExecStart=/usr/local/lib/sysprep-bench/done

[Install]
WantedBy=multi-user.target
`;

function installBenchUnits(root: string): void {
  writeFile(root, 'usr/local/lib/sysprep-bench/ready', READY_SCRIPT, 0o755);
  writeFile(root, 'usr/local/lib/sysprep-bench/done', DONE_SCRIPT, 0o755);
  writeFile(root, 'etc/systemd/system/sysprep-bench-ready.service', READY_UNIT);
  writeFile(root, 'etc/systemd/system/sysprep-bench-done.service', DONE_UNIT);
  const wants = path.join(root, 'etc/systemd/system/multi-user.target.wants');
  fs.mkdirSync(wants, { recursive: true });
  for (const u of ['sysprep-bench-ready.service', 'sysprep-bench-done.service']) {
    fs.rmSync(path.join(wants, u), { force: true });
    fs.symlinkSync(`/etc/systemd/system/${u}`, path.join(wants, u));
  }
}

/** systemd's first-boot trigger, as sysprep's machine-id provider leaves it. */
function uninitializeMachineId(root: string): void {
  writeFile(root, 'etc/machine-id', 'uninitialized\n', 0o444);
  const dbus = path.join(root, 'var/lib/dbus/machine-id');
  if (fs.lstatSync(dbus, { throwIfNoEntry: false })?.isSymbolicLink() === false) fs.rmSync(dbus);
}

function removeHostKeys(root: string): void {
  const ssh = path.join(assertScratch(root), 'etc/ssh');
  for (const n of fs.readdirSync(ssh)) if (n.startsWith('ssh_host_')) fs.rmSync(path.join(ssh, n));
}

// ---------------------------------------------------------------------------------------------------
// the variants' images

interface Prepared {
  variant: Variant;
  dir: string;
  /** the pristine image; each boot gets a sparse copy */
  image: string;
  kernel: string;
  initrd: string;
  prepareSeconds: number;
}

/** Make the variant's root in a private overlay, then its image, kernel and initrd in a new directory. */
function prepareImage(variant: Variant, lower: string, customize: (root: string, dir: string) => void): Prepared {
  const started = Date.now();
  fs.mkdirSync(WORK_DIR, { recursive: true });
  const dir = fs.mkdtempSync(path.join(WORK_DIR, `fbbench-${variant}-`));
  const view = overlayRoot(lower, `fbbench-${variant}-root`);
  current.add(view);
  try {
    assertScratch(view.root);
    commonPreparation(view.root);
    customize(view.root, dir);
    installBenchUnits(view.root);
    const k = findKernel(view.root);
    fs.copyFileSync(k.kernel, path.join(dir, 'vmlinuz'));
    fs.copyFileSync(k.initrd, path.join(dir, 'initrd.img'));
    const image = buildImage(view.root, path.join(dir, 'pristine.raw'), { headroomMiB: 400 });
    return { variant, dir, image, kernel: path.join(dir, 'vmlinuz'), initrd: path.join(dir, 'initrd.img'), prepareSeconds: (Date.now() - started) / 1000 };
  } finally {
    view.dispose();
    current.delete(view);
  }
}

/**
 * The same for every variant, before its own steps: the guest has no network device, so nothing may
 * wait for one (systemd's first boot presets enable systemd-networkd-wait-online.service along with
 * systemd-networkd; pulled in by cloud-config.service's Wants=network-online.target it would hold
 * cloud-init.service for its two-minute timeout); and the locale the answer file's International-Core
 * names (en-US) is already generated and set, as on an installed system, so that locale work (which is
 * not part of the work compared) costs neither tool anything: sysprep's agent runs locale-gen only
 * for a locale that is missing, cloud-init's locale module only when it differs from the system's.
 * BENCH_LOCALE_READY=0 leaves the locale as the used root has it (no LANG, only C.UTF-8).
 */
function commonPreparation(root: string): void {
  const mask = path.join(assertScratch(root), 'etc/systemd/system/systemd-networkd-wait-online.service');
  fs.rmSync(mask, { force: true });
  fs.symlinkSync('/dev/null', mask);
  installKeygenMeter(root);
  if (!LOCALE_READY) return;
  const genFile = path.join(root, 'etc/locale.gen');
  const gen = fs.existsSync(genFile) ? fs.readFileSync(genFile, 'utf8') : '';
  const re = new RegExp(`^#\\s*${LOCALE.replace('.', '\\.')} UTF-8$`, 'm');
  writeFile(root, 'etc/locale.gen', re.test(gen) ? gen.replace(re, `${LOCALE} UTF-8`) : `${gen.trimEnd()}\n${LOCALE} UTF-8\n`);
  withChrootMounts(root, () => chroot(root, ['locale-gen']));
  writeFile(root, 'etc/default/locale', `LANG=${LOCALE}\n`);
}

/**
 * ssh-keygen's CPU time, measured the same way for both tools: /usr/bin/ssh-keygen becomes a small sh
 * wrapper that runs the real program and appends its arguments and the children's user and system
 * seconds (the shell's `times`) to KEYGEN_LOG. Each tool's key generation is then known in CPU
 * seconds, whatever ran beside it (wall time of a unit or module is not: on one vCPU it includes
 * everything the boot did meanwhile).
 */
const KEYGEN_LOG = 'var/lib/bench-keygen.log';
function installKeygenMeter(root: string): void {
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
function keygenCpuSeconds(root: string): { seconds: number; calls: number } | undefined {
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

function setHostnameByHand(root: string): void {
  writeFile(root, 'etc/hostname', `${HOSTNAME}\n`);
  const hostsFile = path.join(root, 'etc/hosts');
  const hosts = fs.readFileSync(hostsFile, 'utf8').split('\n').filter((l) => !/^127\.0\.1\.1\s/.test(l));
  hosts.splice(1, 0, `127.0.1.1\t${HOSTNAME}`);
  writeFile(root, 'etc/hosts', hosts.join('\n'));
}

function doTheWorkByHand(root: string): void {
  setHostnameByHand(root);
  withChrootMounts(root, () => {
    chroot(root, ['useradd', '-m', '-c', USER_GECOS, '-G', 'sudo', '-s', '/bin/bash', USER]);
    chroot(root, ['chpasswd'], `${USER}:${USER_PASSWORD}\nroot:${ROOT_PASSWORD}\n`);
    removeHostKeys(root);
    chroot(root, ['ssh-keygen', '-A']);
  });
  const localtime = path.join(root, 'etc/localtime');
  fs.rmSync(localtime, { force: true });
  fs.symlinkSync(`/usr/share/zoneinfo/${TIME_ZONE}`, localtime);
  writeFile(root, 'etc/timezone', `${TIME_ZONE}\n`);
}

const COMPONENT = (name: string, body: string) =>
  `<component name="${name}" processorArchitecture="amd64" publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS" xmlns:wcm="http://schemas.microsoft.com/WMIConfig/2002/State">${body}</component>`;
const INTERNATIONAL = COMPONENT(
  'Microsoft-Windows-International-Core',
  '<InputLocale>0409:00000409</InputLocale><SystemLocale>en-US</SystemLocale><UILanguage>en-US</UILanguage><UserLocale>en-US</UserLocale>',
);
const ANSWER_FILE =
  `<?xml version="1.0" encoding="utf-8"?>\n<unattend xmlns="urn:schemas-microsoft-com:unattend">\n` +
  `  <settings pass="specialize">${COMPONENT('Microsoft-Windows-Shell-Setup', `<ComputerName>${COMPUTER_NAME}</ComputerName><TimeZone>${WINDOWS_TIME_ZONE}</TimeZone>`)}${INTERNATIONAL}</settings>\n` +
  `  <settings pass="oobeSystem">${COMPONENT(
    'Microsoft-Windows-Shell-Setup',
    `<UserAccounts><AdministratorPassword><Value>${ROOT_PASSWORD}</Value><PlainText>true</PlainText></AdministratorPassword>` +
      `<LocalAccounts><LocalAccount wcm:action="add"><Name>${USER}</Name><DisplayName>${USER_GECOS}</DisplayName><Group>Administrators</Group>` +
      `<Password><Value>${USER_PASSWORD}</Value><PlainText>true</PlainText></Password></LocalAccount></LocalAccounts></UserAccounts>` +
      `<OOBE><HideEULAPage>true</HideEULAPage><SkipMachineOOBE>false</SkipMachineOOBE></OOBE>`,
  )}${COMPONENT('Microsoft-Windows-Deployment', '<Reseal><Mode>OOBE</Mode></Reseal>')}</settings>\n` +
  `</unattend>\n`;

const META_DATA = (instance: string) => `instance-id: ${instance}\nlocal-hostname: ${HOSTNAME}\n`;
const USER_DATA = `#cloud-config
hostname: ${HOSTNAME}
preserve_hostname: false
manage_etc_hosts: localhost
timezone: ${TIME_ZONE}
users:
  - name: ${USER}
    gecos: ${USER_GECOS}
    groups: [sudo]
    shell: /bin/bash
    lock_passwd: false
chpasswd:
  expire: false
  users:
    - {name: ${USER}, password: "${USER_PASSWORD}", type: text}
    - {name: root, password: "${ROOT_PASSWORD}", type: text}
ssh_deletekeys: true
ssh_genkeytypes: [${KEY_TYPES.join(', ')}]
`;
const CLOUD_CFG = `# sysprep bench: no network in the guest; take the NoCloud seed and do not look further
datasource_list: [ NoCloud, None ]
`;

interface AgentSize {
  bytes: number;
  apparentBytes: number;
  files: number;
}

interface CloudInitRoot {
  root: string;
  version: string;
  built: boolean;
  buildSeconds?: number;
  /** what the packages apt added (cloud-init and its dependencies) take installed (dpkg Installed-Size) */
  addedBytes: number;
  addedPackages: string[];
}

/** Packages installed in `root` and not in `base`, and their dpkg Installed-Size in bytes. */
function addedPackages(base: string, root: string): { addedBytes: number; addedPackages: string[] } {
  const installed = (r: string) =>
    new Map(
      run('dpkg-query', [`--admindir=${path.join(r, 'var/lib/dpkg')}`, '-W', '-f', '${db:Status-Abbrev}|${Package}|${Installed-Size}\n'])
        .split('\n')
        .filter((l) => l.startsWith('ii'))
        .map((l) => l.split('|'))
        .map(([, name, size]) => [name!, Number(size) * 1024]),
    );
  const before = installed(base);
  const added = [...installed(root)].filter(([name]) => !before.has(name));
  return { addedBytes: added.reduce((sum, [, b]) => sum + b, 0), addedPackages: added.map(([name]) => name).sort() };
}

/**
 * The used root with cloud-init installed by apt in a chroot, cached in BENCH_DIR and rebuilt when the
 * used root was rebuilt or the recipe changed. Never written after it is built (views are overlays).
 */
function cloudInitRoot(used: string): CloudInitRoot {
  fs.mkdirSync(BENCH_DIR, { recursive: true });
  const dir = path.join(BENCH_DIR, `cloud-init-root-${path.basename(used)}`);
  const stampFile = path.join(dir, '.sysprep-bench.json');
  const usedStamp = fs.statSync(path.join(used, '.planted')).mtimeMs;
  const cached = (): CloudInitRoot | undefined => {
    try {
      const m = JSON.parse(fs.readFileSync(stampFile, 'utf8'));
      if (m.usedStamp === usedStamp && m.recipe === CLOUD_INIT_RECIPE) return { root: dir, version: m.version, built: false, ...addedPackages(used, dir) };
    } catch {
      /* not built */
    }
    return undefined;
  };
  const hit = cached();
  if (hit) return hit;
  return withLock(`${dir}.lock`, () => {
    const again = cached();
    if (again) return again;
    const started = Date.now();
    const tmp = `${dir}.building-${process.pid}`;
    note(`building the cloud-init root ${dir} (cp -a of the used root, apt-get install cloud-init in a chroot; once, cached)`);
    fs.rmSync(tmp, { recursive: true, force: true });
    building = tmp;
    run('cp', ['-a', '--', used + '/.', tmp + '/']);
    withChrootMounts(tmp, () => {
      chroot(tmp, ['apt-get', 'update'], undefined, 900_000);
      chroot(tmp, ['apt-get', 'install', '-y', 'cloud-init'], undefined, 1_800_000);
      chroot(tmp, ['apt-get', 'clean']);
    });
    // `cloud-init clean --logs --seed`, by hand (never run cloud-init's own clean on the host side)
    const cloudDir = path.join(tmp, 'var/lib/cloud');
    for (const n of fs.existsSync(cloudDir) ? fs.readdirSync(cloudDir) : []) fs.rmSync(path.join(cloudDir, n), { recursive: true, force: true });
    for (const n of ['cloud-init.log', 'cloud-init-output.log']) fs.rmSync(path.join(tmp, 'var/log', n), { force: true });
    const version = chroot(tmp, ['dpkg-query', '-W', '-f', '${Version}', 'cloud-init']).trim();
    fs.writeFileSync(stampFile.replace(dir, tmp), JSON.stringify({ usedStamp, recipe: CLOUD_INIT_RECIPE, version, source: used }, null, 2) + '\n');
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(tmp, dir);
    building = undefined;
    const buildSeconds = (Date.now() - started) / 1000;
    note(`cloud-init ${version} root built in ${buildSeconds.toFixed(0)} s`);
    return { root: dir, version, built: true, buildSeconds, ...addedPackages(used, dir) };
  });
}

// ---------------------------------------------------------------------------------------------------
// booting and checking

interface UnitTimes {
  /** seconds since boot when the unit began to start (InactiveExit) and became active (ActiveEnter) */
  start: number | null;
  active: number | null;
  state: string;
  /** CPU seconds its processes used (CPUUsageNSec), when systemd accounts for it */
  cpu: number | null;
}

interface Boot {
  variant: Variant;
  round: number;
  /** virtual CPUs of the guest */
  cpus: number;
  /** wall seconds from qemu's start to the ready marker on the serial console */
  wallReady: number;
  /** guest uptime when the ready marker ran */
  uptimeReady: number;
  /** wall seconds to the done marker (after cloud-final) and the guest uptime then */
  wallDone: number;
  uptimeDone: number;
  /** guest uptime when multi-user.target was reached (systemd's own timestamp) */
  multiUser: number | null;
  /** guest uptime when systemd started in the real root (kernel + initrd) */
  userspace: number | null;
  /** seconds the tool's units ran (sum of ActiveEnter - InactiveExit) */
  toolSeconds: number;
  units: Record<string, UnitTimes>;
  failedUnits: string[];
  /** wall seconds until qemu exited */
  qemuSeconds: number;
  loadAverage: number;
  workDone: boolean;
  problems: string[];
  facts: Record<string, string>;
  serialLog: string;
}

const read = (root: string, p: string) => fs.readFileSync(path.join(root, p), 'utf8');

/** Does `password` verify against a crypt(3) hash (libcrypt through python3's crypt module)? */
function verifies(hash: string, password: string): boolean {
  const r = spawnSync('python3', ['-W', 'ignore', '-c', 'import crypt,sys; h=sys.argv[1]; print(crypt.crypt(sys.stdin.read(), h) == h)', hash], {
    input: password,
    encoding: 'utf8',
  });
  return r.stdout.trim() === 'True';
}

function hostKeys(root: string): Record<string, string> {
  const keys: Record<string, string> = {};
  const ssh = path.join(root, 'etc/ssh');
  for (const t of KEY_TYPES) {
    const pub = path.join(ssh, `ssh_host_${t}_key.pub`);
    if (fs.existsSync(pub) && fs.existsSync(path.join(ssh, `ssh_host_${t}_key`))) keys[t] = fs.readFileSync(pub, 'utf8').split(' ')[1] ?? '';
  }
  return keys;
}

/** Check in the powered-off image that the boot did the work. */
function checkWork(variant: Variant, root: string, oldKeys: Record<string, string>): { problems: string[]; facts: Record<string, string> } {
  const problems: string[] = [];
  const facts: Record<string, string> = {};
  const expect = (ok: boolean, what: string) => {
    if (!ok) problems.push(what);
  };
  const hostname = read(root, 'etc/hostname').trim();
  facts.hostname = hostname;
  expect(hostname === HOSTNAME, `hostname is "${hostname}", not ${HOSTNAME}`);
  facts.hosts = read(root, 'etc/hosts').split('\n').filter((l) => l.includes(HOSTNAME)).join(' | ');
  expect(facts.hosts !== '', `/etc/hosts does not name ${HOSTNAME}`);
  const passwd = read(root, 'etc/passwd').split('\n').find((l) => l.startsWith(`${USER}:`));
  facts.passwd = passwd ?? '';
  expect(!!passwd && passwd.includes(`:/home/${USER}:`), `${USER} is not in /etc/passwd with home /home/${USER}`);
  const sudo = read(root, 'etc/group').split('\n').find((l) => l.startsWith('sudo:')) ?? '';
  expect(sudo.split(':')[3]?.split(',').includes(USER) ?? false, `${USER} is not in group sudo`);
  const shadow = (u: string) => read(root, 'etc/shadow').split('\n').find((l) => l.startsWith(`${u}:`))?.split(':')[1] ?? '';
  facts.userHash = shadow(USER).split('$').slice(0, 2).join('$') + '$…';
  expect(verifies(shadow(USER), USER_PASSWORD), `${USER}'s password does not verify against /etc/shadow`);
  expect(verifies(shadow('root'), ROOT_PASSWORD), "root's password does not verify against /etc/shadow");
  expect(fs.existsSync(path.join(root, 'home', USER)), `/home/${USER} is missing`);
  const lt = fs.lstatSync(path.join(root, 'etc/localtime'), { throwIfNoEntry: false });
  facts.localtime = lt?.isSymbolicLink() ? fs.readlinkSync(path.join(root, 'etc/localtime')) : lt ? '(a copy)' : '(missing)';
  expect(path.resolve('/etc', facts.localtime).endsWith(`/zoneinfo/${TIME_ZONE}`), `/etc/localtime -> ${facts.localtime}, not ${TIME_ZONE}`);
  const keys = hostKeys(root);
  facts.hostKeys = Object.keys(keys).join(',');
  for (const t of KEY_TYPES) {
    expect(!!keys[t], `no ${t} host key pair`);
    expect(!keys[t] || keys[t] !== oldKeys[t], `the ${t} host key is the used root's old one`);
  }
  const machineId = read(root, 'etc/machine-id').trim();
  facts.machineId = machineId;
  if (variant !== 'baseline') {
    expect(/^[0-9a-f]{32}$/.test(machineId) && machineId !== GOLDEN_MACHINE_ID, `machine-id is "${machineId}", not a new committed id`);
  }
  if (variant === 'sysprep') {
    const state = read(root, 'var/lib/sysprep/state/State.ini');
    facts.imageState = /IMAGE_STATE_\w+/.exec(state)?.[0] ?? '?';
    expect(facts.imageState === 'IMAGE_STATE_COMPLETE', `image state ${facts.imageState}`);
    const err = path.join(root, 'var/log/sysprep/panther/setuperr.log');
    facts.setuperr = fs.existsSync(err) ? fs.readFileSync(err, 'utf8').trim() : '(missing)';
    expect(facts.setuperr === '', `setuperr.log: ${facts.setuperr.slice(0, 500)}`);
    const log = read(root, 'var/log/sysprep/panther/setupact.log');
    facts.agentRanLocaleGen = String(/locale-gen|compiling in the background/.test(log));
    // the sealed plans were carried out by the runner alone: the Node.js agent did not start
    facts.nodeAgentStarted = String(/Planned at boot|asking on the console/.test(log));
    // what sysprep's host-keys unit says it took (wall; on one vCPU the rest of the boot runs meanwhile)
    facts.keygenWallSeconds = /ssh-host-keys: generated .* in ([\d.]+) s/.exec(log)?.[1] ?? '';
    expect(facts.nodeAgentStarted === 'false', 'the Node.js agent started at first boot (a plan was made at boot)');
  }
  if (variant === 'cloud-init') {
    const result = path.join(root, 'var/lib/cloud/data/result.json');
    try {
      const r = JSON.parse(fs.readFileSync(result, 'utf8'));
      const errors: string[] = r?.v1?.errors ?? [];
      facts.cloudInitDatasource = String(r?.v1?.datasource ?? '?');
      facts.cloudInitErrors = errors.join('; ');
      expect(errors.length === 0, `cloud-init reported errors: ${facts.cloudInitErrors}`);
      expect(/NoCloud/i.test(facts.cloudInitDatasource), `cloud-init's datasource was ${facts.cloudInitDatasource}`);
    } catch (err) {
      problems.push(`no cloud-init result.json: ${(err as Error).message}`);
    }
    // cloud-init's own account of its ssh module (it makes the host keys): start and finish events
    const ciLog = fs.existsSync(path.join(root, 'var/log/cloud-init.log')) ? read(root, 'var/log/cloud-init.log') : '';
    const at = (what: string) => {
      const m = new RegExp(`^(\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d),(\\d{3}) .*${what}: [^\\n]*config-ssh`, 'm').exec(ciLog);
      return m ? Date.parse(`${m[1]!.replace(' ', 'T')}.${m[2]}Z`) : NaN;
    };
    const took = (at('finish') - at('start')) / 1000;
    facts.keygenWallSeconds = Number.isFinite(took) ? took.toFixed(1) : '';
    // /var/lib/cloud/instance is an absolute link: resolve it inside the image, not on the host
    const id = fs.existsSync(path.join(root, 'var/lib/cloud/data/instance-id')) ? read(root, 'var/lib/cloud/data/instance-id').trim() : '';
    expect(!!id && fs.existsSync(path.join(root, 'var/lib/cloud/instances', id, 'boot-finished')), 'cloud-init did not write boot-finished');
  }
  if (variant === 'sysprep' || variant === 'cloud-init') {
    const keygen = keygenCpuSeconds(root);
    expect(!!keygen && keygen.calls > 0, 'the ssh-keygen meter recorded no key generation');
    if (keygen) {
      facts.keygenSeconds = keygen.seconds.toFixed(2);
      facts.keygenCalls = String(keygen.calls);
    }
  }
  return { problems, facts };
}

function parseUnits(serial: string): { units: Record<string, UnitTimes>; userspace: number | null; failed: string[] } {
  const units: Record<string, UnitTimes> = {};
  const sec = (s: string | undefined) => (s && /^\d+$/.test(s) && s !== '0' ? Number(s) / 1e6 : null);
  for (const m of serial.matchAll(/SYSPREP-BENCH-UNIT (\S+) (\d*) (\d*) ([a-z]*) ?(\d*)/g)) {
    // CPU time the unit's processes used (systemd's cgroup accounting), in seconds
    const cpu = m[5] && /^\d+$/.test(m[5]) && m[5].length < 19 ? Number(m[5]) / 1e9 : null;
    units[m[1]!] = { start: sec(m[2]), active: sec(m[3]), state: m[4] ?? '', cpu };
  }
  const mgr = /SYSPREP-BENCH-MANAGER userspace=(\d*) failed=(\S*)/.exec(serial);
  return { units, userspace: sec(mgr?.[1]), failed: (mgr?.[2] ?? '').split(',').filter(Boolean) };
}

async function bootOnce(p: Prepared, round: number, oldKeys: Record<string, string>, cpus: number): Promise<Boot> {
  const image = path.join(p.dir, `run-${cpus}cpu-${round}.raw`);
  run('cp', ['--sparse=always', p.image, image]);
  run('sync', []);
  const serialLog = path.join(p.dir, `serial-${cpus}cpu-${round}.log`);
  const loadAverage = os.loadavg()[0]!;
  const t0 = performance.now();
  const guest = startImage({ image, kernel: p.kernel, initrd: p.initrd, timeoutMs: BOOT_TIMEOUT_MS, logFile: serialLog, cpus });
  const at = (re: RegExp) => guest.waitFor(re, BOOT_TIMEOUT_MS).then((m) => ({ m, wall: (performance.now() - t0) / 1000 }));
  let ready: { m: RegExpExecArray; wall: number };
  let done: { m: RegExpExecArray; wall: number };
  try {
    [ready, done] = await Promise.all([at(/SYSPREP-BENCH-READY uptime=([\d.]+)\r?\n/), at(/SYSPREP-BENCH-DONE uptime=([\d.]+)\r?\n/)]);
  } catch (err) {
    guest.kill();
    await guest.done;
    throw new Error(`${LABEL[p.variant]} boot ${round + 1}: ${(err as Error).message}\n--- serial (last lines, ${serialLog}) ---\n${tail(guest.serial(), 60)}`);
  }
  const result = await guest.done;
  const problems: string[] = [];
  if (!result.exited) problems.push(`the guest did not power off by itself (timed out: ${result.timedOut})`);
  const { units, userspace, failed } = parseUnits(guest.serial());
  const toolSeconds = TOOL_UNITS[p.variant].reduce((sum, u) => {
    const t = units[u];
    return sum + (t?.start != null && t.active != null ? t.active - t.start : 0);
  }, 0);
  const check = withMountedImage(image, { readOnly: true }, (root) => checkWork(p.variant, root, oldKeys));
  problems.push(...check.problems);
  if (problems.length) problems.push(`image kept: ${image}; serial log: ${serialLog}`);
  else if (!KEEP) fs.rmSync(image, { force: true });
  return {
    variant: p.variant,
    round,
    cpus,
    wallReady: ready.wall,
    uptimeReady: Number(ready.m[1]),
    wallDone: done.wall,
    uptimeDone: Number(done.m[1]),
    multiUser: units['multi-user.target']?.active ?? null,
    userspace,
    toolSeconds,
    units,
    failedUnits: failed,
    qemuSeconds: result.seconds,
    loadAverage,
    workDone: check.problems.length === 0,
    problems,
    facts: check.facts,
    serialLog,
  };
}

// ---------------------------------------------------------------------------------------------------
// statistics and report

function median(xs: number[]): number {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

interface Summary {
  boots: number;
  wallReady: number;
  uptimeReady: number;
  multiUser: number;
  wallDone: number;
  uptimeDone: number;
  userspace: number;
  toolSeconds: number;
  wallReadyAll: number[];
  uptimeReadyAll: number[];
  units: Record<string, { start: number; active: number }>;
  workDone: boolean;
}

function summarize(boots: Boot[]): Summary {
  const med = (f: (b: Boot) => number | null) => median(boots.map((b) => f(b) ?? NaN));
  const names = new Set(boots.flatMap((b) => Object.keys(b.units)));
  const units: Summary['units'] = {};
  for (const n of names) {
    const start = med((b) => b.units[n]?.start ?? null);
    const active = med((b) => b.units[n]?.active ?? null);
    if (Number.isFinite(start) || Number.isFinite(active)) units[n] = { start, active };
  }
  return {
    boots: boots.length,
    wallReady: med((b) => b.wallReady),
    uptimeReady: med((b) => b.uptimeReady),
    multiUser: med((b) => b.multiUser),
    wallDone: med((b) => b.wallDone),
    uptimeDone: med((b) => b.uptimeDone),
    userspace: med((b) => b.userspace),
    toolSeconds: med((b) => b.toolSeconds),
    wallReadyAll: boots.map((b) => b.wallReady),
    uptimeReadyAll: boots.map((b) => b.uptimeReady),
    units,
    workDone: boots.length > 0 && boots.every((b) => b.workDone),
  };
}

const f1 = (s: number) => (Number.isFinite(s) ? s.toFixed(1) : '-');
const signed = (s: number) => (Number.isFinite(s) ? `${s >= 0 ? '+' : ''}${s.toFixed(1)}` : '-');
const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;

function table(head: string[], rows: string[][]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

// ---------------------------------------------------------------------------------------------------

const current = new Set<Scratch>();
let building: string | undefined;
function cleanup(): void {
  unmountAll();
  for (const s of current) {
    try {
      s.dispose();
    } catch {
      /* best effort */
    }
  }
  current.clear();
  if (building) fs.rmSync(building, { recursive: true, force: true });
}
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    cleanup();
    process.exit(130);
  });
}

async function main(): Promise<number> {
  const benchStarted = Date.now();
  if (process.getuid?.() !== 0) {
    console.error('the benchmark needs root (overlay and loop mounts, chroot, mkfs.ext4 -d with owners)');
    return 2;
  }
  if (!fs.existsSync(path.join(REPO, 'dist/src/cli/main.js')) || !fs.existsSync(path.join(REPO, 'dist/agent/sysprep.mjs'))) {
    console.error('dist/ is incomplete: build first (npx tsc -p . && node scripts/bundle.mjs)');
    return 2;
  }
  for (const bin of ['qemu-system-x86_64', 'mkfs.ext4', 'chroot', 'python3']) {
    if (spawnSync('sh', ['-c', 'command -v "$1"', 'sh', bin]).status !== 0) {
      console.error(`missing ${bin}`);
      return 2;
    }
  }
  fs.mkdirSync(BENCH_DIR, { recursive: true });

  note('used bookworm root: from the cache, or built when missing');
  const used = usedRoot('bookworm');
  const oldKeys = hostKeys(used);
  const variants: Variant[] = ['baseline', 'sysprep', 'cloud-init', ...(WITH_FIRSTBOOT_BASELINE ? (['firstboot'] as const) : [])];

  // fixtures (untimed)
  const ci = cloudInitRoot(used);
  if (!ci.built) note(`cloud-init ${ci.version} root from the cache: ${ci.root}`);
  const prepared = new Map<Variant, Prepared>();
  let agentSize: AgentSize | undefined;
  note('preparing the images (untimed)');
  prepared.set('baseline', prepareImage('baseline', used, (root) => doTheWorkByHand(root)));
  if (WITH_FIRSTBOOT_BASELINE) {
    prepared.set('firstboot', prepareImage('firstboot', used, (root) => {
      doTheWorkByHand(root);
      uninitializeMachineId(root);
    }));
  }
  prepared.set('sysprep', prepareImage('sysprep', used, (root, dir) => {
    const answer = path.join(dir, 'unattend.xml');
    fs.writeFileSync(answer, ANSWER_FILE, { mode: 0o600 });
    const r = spawnSync(BIN, ['--root', assertScratch(root), '/generalize', '/oobe', `/unattend:${answer}`], { encoding: 'utf8', timeout: 300_000 });
    fs.rmSync(answer, { force: true }); // it holds the passwords in plain text
    if (r.status !== 0) throw new Error(`sysprep /generalize failed (status ${r.status}):\n${r.stdout}${r.stderr}`);
    const agent = path.join(root, 'usr/lib/sysprep');
    agentSize = { bytes: duBytes(agent), apparentBytes: duBytes(agent, true), files: Number(run('find', [agent, '-type', 'f']).trim().split('\n').length) };
  }));
  prepared.set('cloud-init', prepareImage('cloud-init', ci.root, (root) => {
    if (fs.existsSync(path.join(root, 'var/lib/cloud/instance'))) throw new Error('the cached cloud-init root is not clean');
    removeHostKeys(root);
    uninitializeMachineId(root);
    writeFile(root, 'var/lib/cloud/seed/nocloud/meta-data', META_DATA(`bench-${process.pid}-${Date.now()}`));
    writeFile(root, 'var/lib/cloud/seed/nocloud/user-data', USER_DATA, 0o600);
    writeFile(root, 'etc/cloud/cloud.cfg.d/90-sysprep-bench.cfg', CLOUD_CFG);
  }));
  for (const p of prepared.values()) note(`${LABEL[p.variant]}: image ${p.image} (${p.prepareSeconds.toFixed(0)} s)`);

  // timed boots, interleaved in a rotating order; each number of virtual CPUs in rounds of its own
  const loadStart = os.loadavg()[0]!;
  const boots: Boot[] = [];
  const errors: string[] = [];
  for (const cpus of CPU_COUNTS) {
    for (let round = 0; round < BOOTS; round++) {
      const order = variants.map((_, i) => variants[(i + round) % variants.length]!);
      for (const v of order) {
        try {
          const b = await bootOnce(prepared.get(v)!, round, oldKeys, cpus);
          boots.push(b);
          note(
            `${LABEL[v]}, ${cpus} vCPU, boot ${round + 1}/${BOOTS}: ready at ${f1(b.wallReady)} s wall, uptime ${f1(b.uptimeReady)} s ` +
              `(multi-user.target ${f1(b.multiUser ?? NaN)} s, all done ${f1(b.uptimeDone)} s); load ${b.loadAverage.toFixed(2)}; ` +
              (b.problems.length ? `PROBLEMS: ${b.problems.join('; ')}` : 'work verified'),
          );
        } catch (err) {
          errors.push((err as Error).message);
          note(`FAILED: ${(err as Error).message}`);
        }
      }
    }
  }

  // report
  const out: string[] = [''];
  out.push(`first-boot benchmark  ${new Date().toISOString()}`);
  out.push(`machine: ${os.cpus()[0]?.model ?? '?'} x${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB; QEMU TCG, 1 GiB guest, no network`);
  out.push(`versions: ${run(BIN, ['--version']).trim()}, cloud-init ${ci.version}, ${run('qemu-system-x86_64', ['--version']).split('\n')[0]}`);
  out.push(`used root: ${used}`);
  out.push(`every image: systemd-networkd-wait-online masked (no network device)${LOCALE_READY ? `; ${LOCALE} already generated and set (BENCH_LOCALE_READY=0: not)` : '; locale left as in the used root'}`);
  out.push(`load average (1 min): ${loadStart.toFixed(2)} at the first boot, ${os.loadavg()[0]!.toFixed(2)} at the end, on ${os.cpus().length} CPUs`);
  const byCpus: Record<string, unknown> = {};
  let allPass = true;
  for (const cpus of CPU_COUNTS) {
    const r = report(cpus, variants, boots.filter((b) => b.cpus === cpus));
    out.push('', ...r.lines);
    byCpus[String(cpus)] = r.results;
    allPass &&= r.pass;
  }
  if (agentSize) {
    out.push('', `sysprep agent installed in the image: /usr/lib/sysprep ${mib(agentSize.bytes)} on disk (${mib(agentSize.apparentBytes)} apparent, ${agentSize.files} files)`);
  }
  out.push(`cloud-init installed by apt: ${ci.addedPackages.length} packages (python3 among them), ${mib(ci.addedBytes)} (dpkg Installed-Size)`);
  out.push('ready: multi-user.target reached and every unit doing the work finished (a unit After= both printed /proc/uptime).');
  out.push('wall: qemu start to that line on the serial console. multi-user.target: systemd\'s own ActiveEnter timestamp.');
  out.push('all done: also after cloud-final.service. tool units: summed run time of sysprep-specialize/-host-keys/-oobe or cloud-init-local/-init/-config/-final.');
  out.push('added: median minus the baseline\'s median, same number of virtual CPUs.');
  const allVerified = boots.every((b) => b.workDone) && errors.length === 0;
  for (const b of boots.filter((x) => x.problems.length || x.failedUnits.length)) {
    out.push(`${LABEL[b.variant]}, ${b.cpus} vCPU, boot ${b.round + 1}: ${[...b.problems, ...(b.failedUnits.length ? [`failed units: ${b.failedUnits.join(' ')}`] : [])].join('; ')}`);
  }
  for (const e of errors) out.push(`boot failed: ${e}`);
  const totalSeconds = (Date.now() - benchStarted) / 1000;
  out.push(`whole benchmark: ${(totalSeconds / 60).toFixed(1)} min`);

  const results = {
    date: new Date().toISOString(),
    machine: { cpu: os.cpus()[0]?.model ?? '?', cpus: os.cpus().length, memGiB: Math.round(os.totalmem() / 2 ** 30), kernel: os.release() },
    loadAverage: { start: loadStart, end: os.loadavg()[0] },
    versions: { sysprep: run(BIN, ['--version']).trim(), cloudInit: ci.version, qemu: run('qemu-system-x86_64', ['--version']).split('\n')[0], node: process.version },
    usedRoot: used,
    cloudInitRoot: ci.root,
    cloudInitAddedBytes: ci.addedBytes,
    cloudInitAddedPackages: ci.addedPackages,
    sysprepAgent: agentSize ?? null,
    work: { hostname: HOSTNAME, user: USER, timeZone: TIME_ZONE, hostKeyTypes: KEY_TYPES, rootPassword: true },
    method: {
      timing: 'wall: qemu start to the ready marker on the serial console; uptime: /proc/uptime in the marker unit (After=multi-user.target and every unit doing the work)',
      common: `every image: systemd-networkd-wait-online.service masked (no network device)${LOCALE_READY ? `; ${LOCALE} generated and set as LANG beforehand` : ''}; the two marker units`,
      baseline: 'work done by hand in a chroot before boot; machine-id unchanged',
      sysprep: `${BIN} --root R /generalize /oobe /unattend:FILE`,
      cloudInit: 'apt-get install -y cloud-init in a chroot (cached); clean --logs --seed by hand; machine-id uninitialized; host keys removed; NoCloud seed; datasource_list [NoCloud, None]',
      firstboot: WITH_FIRSTBOOT_BASELINE ? 'baseline + machine-id uninitialized (informational)' : null,
      bootsPerVariant: BOOTS,
      cpuCounts: CPU_COUNTS,
      order: 'for each number of virtual CPUs, rounds interleave the variants in a rotating order',
    },
    byCpus,
    target: { fraction: TARGET_FRACTION, pass: allPass, allVerified },
    boots,
    errors,
    totalSeconds,
  };
  fs.writeFileSync(RESULTS, JSON.stringify(results, null, 2) + '\n');
  out.push(`results: ${RESULTS}`);
  console.log(out.join('\n'));

  // the serial logs stay (the JSON names them); the images go unless something needs looking at
  for (const p of prepared.values()) {
    if (!allVerified || KEEP) continue;
    for (const f of [p.image, p.kernel, p.initrd]) fs.rmSync(f, { force: true });
  }
  if (!allVerified || KEEP) note(`images and serial logs kept under ${WORK_DIR}/fbbench-*`);
  return allVerified ? 0 : 1;
}

/** The table, the added times and the verdict for the boots with one number of virtual CPUs. */
function report(cpus: number, variants: Variant[], boots: Boot[]): { lines: string[]; results: unknown; pass: boolean } {
  const sum = new Map<Variant, Summary>(variants.map((v) => [v, summarize(boots.filter((b) => b.variant === v))]));
  const base = sum.get('baseline')!;
  const added = (v: Variant, key: 'wallReady' | 'uptimeReady', ref: Summary = base) => sum.get(v)![key] - ref[key];
  const addedSysprep = added('sysprep', 'wallReady');
  const addedCloudInit = added('cloud-init', 'wallReady');
  const ratio = addedSysprep / addedCloudInit;
  const ratioUptime = added('sysprep', 'uptimeReady') / added('cloud-init', 'uptimeReady');
  const fb = sum.get('firstboot');
  const ratioOverFirstboot = fb ? added('sysprep', 'wallReady', fb) / added('cloud-init', 'wallReady', fb) : undefined;
  const verified = variants.every((v) => sum.get(v)!.workDone);
  const pass = Number.isFinite(ratio) && addedCloudInit > 0 && ratio <= TARGET_FRACTION && verified;
  const lines: string[] = [`--- ${cpus} virtual CPU${cpus > 1 ? 's' : ''} ---`];
  const rows = variants.map((v) => {
    const s = sum.get(v)!;
    const isBase = v === 'baseline';
    return [
      LABEL[v],
      String(s.boots),
      f1(s.wallReady),
      f1(s.uptimeReady),
      f1(s.multiUser),
      f1(s.uptimeDone),
      isBase ? '-' : signed(s.wallReady - base.wallReady),
      isBase ? '-' : signed(s.uptimeReady - base.uptimeReady),
      TOOL_UNITS[v].length ? f1(s.toolSeconds) : '-',
      s.boots ? (s.workDone ? 'yes' : 'NO') : '-',
    ];
  });
  lines.push(
    ...table(
      ['variant (medians, seconds)', 'boots', 'wall to ready', 'uptime at ready', 'multi-user.target', 'all done', 'added wall', 'added uptime', 'tool units', 'work verified'],
      rows,
    ),
  );
  lines.push('per boot (wall to ready): ' + variants.map((v) => `${LABEL[v]} ${sum.get(v)!.wallReadyAll.map(f1).join(', ')}`).join('; '));
  for (const v of ['sysprep', 'cloud-init'] as const) {
    const s = sum.get(v)!;
    const parts = TOOL_UNITS[v].filter((u) => s.units[u]).map((u) => `${u.replace('.service', '')} ${f1(s.units[u]!.start)}→${f1(s.units[u]!.active)}`);
    lines.push(`${v} units (uptime start→active, medians): ${parts.join(', ') || '-'}`);
  }
  const cpuOf = (v: Variant) => median(boots.filter((b) => b.variant === v).map((b) => TOOL_UNITS[v].reduce((sum, u) => sum + (b.units[u]?.cpu ?? NaN), 0)));
  lines.push(`CPU time of the tool's units (medians, systemd's accounting): sysprep ${f1(cpuOf('sysprep'))} s, cloud-init ${f1(cpuOf('cloud-init'))} s`);
  lines.push(`sysprep added ${signed(addedSysprep)} s, cloud-init added ${signed(addedCloudInit)} s (wall, to ready)`);
  lines.push(`ratio sysprep added / cloud-init added: ${Number.isFinite(ratio) ? ratio.toFixed(3) : '-'} (wall); ${Number.isFinite(ratioUptime) ? ratioUptime.toFixed(3) : '-'} (guest uptime)`);
  if (fb && ratioOverFirstboot !== undefined) {
    lines.push(
      `informational, over the systemd-first-boot baseline: sysprep ${signed(added('sysprep', 'wallReady', fb))} s, cloud-init ${signed(added('cloud-init', 'wallReady', fb))} s, ratio ${Number.isFinite(ratioOverFirstboot) ? ratioOverFirstboot.toFixed(3) : '-'}`,
    );
  }
  // both tools make the same host keys, and ssh-keygen's RSA key alone takes seconds at random: the
  // ratio without it tells the tools' own overhead apart from that shared, unavoidable cost
  const keygen = (v: Variant) => median(boots.filter((b) => b.variant === v).map((b) => Number(b.facts.keygenSeconds || NaN)));
  const perBoot = (v: Variant, fact: string) => boots.filter((b) => b.variant === v).map((b) => b.facts[fact] || '-').join(', ');
  const ownSysprep = addedSysprep - keygen('sysprep');
  const ownCloudInit = addedCloudInit - keygen('cloud-init');
  lines.push(`host key generation, CPU seconds of ssh-keygen -t/-A (one meter in both, medians): sysprep ${f1(keygen('sysprep'))} s, cloud-init ${f1(keygen('cloud-init'))} s; ` +
    `per boot: sysprep ${perBoot('sysprep', 'keygenSeconds')}; cloud-init ${perBoot('cloud-init', 'keygenSeconds')}`);
  lines.push(`  wall, as each tool logs it: sysprep's host-keys unit ${perBoot('sysprep', 'keygenWallSeconds')}; cloud-init's ssh module ${perBoot('cloud-init', 'keygenWallSeconds')}`);
  lines.push(`added without the host key generation's CPU seconds: sysprep ${signed(ownSysprep)} s, cloud-init ${signed(ownCloudInit)} s, ratio ${Number.isFinite(ownSysprep / ownCloudInit) ? (ownSysprep / ownCloudInit).toFixed(3) : '-'}` +
    (cpus > 1 ? ' (with several vCPUs the keys may be made beside other work, so this subtracts more than they added)' : ''));
  lines.push(`target (${cpus} vCPU): sysprep adds at most 1/5 of what cloud-init adds: ${pass ? 'PASS' : 'FAIL'}${verified ? '' : ' (NOT ALL BOOTS VERIFIED)'}`);
  return {
    lines,
    pass,
    results: {
      summary: Object.fromEntries(variants.map((v) => [v, sum.get(v)])),
      added: { sysprepWall: addedSysprep, cloudInitWall: addedCloudInit, sysprepUptime: added('sysprep', 'uptimeReady'), cloudInitUptime: added('cloud-init', 'uptimeReady') },
      ratio,
      ratioUptime,
      ratioOverFirstbootBaseline: ratioOverFirstboot ?? null,
      keygen: { sysprep: keygen('sysprep'), cloudInit: keygen('cloud-init') },
      addedWithoutKeygen: { sysprep: ownSysprep, cloudInit: ownCloudInit, ratio: ownSysprep / ownCloudInit },
      pass,
    },
  };
}

main().then(
  (code) => process.exit(code),
  (err) => {
    cleanup();
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);
