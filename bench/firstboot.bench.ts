/**
 * First-boot benchmark (issues 4 and 15): the same used bookworm root booted in QEMU (TCG) several
 * ways in one run, each doing the same work (host name, one user with a password plus root's
 * password, time zone, new SSH host keys), timed from power-on (qemu start) to ready.
 *
 *   floor       the work any first-boot tool must do, and nothing else: machine-id "uninitialized"
 *               (systemd's first boot), the host name, hosts file and time zone written before boot,
 *               and two plain units placed where the work is needed: one makes the user (useradd)
 *               and sets both passwords with one chpasswd before logins are allowed
 *               (systemd-user-sessions.service), the other makes the host keys with the same
 *               ssh-keygen calls sysprep makes (-q -N '' -t TYPE -C root@HOST -f FILE, one per type)
 *               as soon as the root is writable, before sshd only. What a tool adds above this is
 *               its own.
 *   sysprep     `bin/sysprep --root R /generalize /oobe /unattend:FILE`; the answer file (ComputerName,
 *               TimeZone, International-Core, a LocalAccount with a password, AdministratorPassword,
 *               HideEULAPage, Reseal OOBE) is carried out at first boot by the plans the seal made
 *               (the check fails when the Node.js agent had to start).
 *   cloud-init  cloud-init installed into a copy of the root with apt in a chroot (cached under
 *               $CACHE/bench/, so reruns skip apt), the equivalent of `cloud-init clean --logs --seed`,
 *               machine-id "uninitialized", host keys removed, a NoCloud seed in
 *               /var/lib/cloud/seed/nocloud/ and `datasource_list: [ NoCloud, None ]`.
 *   baseline    (informational; BENCH_BASELINE=0 leaves it out) no first boot at all: the work done
 *               by hand in a chroot before boot, the machine-id left as it is.
 *
 * What is reported, for each number of virtual CPUs (issue 15):
 *   (a) wall time from power-on to ready above the floor: each tool's boot minus the floor's boot of
 *       the same round (rounds interleave the variants), median and spread; the target is sysprep's
 *       at most a fifth of cloud-init's.
 *   (b) the CPU time of the tool's own units (systemd's accounting) with the metered shared commands
 *       taken out: every image's ssh-keygen, chpasswd and useradd are wrappers that log their CPU seconds
 *       (bench/lib/meter.ts), the same in every variant; the target is sysprep's at most a tenth of
 *       cloud-init's.
 *   (c) how long each tool keeps sysinit.target, the login gate (systemd-user-sessions.service), sshd
 *       and multi-user.target waiting: systemd's own ActiveEnter timestamps, minus the floor's, and
 *       `systemd-analyze critical-chain` of sshd and multi-user.target in the guest.
 *
 * How time is measured, the same for all variants: two oneshot units are added to every image
 * (bench/lib/boot.ts). sysprep-bench-ready.service (WantedBy= and After=multi-user.target, and After=
 * every unit that does the work) prints `/proc/uptime` on the console as soon as multi-user.target is
 * reached *and* the work is done (cloud-config.service, which sets the time zone and the passwords, is
 * not ordered before multi-user.target). The headline figure is that moment: wall seconds from qemu's
 * start until the marker shows on the serial console. sysprep-bench-done.service (After= the first and
 * cloud-final.service) then prints the systemd timestamps and CPU times of the units involved and the
 * critical chains, and powers the guest off. After power-off the image is mounted and the work
 * checked (hostname, user and passwords against the shadow hashes, time zone link, new host keys, and
 * each tool's own status).
 *
 * Variants are interleaved round by round (the machine is shared, and TCG boots are CPU-bound), in a
 * rotating order; each number of virtual CPUs in rounds of its own (2 runs TCG multi-threaded, which on
 * a two-core host shares the cores with QEMU's own threads).
 *
 * Results: a table on stdout and JSON in $SYSPREP_TEST_CACHE/bench/firstboot-latest.json.
 * Environment: BENCH_BOOTS (boots per variant, default 5), BENCH_CPUS (default "1,2"),
 * BENCH_BOOT_TIMEOUT (seconds, default 600), BENCH_BASELINE=0 (leave out the informational
 * baseline), BENCH_LOCALE_READY=0 (see commonPreparation), BENCH_KEEP=1 (keep the images).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { withMountedImage } from '../test/fixtures/disk-image.js';
import { GOLDEN_MACHINE_ID } from '../test/fixtures/lived-in.js';
import { usedRoot } from '../test/fixtures/used-root.js';
import { BIN } from '../test/harness/sysprep.js';
import { BootImage, prepareBootImage } from './lib/boot-image.js';
import { installMarkers, TimedBoot, timedBoot, UnitTimes } from './lib/boot.js';
import { assertScratch, chroot, withChrootMounts, writeFile } from './lib/chroot.js';
import { CloudInitRoot, cloudInitRoot } from './lib/cloud-init-root.js';
import { duBytes, fileCount, hostKeys, readFile, readIfExists, shadowHash, verifies } from './lib/inspect.js';
import { installMeter, metered, type Metering } from './lib/meter.js';
import { note, runBenchmark } from './lib/process.js';
import { f1, f3, mib, signed, table, writeResults } from './lib/report.js';
import { run, sparseCopy } from './lib/run.js';
import { BENCH_DIR, positiveInt, WORK_DIR } from './lib/settings.js';
import { median, rotation, spread } from './lib/stats.js';
import { load, machine, refused, requireBuilt, requireCommands, requireRoot } from './lib/system.js';

const BOOTS = positiveInt(process.env.BENCH_BOOTS, 5);
/** virtual CPUs of the guest: each count is measured in rounds of its own (BENCH_CPUS, default "1,2") */
const CPU_COUNTS = (process.env.BENCH_CPUS ?? '1,2').split(',').map((c) => positiveInt(c.trim(), 1)).filter((c, i, all) => all.indexOf(c) === i);
const BOOT_TIMEOUT_MS = positiveInt(process.env.BENCH_BOOT_TIMEOUT, 600) * 1000;
const WITH_BASELINE = process.env.BENCH_BASELINE !== '0';
const LOCALE_READY = process.env.BENCH_LOCALE_READY !== '0';
const KEEP = process.env.BENCH_KEEP === '1';
const LOCALE = 'en_US.UTF-8';
/** issue 15's targets: sysprep's wall time above the floor at most this fraction of cloud-init's */
const TARGET_WALL = 0.2;
/** … and the CPU time of its own units (the metered shared commands taken out) at most this fraction */
const TARGET_CPU = 0.1;

// ---------------------------------------------------------------------------------------------------
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

/** the host name, the hosts file and the time zone, written before boot (baseline and floor) */
function nameAndZoneByHand(root: string): void {
  writeFile(root, 'etc/hostname', `${HOSTNAME}\n`);
  const hosts = readFile(root, 'etc/hosts').split('\n').filter((l) => !/^127\.0\.1\.1\s/.test(l));
  hosts.splice(1, 0, `127.0.1.1\t${HOSTNAME}`);
  writeFile(root, 'etc/hosts', hosts.join('\n'));
  const localtime = path.join(root, 'etc/localtime');
  fs.rmSync(localtime, { force: true });
  fs.symlinkSync(`/usr/share/zoneinfo/${TIME_ZONE}`, localtime);
  writeFile(root, 'etc/timezone', `${TIME_ZONE}\n`);
}

/** baseline: all the work done by hand in a chroot before boot */
function doTheWorkByHand(root: string): void {
  nameAndZoneByHand(root);
  withChrootMounts(root, () => {
    chroot(root, ['useradd', '-m', '-c', USER_GECOS, '-G', 'sudo', '-s', '/bin/bash', USER]);
    chroot(root, ['chpasswd'], `${USER}:${USER_PASSWORD}\nroot:${ROOT_PASSWORD}\n`);
    removeHostKeys(root);
    chroot(root, ['ssh-keygen', '-A']);
  });
}

/**
 * floor: the work that must happen at boot, by two plain units placed where it is needed and no
 * earlier: the account and the passwords before logins are allowed (systemd-user-sessions.service),
 * the host keys as soon as the root is writable and before sshd only.
 */
const FLOOR_UNITS = ['sysprep-bench-floor-accounts.service', 'sysprep-bench-floor-keys.service'];
const FLOOR_ACCOUNTS = `#!/bin/sh
# sysprep bench: the floor's account and passwords (bench/firstboot.bench.ts)
set -e
useradd -m -c '${USER_GECOS}' -G sudo -s /bin/bash ${USER}
printf '%s\\n' '${USER}:${USER_PASSWORD}' 'root:${ROOT_PASSWORD}' | chpasswd
`;
const FLOOR_KEYS = `#!/bin/sh
# sysprep bench: the floor's host keys, the same ssh-keygen calls as sysprep's (bench/firstboot.bench.ts)
set -e
for t in ${KEY_TYPES.join(' ')}; do
  ssh-keygen -q -N '' -t "$t" -C 'root@${HOSTNAME}' -f "/etc/ssh/ssh_host_\${t}_key" </dev/null >/dev/null
done
`;
const floorUnit = (what: string, order: string, exec: string) => `[Unit]
Description=sysprep bench: the floor (${what})
${order}

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/local/lib/sysprep-bench/${exec}

[Install]
WantedBy=multi-user.target
`;
function floorPreparation(root: string): void {
  nameAndZoneByHand(root);
  removeHostKeys(root);
  uninitializeMachineId(root);
  writeFile(root, 'usr/local/lib/sysprep-bench/floor-accounts', FLOOR_ACCOUNTS, 0o700);
  writeFile(root, 'usr/local/lib/sysprep-bench/floor-keys', FLOOR_KEYS, 0o700);
  writeFile(root, `etc/systemd/system/${FLOOR_UNITS[0]}`, floorUnit('account, passwords', 'Before=systemd-user-sessions.service ssh.service multi-user.target', 'floor-accounts'));
  writeFile(root, `etc/systemd/system/${FLOOR_UNITS[1]}`,
    floorUnit('host keys', 'DefaultDependencies=no\nAfter=systemd-remount-fs.service\nBefore=ssh.service shutdown.target\nConflicts=shutdown.target', 'floor-keys'));
  const wants = path.join(root, 'etc/systemd/system/multi-user.target.wants');
  fs.mkdirSync(wants, { recursive: true });
  for (const u of FLOOR_UNITS) fs.symlinkSync(`/etc/systemd/system/${u}`, path.join(wants, u));
}

/** sysprep: the same work in an answer file */
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

/** cloud-init: the same work in a NoCloud seed */
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

// ---------------------------------------------------------------------------------------------------
// the variants

type Variant = 'baseline' | 'floor' | 'sysprep' | 'cloud-init';

interface VariantSpec {
  label: string;
  /** units whose run time is the tool's own */
  toolUnits: string[];
  /** the root its image is made from: the used root, or the used root with cloud-init installed */
  from: 'used' | 'cloud-init';
  /** its own steps on (an overlay of) that root, after commonPreparation; `dir` is the image's directory */
  prepare(root: string, dir: string): void;
}

/** what sysprep's agent takes in the image (measured while the sysprep image is prepared) */
interface AgentSize {
  bytes: number;
  apparentBytes: number;
  files: number;
}
let agentSize: AgentSize | undefined;

const VARIANTS: Record<Variant, VariantSpec> = {
  baseline: { label: 'baseline (no first boot)', toolUnits: [], from: 'used', prepare: doTheWorkByHand },
  floor: { label: 'floor', toolUnits: FLOOR_UNITS, from: 'used', prepare: floorPreparation },
  sysprep: {
    label: 'sysprep',
    toolUnits: ['sysprep-specialize.service', 'sysprep-host-keys.service', 'sysprep-oobe.service'],
    from: 'used',
    prepare(root, dir) {
      const answer = path.join(dir, 'unattend.xml');
      fs.writeFileSync(answer, ANSWER_FILE, { mode: 0o600 });
      const r = spawnSync(BIN, ['--root', assertScratch(root), '/generalize', '/oobe', `/unattend:${answer}`], { encoding: 'utf8', timeout: 300_000 });
      fs.rmSync(answer, { force: true }); // it holds the passwords in plain text
      if (r.status !== 0) throw new Error(`sysprep /generalize failed (status ${r.status}):\n${r.stdout}${r.stderr}`);
      const agent = path.join(root, 'usr/lib/sysprep');
      agentSize = { bytes: duBytes(agent), apparentBytes: duBytes(agent, true), files: fileCount(agent) };
    },
  },
  'cloud-init': {
    label: 'cloud-init',
    toolUnits: ['cloud-init-local.service', 'cloud-init.service', 'cloud-config.service', 'cloud-final.service'],
    from: 'cloud-init',
    prepare(root) {
      if (fs.existsSync(path.join(root, 'var/lib/cloud/instance'))) throw new Error('the cached cloud-init root is not clean');
      removeHostKeys(root);
      uninitializeMachineId(root);
      writeFile(root, 'var/lib/cloud/seed/nocloud/meta-data', META_DATA(`bench-${process.pid}-${Date.now()}`));
      writeFile(root, 'var/lib/cloud/seed/nocloud/user-data', USER_DATA, 0o600);
      writeFile(root, 'etc/cloud/cloud.cfg.d/90-sysprep-bench.cfg', CLOUD_CFG);
    },
  },
};
const LABEL = (v: Variant) => VARIANTS[v].label;
const TOOL_UNITS = (v: Variant) => VARIANTS[v].toolUnits;

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

/**
 * The same for every variant, before its own steps: the guest has no network device, so nothing may
 * wait for one (systemd's first boot presets enable systemd-networkd-wait-online.service along with
 * systemd-networkd; pulled in by cloud-config.service's Wants=network-online.target it would hold
 * cloud-init.service for its two-minute timeout); ssh-keygen, chpasswd and useradd are metered (bench/lib/meter.ts);
 * and the locale the answer file's International-Core names (en-US) is already generated and set, as
 * on an installed system, so that locale work (which is not part of the work compared) costs neither
 * tool anything: sysprep's agent runs locale-gen only for a locale that is missing, cloud-init's
 * locale module only when it differs from the system's. BENCH_LOCALE_READY=0 leaves the locale as the
 * used root has it (no LANG, only C.UTF-8).
 */
function commonPreparation(root: string): void {
  const mask = path.join(assertScratch(root), 'etc/systemd/system/systemd-networkd-wait-online.service');
  fs.rmSync(mask, { force: true });
  fs.symlinkSync('/dev/null', mask);
  installMeter(root);
  if (!LOCALE_READY) return;
  const gen = readIfExists(root, 'etc/locale.gen');
  const re = new RegExp(`^#\\s*${LOCALE.replace('.', '\\.')} UTF-8$`, 'm');
  writeFile(root, 'etc/locale.gen', re.test(gen) ? gen.replace(re, `${LOCALE} UTF-8`) : `${gen.trimEnd()}\n${LOCALE} UTF-8\n`);
  withChrootMounts(root, () => chroot(root, ['locale-gen']));
  writeFile(root, 'etc/default/locale', `LANG=${LOCALE}\n`);
}

/** What the marker units wait for and report (bench/lib/boot.ts). */
const MARKERS = {
  // cloud-config.service, which sets the time zone and the passwords, is not ordered before multi-user.target
  readyAfter: [...FLOOR_UNITS, ...TOOL_UNITS('sysprep'), ...TOOL_UNITS('cloud-init').filter((u) => u !== 'cloud-final.service')],
  doneAfter: ['cloud-final.service', 'cloud-init.target', 'first-boot-complete.target'],
  reported: [
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
    'systemd-user-sessions.service',
    ...FLOOR_UNITS,
    ...TOOL_UNITS('sysprep'),
    ...TOOL_UNITS('cloud-init'),
    'sysprep-bench-ready.service',
  ],
  chains: ['ssh.service', 'systemd-user-sessions.service', 'multi-user.target'],
};

type Prepared = BootImage & { variant: Variant };

function prepareImage(variant: Variant, lower: string): Prepared {
  const image = prepareBootImage(`fbbench-${variant}`, lower, (root, dir) => {
    commonPreparation(root);
    VARIANTS[variant].prepare(root, dir);
    installMarkers(root, MARKERS);
  });
  return { variant, ...image };
}

// ---------------------------------------------------------------------------------------------------
// checking the work, in the powered-off image

interface Check {
  problems: string[];
  facts: Record<string, string>;
  expect(ok: boolean, what: string): void;
}

function checkWork(variant: Variant, root: string, oldKeys: Record<string, string>): { problems: string[]; facts: Record<string, string>; meter: Metering | undefined } {
  const problems: string[] = [];
  const c: Check = { problems, facts: {}, expect: (ok, what) => void (ok || problems.push(what)) };
  checkCommonWork(c, variant, root, oldKeys);
  if (variant === 'sysprep') checkSysprep(c, root);
  if (variant === 'cloud-init') checkCloudInit(c, root);
  let meter: Metering | undefined;
  if (variant !== 'baseline') {
    meter = metered(root);
    c.expect(!!meter && meter.keygen.calls > 0, 'the meter recorded no key generation');
    c.expect(!!meter && meter.chpasswd.calls > 0, 'the meter recorded no chpasswd');
    if (meter) {
      c.facts.keygenSeconds = meter.keygen.seconds.toFixed(2);
      c.facts.keygenCalls = String(meter.keygen.calls);
      c.facts.chpasswdSeconds = meter.chpasswd.seconds.toFixed(2);
      c.facts.useraddSeconds = meter.useradd.seconds.toFixed(2);
    }
  }
  return { problems: c.problems, facts: c.facts, meter };
}

/** host name, user, passwords, time zone, new host keys, machine-id */
function checkCommonWork({ facts, expect }: Check, variant: Variant, root: string, oldKeys: Record<string, string>): void {
  const hostname = readFile(root, 'etc/hostname').trim();
  facts.hostname = hostname;
  expect(hostname === HOSTNAME, `hostname is "${hostname}", not ${HOSTNAME}`);
  facts.hosts = readFile(root, 'etc/hosts').split('\n').filter((l) => l.includes(HOSTNAME)).join(' | ');
  expect(facts.hosts !== '', `/etc/hosts does not name ${HOSTNAME}`);
  const passwd = readFile(root, 'etc/passwd').split('\n').find((l) => l.startsWith(`${USER}:`));
  facts.passwd = passwd ?? '';
  expect(!!passwd && passwd.includes(`:/home/${USER}:`), `${USER} is not in /etc/passwd with home /home/${USER}`);
  const sudo = readFile(root, 'etc/group').split('\n').find((l) => l.startsWith('sudo:')) ?? '';
  expect(sudo.split(':')[3]?.split(',').includes(USER) ?? false, `${USER} is not in group sudo`);
  facts.userHash = shadowHash(root, USER).split('$').slice(0, 2).join('$') + '$…';
  expect(verifies(shadowHash(root, USER), USER_PASSWORD), `${USER}'s password does not verify against /etc/shadow`);
  expect(verifies(shadowHash(root, 'root'), ROOT_PASSWORD), "root's password does not verify against /etc/shadow");
  expect(fs.existsSync(path.join(root, 'home', USER)), `/home/${USER} is missing`);
  const lt = fs.lstatSync(path.join(root, 'etc/localtime'), { throwIfNoEntry: false });
  facts.localtime = lt?.isSymbolicLink() ? fs.readlinkSync(path.join(root, 'etc/localtime')) : lt ? '(a copy)' : '(missing)';
  expect(path.resolve('/etc', facts.localtime).endsWith(`/zoneinfo/${TIME_ZONE}`), `/etc/localtime -> ${facts.localtime}, not ${TIME_ZONE}`);
  const keys = hostKeys(root, KEY_TYPES);
  facts.hostKeys = Object.keys(keys).join(',');
  for (const t of KEY_TYPES) {
    expect(!!keys[t], `no ${t} host key pair`);
    expect(!keys[t] || keys[t] !== oldKeys[t], `the ${t} host key is the used root's old one`);
  }
  const machineId = readFile(root, 'etc/machine-id').trim();
  facts.machineId = machineId;
  if (variant !== 'baseline') {
    expect(/^[0-9a-f]{32}$/.test(machineId) && machineId !== GOLDEN_MACHINE_ID, `machine-id is "${machineId}", not a new committed id`);
  }
}

/** sysprep's own status: the image state, no setup errors, the sealed plans run without the Node.js agent */
function checkSysprep({ facts, expect }: Check, root: string): void {
  const state = readFile(root, 'var/lib/sysprep/state/State.ini');
  facts.imageState = /IMAGE_STATE_\w+/.exec(state)?.[0] ?? '?';
  expect(facts.imageState === 'IMAGE_STATE_COMPLETE', `image state ${facts.imageState}`);
  const err = path.join(root, 'var/log/sysprep/panther/setuperr.log');
  facts.setuperr = fs.existsSync(err) ? fs.readFileSync(err, 'utf8').trim() : '(missing)';
  expect(facts.setuperr === '', `setuperr.log: ${facts.setuperr.slice(0, 500)}`);
  const log = readFile(root, 'var/log/sysprep/panther/setupact.log');
  facts.agentRanLocaleGen = String(/locale-gen|compiling in the background/.test(log));
  // the sealed plans were carried out by the runner alone: the Node.js agent did not start
  facts.nodeAgentStarted = String(/Planned at boot|asking on the console/.test(log));
  // what sysprep's host-keys unit says it took (wall; on one vCPU the rest of the boot runs meanwhile)
  facts.keygenWallSeconds = /ssh-host-keys: generated .* in ([\d.]+) s/.exec(log)?.[1] ?? '';
  expect(facts.nodeAgentStarted === 'false', 'the Node.js agent started at first boot (a plan was made at boot)');
}

/** cloud-init's own status: no errors, the NoCloud datasource, boot-finished; its ssh module's time */
function checkCloudInit({ problems, facts, expect }: Check, root: string): void {
  try {
    const r = JSON.parse(readFile(root, 'var/lib/cloud/data/result.json'));
    const errors: string[] = r?.v1?.errors ?? [];
    facts.cloudInitDatasource = String(r?.v1?.datasource ?? '?');
    facts.cloudInitErrors = errors.join('; ');
    expect(errors.length === 0, `cloud-init reported errors: ${facts.cloudInitErrors}`);
    expect(/NoCloud/i.test(facts.cloudInitDatasource), `cloud-init's datasource was ${facts.cloudInitDatasource}`);
  } catch (err) {
    problems.push(`no cloud-init result.json: ${(err as Error).message}`);
  }
  // cloud-init's own account of its ssh module (it makes the host keys): start and finish events
  const ciLog = readIfExists(root, 'var/log/cloud-init.log');
  const at = (what: string) => {
    const m = new RegExp(`^(\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d),(\\d{3}) .*${what}: [^\\n]*config-ssh`, 'm').exec(ciLog);
    return m ? Date.parse(`${m[1]!.replace(' ', 'T')}.${m[2]}Z`) : NaN;
  };
  const took = (at('finish') - at('start')) / 1000;
  facts.keygenWallSeconds = Number.isFinite(took) ? took.toFixed(1) : '';
  // /var/lib/cloud/instance is an absolute link: resolve it inside the image, not on the host
  const id = readIfExists(root, 'var/lib/cloud/data/instance-id').trim();
  expect(!!id && fs.existsSync(path.join(root, 'var/lib/cloud/instances', id, 'boot-finished')), 'cloud-init did not write boot-finished');
}

// ---------------------------------------------------------------------------------------------------
// one boot

interface Boot extends Omit<TimedBoot, 'problems'> {
  variant: Variant;
  round: number;
  /** virtual CPUs of the guest */
  cpus: number;
  /** guest uptime when multi-user.target was reached (systemd's own timestamp) */
  multiUser: number | null;
  /** seconds the tool's units ran (sum of ActiveEnter - InactiveExit) */
  toolSeconds: number;
  /** CPU seconds of the tool's units (systemd's accounting) */
  toolCpu: number;
  /** CPU seconds of the metered shared commands (ssh-keygen, chpasswd) */
  meteredCpu: number;
  /** toolCpu minus meteredCpu: the tool's own */
  ownCpu: number;
  workDone: boolean;
  problems: string[];
  facts: Record<string, string>;
  serialLog: string;
}

/** Boot a fresh copy of the variant's image, timed (bench/lib/boot.ts), then check the work in it. */
async function bootOnce(p: Prepared, round: number, oldKeys: Record<string, string>, cpus: number): Promise<Boot> {
  const image = path.join(p.dir, `run-${cpus}cpu-${round}.raw`);
  sparseCopy(p.image, image);
  const serialLog = path.join(p.dir, `serial-${cpus}cpu-${round}.log`);
  const t = await timedBoot({ image, kernel: p.kernel, initrd: p.initrd, cpus, timeoutMs: BOOT_TIMEOUT_MS, serialLog, label: `${LABEL(p.variant)} boot ${round + 1}` });
  const check = withMountedImage(image, { readOnly: true }, (root) => checkWork(p.variant, root, oldKeys));
  const problems = [...t.problems, ...check.problems];
  if (problems.length) problems.push(`image kept: ${image}; serial log: ${serialLog}`);
  else if (!KEEP) fs.rmSync(image, { force: true });
  const ran = (u: UnitTimes | undefined) => (u?.start != null && u.active != null ? u.active - u.start : 0);
  const toolCpu = TOOL_UNITS(p.variant).reduce((sum, u) => sum + (t.units[u]?.cpu ?? NaN), 0);
  const meteredCpu = check.meter ? check.meter.keygen.seconds + check.meter.chpasswd.seconds + check.meter.useradd.seconds : NaN;
  return {
    variant: p.variant,
    round,
    cpus,
    wallReady: t.wallReady,
    uptimeReady: t.uptimeReady,
    wallDone: t.wallDone,
    uptimeDone: t.uptimeDone,
    multiUser: t.units['multi-user.target']?.active ?? null,
    userspace: t.userspace,
    toolSeconds: TOOL_UNITS(p.variant).reduce((sum, u) => sum + ran(t.units[u]), 0),
    toolCpu,
    meteredCpu,
    ownCpu: toolCpu - meteredCpu,
    chain: t.chain,
    units: t.units,
    failedUnits: t.failedUnits,
    qemuSeconds: t.qemuSeconds,
    loadAverage: t.loadAverage,
    workDone: check.problems.length === 0,
    problems,
    facts: check.facts,
    serialLog,
  };
}

// ---------------------------------------------------------------------------------------------------
// the run: images made (untimed), then the boots, interleaved

async function main(): Promise<number> {
  const benchStarted = Date.now();
  const cannot = refused(
    () => requireRoot('overlay and loop mounts, chroot, mkfs.ext4 -d with owners'),
    () => requireBuilt(['dist/src/cli/main.js', 'dist/agent/sysprep.mjs'], 'dist/ is incomplete: build first (npx tsc -p . && node scripts/bundle.mjs)'),
    () => requireCommands(['qemu-system-x86_64', 'mkfs.ext4', 'chroot', 'python3']),
  );
  if (cannot) return 2;
  fs.mkdirSync(BENCH_DIR, { recursive: true });

  note('used bookworm root: from the cache, or built when missing');
  const used = usedRoot('bookworm');
  const oldKeys = hostKeys(used, KEY_TYPES);
  const variants: Variant[] = ['floor', 'sysprep', 'cloud-init', ...(WITH_BASELINE ? (['baseline'] as const) : [])];

  // fixtures (untimed)
  const ci = cloudInitRoot(used);
  if (!ci.built) note(`cloud-init ${ci.version} root from the cache: ${ci.root}`);
  const prepared = prepareImages(variants, used, ci);

  const loadStart = load();
  const { boots, errors } = await bootRounds(variants, prepared, oldKeys);

  const allVerified = boots.every((b) => b.workDone) && errors.length === 0;
  console.log(finalReport({ used, ci, variants, boots, errors, loadStart, allVerified, totalSeconds: (Date.now() - benchStarted) / 1000 }).join('\n'));

  // the serial logs stay (the JSON names them); the images go unless something needs looking at
  for (const p of prepared.values()) {
    if (!allVerified || KEEP) continue;
    for (const f of [p.image, p.kernel, p.initrd]) fs.rmSync(f, { force: true });
  }
  if (!allVerified || KEEP) note(`images and serial logs kept under ${WORK_DIR}/fbbench-*`);
  return allVerified ? 0 : 1;
}

function prepareImages(variants: Variant[], used: string, ci: CloudInitRoot): Map<Variant, Prepared> {
  note('preparing the images (untimed)');
  const prepared = new Map<Variant, Prepared>();
  for (const v of ['baseline', 'floor', 'sysprep', 'cloud-init'] as const) {
    if (variants.includes(v)) prepared.set(v, prepareImage(v, VARIANTS[v].from === 'used' ? used : ci.root));
  }
  for (const p of prepared.values()) note(`${LABEL(p.variant)}: image ${p.image} (${p.prepareSeconds.toFixed(0)} s)`);
  return prepared;
}

/** The timed boots, interleaved in a rotating order; each number of virtual CPUs in rounds of its own. */
async function bootRounds(variants: Variant[], prepared: Map<Variant, Prepared>, oldKeys: Record<string, string>): Promise<{ boots: Boot[]; errors: string[] }> {
  const boots: Boot[] = [];
  const errors: string[] = [];
  for (const cpus of CPU_COUNTS) {
    for (let round = 0; round < BOOTS; round++) {
      for (const v of rotation(variants, round)) {
        try {
          const b = await bootOnce(prepared.get(v)!, round, oldKeys, cpus);
          boots.push(b);
          note(
            `${LABEL(v)}, ${cpus} vCPU, boot ${round + 1}/${BOOTS}: ready at ${f1(b.wallReady)} s wall, uptime ${f1(b.uptimeReady)} s ` +
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
  return { boots, errors };
}

// ---------------------------------------------------------------------------------------------------
// the report

interface Run {
  used: string;
  ci: CloudInitRoot;
  variants: Variant[];
  boots: Boot[];
  errors: string[];
  loadStart: number;
  allVerified: boolean;
  totalSeconds: number;
}

/** The whole report: a section per number of virtual CPUs, then what applies to all; writes the JSON. */
function finalReport(r: Run): string[] {
  const m = machine();
  const versions = { sysprep: run(BIN, ['--version']).trim(), cloudInit: r.ci.version, qemu: run('qemu-system-x86_64', ['--version']).split('\n')[0], node: process.version };
  const out: string[] = [''];
  out.push(`first-boot benchmark  ${new Date().toISOString()}`);
  out.push(`machine: ${m.cpu} x${m.cpus}, ${m.memGiB} GiB; QEMU TCG, 1 GiB guest, no network`);
  out.push(`versions: ${versions.sysprep}, cloud-init ${versions.cloudInit}, ${versions.qemu}`);
  out.push(`used root: ${r.used}`);
  out.push(`every image: systemd-networkd-wait-online masked (no network device)${LOCALE_READY ? `; ${LOCALE} already generated and set (BENCH_LOCALE_READY=0: not)` : '; locale left as in the used root'}; ssh-keygen, chpasswd and useradd metered`);
  out.push(`load average (1 min): ${r.loadStart.toFixed(2)} at the first boot, ${load().toFixed(2)} at the end, on ${m.cpus} CPUs`);
  const byCpus: Record<string, unknown> = {};
  let allPass = true;
  for (const cpus of CPU_COUNTS) {
    const section = report(cpus, r.variants, r.boots.filter((b) => b.cpus === cpus));
    out.push('', ...section.lines);
    byCpus[String(cpus)] = section.results;
    allPass &&= section.pass;
  }
  if (agentSize) {
    out.push('', `sysprep agent installed in the image: /usr/lib/sysprep ${mib(agentSize.bytes)} on disk (${mib(agentSize.apparentBytes)} apparent, ${agentSize.files} files)`);
  }
  out.push(`cloud-init installed by apt: ${r.ci.addedPackages.length} packages (python3 among them), ${mib(r.ci.addedBytes)} (dpkg Installed-Size)`);
  out.push('ready: multi-user.target reached and every unit doing the work finished (a unit After= both printed /proc/uptime); wall: qemu start to that line on the serial console.');
  out.push('above the floor: each boot minus the floor\'s boot of the same round, median [min, max]. own CPU: the tool units\' CPU (systemd\'s accounting) minus the metered ssh-keygen, chpasswd and useradd.');
  out.push('waits: systemd\'s ActiveEnter timestamp of the unit (guest uptime), median, minus the floor\'s median.');
  for (const b of r.boots.filter((x) => x.problems.length || x.failedUnits.length)) {
    out.push(`${LABEL(b.variant)}, ${b.cpus} vCPU, boot ${b.round + 1}: ${[...b.problems, ...(b.failedUnits.length ? [`failed units: ${b.failedUnits.join(' ')}`] : [])].join('; ')}`);
  }
  for (const e of r.errors) out.push(`boot failed: ${e}`);
  out.push(`whole benchmark: ${(r.totalSeconds / 60).toFixed(1)} min`);
  const file = writeResults('firstboot', resultsJson(r, versions, byCpus, allPass));
  out.push(`results: ${file}`);
  return out;
}

function resultsJson(r: Run, versions: object, byCpus: Record<string, unknown>, allPass: boolean): object {
  const { kernel, ...m } = machine();
  return {
    date: new Date().toISOString(),
    machine: { ...m, kernel },
    loadAverage: { start: r.loadStart, end: load() },
    versions,
    usedRoot: r.used,
    cloudInitRoot: r.ci.root,
    cloudInitAddedBytes: r.ci.addedBytes,
    cloudInitAddedPackages: r.ci.addedPackages,
    sysprepAgent: agentSize ?? null,
    work: { hostname: HOSTNAME, user: USER, timeZone: TIME_ZONE, hostKeyTypes: KEY_TYPES, rootPassword: true },
    method: {
      timing: 'wall: qemu start to the ready marker on the serial console; uptime: /proc/uptime in the marker unit (After=multi-user.target and every unit doing the work)',
      common: `every image: systemd-networkd-wait-online.service masked (no network device)${LOCALE_READY ? `; ${LOCALE} generated and set as LANG beforehand` : ''}; ssh-keygen, chpasswd and useradd metered; the two marker units`,
      floor: `machine-id uninitialized; host name, hosts and time zone written before boot; ${FLOOR_UNITS[0]} (before systemd-user-sessions.service): useradd, one chpasswd; ${FLOOR_UNITS[1]} (after systemd-remount-fs, before ssh.service): ssh-keygen -q -N '' -t TYPE per type`,
      sysprep: `${BIN} --root R /generalize /oobe /unattend:FILE`,
      cloudInit: 'apt-get install -y cloud-init in a chroot (cached); clean --logs --seed by hand; machine-id uninitialized; host keys removed; NoCloud seed; datasource_list [NoCloud, None]',
      baseline: WITH_BASELINE ? 'work done by hand in a chroot before boot; machine-id unchanged (informational)' : null,
      aboveFloor: 'per round: the tool\'s boot minus the floor\'s boot of the same round',
      ownCpu: 'CPUUsageNSec of the tool\'s units minus the CPU seconds of the metered ssh-keygen, chpasswd and useradd calls',
      bootsPerVariant: BOOTS,
      cpuCounts: CPU_COUNTS,
      order: 'for each number of virtual CPUs, rounds interleave the variants in a rotating order',
    },
    byCpus,
    target: { wall: TARGET_WALL, cpu: TARGET_CPU, pass: allPass, allVerified: r.allVerified },
    boots: r.boots,
    errors: r.errors,
    totalSeconds: r.totalSeconds,
  };
}

/** A median and its spread over the boots. */
interface Spread {
  median: number;
  min: number;
  max: number;
  all: number[];
}
function spreadOf(xs: number[]): Spread {
  const finite = xs.filter((x) => Number.isFinite(x));
  return { median: median(finite), ...(finite.length ? spread(finite) : { min: NaN, max: NaN }), all: xs };
}
const fmtSpread = (s: Spread, sign = false): string => `${(sign ? signed : f1)(s.median)} [${f1(s.min)}, ${f1(s.max)}]`;

/** the units whose ActiveEnter tells how long a tool keeps them waiting (target c) */
const WAITED_ON = ['sysinit.target', 'systemd-user-sessions.service', 'ssh.service', 'multi-user.target'] as const;

interface VariantSummary {
  boots: number;
  wallReady: Spread;
  uptimeReady: Spread;
  toolCpu: Spread;
  meteredCpu: Spread;
  ownCpu: Spread;
  /** ActiveEnter (guest uptime) of the waited-on units */
  activeAt: Record<string, Spread>;
  units: Record<string, { start: number; active: number; cpu: number }>;
  workDone: boolean;
}

function summarize(boots: Boot[]): VariantSummary {
  const of = (f: (b: Boot) => number | null | undefined) => spreadOf(boots.map((b) => f(b) ?? NaN));
  const names = new Set(boots.flatMap((b) => Object.keys(b.units)));
  const units: VariantSummary['units'] = {};
  for (const n of names) {
    const m = (f: (u: UnitTimes) => number | null) => median(boots.map((b) => (b.units[n] ? f(b.units[n]!) ?? NaN : NaN)));
    units[n] = { start: m((u) => u.start), active: m((u) => u.active), cpu: m((u) => u.cpu) };
  }
  return {
    boots: boots.length,
    wallReady: of((b) => b.wallReady),
    uptimeReady: of((b) => b.uptimeReady),
    toolCpu: of((b) => b.toolCpu),
    meteredCpu: of((b) => b.meteredCpu),
    ownCpu: of((b) => b.ownCpu),
    activeAt: Object.fromEntries(WAITED_ON.map((u) => [u, of((b) => b.units[u]?.active)])),
    units,
    workDone: boots.length > 0 && boots.every((b) => b.workDone),
  };
}

/** Each of a tool's boots minus the floor's boot of the same round (the same load, the same moment). */
function aboveFloor(boots: Boot[], v: Variant, key: 'wallReady' | 'uptimeReady'): Spread {
  const floor = new Map(boots.filter((b) => b.variant === 'floor').map((b) => [b.round, b[key]]));
  return spreadOf(boots.filter((b) => b.variant === v && floor.has(b.round)).map((b) => b[key] - floor.get(b.round)!));
}

/** The table, the three measures and the verdicts for the boots with one number of virtual CPUs. */
function report(cpus: number, variants: Variant[], boots: Boot[]): { lines: string[]; results: unknown; pass: boolean } {
  const sum = new Map<Variant, VariantSummary>(variants.map((v) => [v, summarize(boots.filter((b) => b.variant === v))]));
  const floor = sum.get('floor')!;
  // (a) wall time above the floor
  const wall = { sysprep: aboveFloor(boots, 'sysprep', 'wallReady'), cloudInit: aboveFloor(boots, 'cloud-init', 'wallReady') };
  const uptime = { sysprep: aboveFloor(boots, 'sysprep', 'uptimeReady'), cloudInit: aboveFloor(boots, 'cloud-init', 'uptimeReady') };
  const wallRatio = Math.max(0, wall.sysprep.median) / wall.cloudInit.median;
  // (b) own CPU
  const own = { sysprep: sum.get('sysprep')!.ownCpu, cloudInit: sum.get('cloud-init')!.ownCpu };
  const cpuRatio = Math.max(0, own.sysprep.median) / own.cloudInit.median;
  // (c) waits
  const waits = Object.fromEntries(
    (['sysprep', 'cloud-init'] as const).map((v) => [v, Object.fromEntries(WAITED_ON.map((u) => [u, sum.get(v)!.activeAt[u]!.median - floor.activeAt[u]!.median]))]),
  ) as Record<'sysprep' | 'cloud-init', Record<string, number>>;
  const verified = variants.every((v) => sum.get(v)!.workDone);
  const passWall = Number.isFinite(wallRatio) && wall.cloudInit.median > 0 && wallRatio <= TARGET_WALL;
  const passCpu = Number.isFinite(cpuRatio) && own.cloudInit.median > 0 && cpuRatio <= TARGET_CPU;
  const pass = passWall && passCpu && verified;

  const lines: string[] = [`--- ${cpus} virtual CPU${cpus > 1 ? 's' : ''} ---`];
  const head = ['variant (seconds: median [min, max])', 'boots', 'wall to ready', 'tool units CPU', 'metered CPU', 'own CPU', 'sysinit', 'logins', 'sshd', 'multi-user', 'verified'];
  lines.push(...table(head, variants.map((v) => {
    const s = sum.get(v)!;
    const tool = VARIANTS[v].toolUnits.length > 0;
    return [LABEL(v), String(s.boots), fmtSpread(s.wallReady), tool ? fmtSpread(s.toolCpu) : '-', v === 'baseline' ? '-' : fmtSpread(s.meteredCpu), tool ? fmtSpread(s.ownCpu) : '-',
      ...WAITED_ON.map((u) => f1(s.activeAt[u]!.median)), s.boots ? (s.workDone ? 'yes' : 'NO') : '-'];
  }), { rule: true }));
  lines.push(`per boot, wall to ready: ${variants.map((v) => `${LABEL(v)} ${sum.get(v)!.wallReady.all.map(f1).join(', ')}`).join('; ')}`);
  lines.push(`(a) above the floor, wall to ready: sysprep ${fmtSpread(wall.sysprep, true)} s, cloud-init ${fmtSpread(wall.cloudInit, true)} s; ratio of medians ${f3(wallRatio)} (target <= ${TARGET_WALL}): ${passWall ? 'PASS' : 'FAIL'}`);
  lines.push(`    guest uptime at ready, above the floor: sysprep ${fmtSpread(uptime.sysprep, true)} s, cloud-init ${fmtSpread(uptime.cloudInit, true)} s`);
  lines.push(`(b) own CPU (units minus metered ssh-keygen/chpasswd/useradd): sysprep ${fmtSpread(own.sysprep)} s, cloud-init ${fmtSpread(own.cloudInit)} s; ratio ${f3(cpuRatio)} (target <= ${TARGET_CPU}): ${passCpu ? 'PASS' : 'FAIL'}`);
  lines.push(`    floor unit CPU ${fmtSpread(floor.toolCpu)} s, of which metered ${fmtSpread(floor.meteredCpu)} s`);
  lines.push(`(c) kept waiting, ActiveEnter minus the floor's (median): ` + (['sysprep', 'cloud-init'] as const).map((v) => `${v}: ${WAITED_ON.map((u) => `${u} ${signed(waits[v][u]!)}`).join(', ')}`).join('; '));
  for (const v of ['sysprep', 'cloud-init'] as const) {
    const s = sum.get(v)!;
    const parts = VARIANTS[v].toolUnits.filter((u) => s.units[u]).map((u) => `${u.replace('.service', '')} ${f1(s.units[u]!.start)}→${f1(s.units[u]!.active)} (${f1(s.units[u]!.cpu)} s CPU)`);
    lines.push(`    ${v} units (uptime start→active, medians): ${parts.join(', ') || '-'}`);
  }
  const last = (v: Variant) => boots.filter((b) => b.variant === v).at(-1);
  for (const v of ['floor', 'sysprep', 'cloud-init'] as const) {
    const b = last(v);
    if (b?.chain.length) lines.push(`    critical chain, ${LABEL(v)} (its last boot):`, ...b.chain.map((l) => `      ${l}`));
  }
  lines.push(`targets (${cpus} vCPU): (a) ${passWall ? 'PASS' : 'FAIL'}, (b) ${passCpu ? 'PASS' : 'FAIL'}${verified ? '' : ' (NOT ALL BOOTS VERIFIED)'}`);
  return {
    lines,
    pass,
    results: {
      summary: Object.fromEntries(variants.map((v) => [v, sum.get(v)])),
      aboveFloor: { wall, uptime, ratio: wallRatio, pass: passWall },
      ownCpu: { ...own, ratio: cpuRatio, pass: passCpu },
      waits,
      chains: Object.fromEntries((['floor', 'sysprep', 'cloud-init'] as const).map((v) => [v, last(v)?.chain ?? []])),
      pass,
    },
  };
}

runBenchmark(main);
