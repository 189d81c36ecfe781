/**
 * Drivers and offline servicing (SPEC 11): kernel modules, DKMS sources, firmware and driver packages
 * put into a target with the target's own tools, the way DISM /Add-Driver services a Windows image.
 *
 * A PATH is classified first (nothing changes until every PATH of the request is understood):
 *
 *   - a package: `.deb` (dpkg roots) or `.rpm` (rpm roots), or a directory of them. Installed in a
 *     chroot with the target's package manager (apt-get, which resolves dependencies from the
 *     target's configured archives when they are reachable and from the other packages given;
 *     dpkg -i without apt). A package whose maintainer script fails is purged again (with what apt
 *     installed for it) and the run fails with the package's own message (exit 1).
 *   - a module: a `.ko` (or `.ko.xz`, `.ko.zst`, `.ko.gz`), or a directory holding only modules. It goes
 *     to /lib/modules/KVER/updates/ for every installed kernel whose release its `vermagic` names
 *     (`modinfo -F vermagic`), then `depmod -a KVER`. A module built for no installed kernel is refused
 *     (exit 2, nothing changed).
 *   - a DKMS source tree: a directory with a dkms.conf. Copied to /usr/src/NAME-VERSION, then
 *     `dkms add`, `dkms build` and `dkms install` for every installed kernel that has its headers.
 *   - firmware: any other file (to /lib/firmware/NAME) or directory (its tree under /lib/firmware/).
 *
 * The initramfs of a kernel is rebuilt with the target's tool (update-initramfs, dracut, mkinitcpio)
 * when a module it must carry changed: one marked to load at boot (`--load-at-boot`: modules-load.d and
 * the initramfs tool's module list), one the tool's module list names, or one the current initramfs
 * already carries (a newer storage or network driver); and when firmware it carries changed.
 *
 * Every changed path goes through the RootFs (its change listener: the log and --json); what the
 * target's programs changed (dpkg, depmod, dkms, the initramfs) is recorded after them from what they
 * wrote. A dry run classifies and checks everything the same way and reports what it would install.
 */
import { spawnSync } from 'node:child_process';
import * as nodefs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { driverPathAdvice, driverPathCandidates, isWindowsPath } from '../answer-file/driver-paths.js';
import { describeError, environmentError, SysprepError, usageError } from '../model/errors.js';
import type { RootFs } from '../rootfs/rootfs.js';
import { runInTarget } from './chroot.js';
import type { PantherLog } from './panther.js';

// ------------------------------------------------------------------------------------------------
// classification

export type DriverKind = 'package' | 'module' | 'dkms' | 'firmware';

export interface PackageItem {
  kind: 'package';
  /** host path of the package file */
  file: string;
  format: 'deb' | 'rpm';
  /** Package name and version, as the package says (dpkg-deb -f; rpm: the file name) */
  name: string;
  version: string;
}

export interface ModuleItem {
  kind: 'module';
  file: string;
  /** the module's name (modinfo -F name, or the file name without .ko) */
  name: string;
  vermagic: string;
  /** the kernel release vermagic names */
  release: string;
}

export interface DkmsItem {
  kind: 'dkms';
  /** host directory of the source tree (holds dkms.conf) */
  dir: string;
  name: string;
  version: string;
}

export interface FirmwareItem {
  kind: 'firmware';
  /** host path of the file or directory */
  source: string;
  /** (host file, path under /lib/firmware) */
  files: { file: string; rel: string }[];
}

export type DriverItem = PackageItem | ModuleItem | DkmsItem | FirmwareItem;

/** What a PATH of the command line or of DriverPaths is, item by item. */
export interface Classified {
  path: string;
  items: DriverItem[];
}

const MODULE_FILE = /\.ko(\.(xz|zst|gz))?$/;

function tool(cmd: string, args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 16 << 20 });
  if (r.error) throw environmentError(`sysprep drivers needs ${cmd} on this machine: ${r.error.message}`);
  return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: (r.stderr ?? '').trim() };
}

function magic(file: string, length: number): Buffer {
  const fd = nodefs.openSync(file, 'r');
  try {
    const b = Buffer.alloc(length);
    const n = nodefs.readSync(fd, b, 0, length, 0);
    return b.subarray(0, n);
  } finally {
    nodefs.closeSync(fd);
  }
}

const isDeb = (file: string) => file.endsWith('.deb') || magic(file, 21).toString('latin1') === '!<arch>\ndebian-binary';
const isRpm = (file: string) => file.endsWith('.rpm') || magic(file, 4).equals(Buffer.from([0xed, 0xab, 0xee, 0xdb]));

function packageItem(file: string): PackageItem {
  if (isRpm(file) && !file.endsWith('.deb')) {
    return { kind: 'package', file, format: 'rpm', name: path.basename(file).replace(/\.rpm$/, ''), version: '' };
  }
  const r = tool('dpkg-deb', ['-f', file, 'Package', 'Version']);
  if (r.status !== 0) throw usageError(`${file}: not a Debian package dpkg-deb can read (${r.stderr || `status ${r.status}`}): give a .deb file`);
  const f = Object.fromEntries(r.stdout.split('\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]));
  return { kind: 'package', file, format: 'deb', name: f.Package ?? path.basename(file), version: f.Version ?? '' };
}

function moduleItem(file: string): ModuleItem {
  const r = tool('modinfo', ['-F', 'vermagic', file]);
  const vermagic = r.stdout.trim();
  if (r.status !== 0 || !vermagic) throw usageError(`${file}: not a kernel module modinfo can read (${r.stderr || 'no vermagic'}): give a module built for the image's kernel`);
  const n = tool('modinfo', ['-F', 'name', file]).stdout.trim();
  return { kind: 'module', file, name: n || path.basename(file).replace(MODULE_FILE, ''), vermagic, release: vermagic.split(/\s+/)[0]! };
}

/** `KEY=value` or `KEY="value"` of a dkms.conf (a shell fragment; read, never sourced). */
export function dkmsConfValue(text: string, key: string): string | undefined {
  const m = new RegExp(`^\\s*${key}=(.*)$`, 'm').exec(text);
  if (!m) return undefined;
  return m[1]!.trim().replace(/^(["'])(.*)\1$/, '$2');
}

function dkmsItem(dir: string): DkmsItem {
  const text = nodefs.readFileSync(path.join(dir, 'dkms.conf'), 'utf8');
  const name = dkmsConfValue(text, 'PACKAGE_NAME');
  const version = dkmsConfValue(text, 'PACKAGE_VERSION');
  const ok = (v: string | undefined) => v !== undefined && /^[A-Za-z0-9][A-Za-z0-9._+~-]*$/.test(v);
  if (!ok(name) || !ok(version)) {
    throw usageError(`${path.join(dir, 'dkms.conf')}: PACKAGE_NAME and PACKAGE_VERSION must be set to plain values (letters, digits, . _ + ~ -); found ${JSON.stringify(name ?? null)} and ${JSON.stringify(version ?? null)}`);
  }
  return { kind: 'dkms', dir, name: name!, version: version! };
}

function walkFiles(dir: string, rel = ''): { file: string; rel: string }[] {
  const out: { file: string; rel: string }[] = [];
  for (const name of nodefs.readdirSync(path.join(dir, rel)).sort()) {
    const r = rel ? `${rel}/${name}` : name;
    const st = nodefs.lstatSync(path.join(dir, r));
    if (st.isDirectory()) out.push(...walkFiles(dir, r));
    else if (st.isFile()) out.push({ file: path.join(dir, r), rel: r });
  }
  return out;
}

/**
 * What a host path is. Throws a usage error (exit 2) for a path that does not exist or that is
 * nothing sysprep can install. Reads only.
 */
export function classifyPath(p: string): Classified {
  let st: nodefs.Stats;
  try {
    st = nodefs.statSync(p);
  } catch (err) {
    throw usageError(`${p}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : describeError(err)}; give a package, a directory of packages, a .ko module, a DKMS source tree or firmware`);
  }
  if (st.isFile()) {
    if (MODULE_FILE.test(p)) return { path: p, items: [moduleItem(p)] };
    if (isDeb(p) || isRpm(p)) return { path: p, items: [packageItem(p)] };
    return { path: p, items: [{ kind: 'firmware', source: p, files: [{ file: p, rel: path.basename(p) }] }] };
  }
  if (!st.isDirectory()) throw usageError(`${p}: neither a file nor a directory`);
  if (nodefs.existsSync(path.join(p, 'dkms.conf'))) return { path: p, items: [dkmsItem(p)] };
  const names = nodefs.readdirSync(p).sort();
  const files = names.map((n) => path.join(p, n)).filter((f) => nodefs.statSync(f).isFile());
  const packages = files.filter((f) => f.endsWith('.deb') || f.endsWith('.rpm'));
  const modules = files.filter((f) => MODULE_FILE.test(f));
  if (packages.length || modules.length) {
    return { path: p, items: [...packages.map(packageItem), ...modules.map(moduleItem)] };
  }
  const fw = walkFiles(p);
  if (!fw.length) throw usageError(`${p}: an empty directory; give packages, modules, a DKMS tree (dkms.conf) or firmware files`);
  return { path: p, items: [{ kind: 'firmware', source: p, files: fw }] };
}

/** One line for people: what an item installs. */
export function describeItem(item: DriverItem): string {
  switch (item.kind) {
    case 'package': return `${item.format} package ${item.name}${item.version ? ` ${item.version}` : ''} (${path.basename(item.file)}), with the target's package manager`;
    case 'module': return `kernel module ${item.name} for kernel ${item.release}, to /lib/modules/${item.release}/updates/`;
    case 'dkms': return `DKMS source ${item.name} ${item.version}, built with dkms for every kernel with headers`;
    case 'firmware': return item.files.length === 1 ? `firmware ${item.files[0]!.rel}, to /lib/firmware/` : `${item.files.length} firmware files, to /lib/firmware/`;
  }
}

// ------------------------------------------------------------------------------------------------
// the target

export type PackageFormat = 'deb' | 'rpm';
export type InitramfsTool = 'initramfs-tools' | 'dracut' | 'mkinitcpio';

/** The kernels with modules installed in the target (/lib/modules/KVER with a kernel/ tree or modules.order). */
export function installedKernels(fs: RootFs): string[] {
  return fs.list('/lib/modules')
    .filter((k) => fs.isDirectory(`/lib/modules/${k}/kernel`) || fs.isFile(`/lib/modules/${k}/modules.order`))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

export function packageFormat(fs: RootFs): PackageFormat | undefined {
  if (fs.isDirectory('/var/lib/dpkg/info')) return 'deb';
  if (fs.isDirectory('/var/lib/rpm') || fs.isDirectory('/usr/lib/sysimage/rpm')) return 'rpm';
  return undefined;
}

const hasProgram = (fs: RootFs, names: string[]) => names.some((n) => fs.isFile(n));

export function initramfsTool(fs: RootFs): InitramfsTool | undefined {
  if (hasProgram(fs, ['/usr/sbin/update-initramfs', '/sbin/update-initramfs'])) return 'initramfs-tools';
  if (hasProgram(fs, ['/usr/bin/dracut', '/usr/sbin/dracut'])) return 'dracut';
  if (hasProgram(fs, ['/usr/bin/mkinitcpio'])) return 'mkinitcpio';
  return undefined;
}

/** The initramfs file of a kernel, as the target's tool names it. */
export function initramfsFile(fs: RootFs, kver: string): string | undefined {
  const candidates = [`/boot/initrd.img-${kver}`, `/boot/initramfs-${kver}.img`, `/boot/initrd-${kver}`, '/boot/initramfs-linux.img'];
  return candidates.find((c) => fs.isFile(c));
}

/** Module names the initramfs of a kernel carries (empty when it cannot be listed). */
export function initramfsModules(fs: RootFs, kver: string): Set<string> {
  const file = initramfsFile(fs, kver);
  const t = initramfsTool(fs);
  if (!file || !t) return new Set();
  const lister = t === 'initramfs-tools' ? ['lsinitramfs', file] : t === 'dracut' ? ['lsinitrd', file] : ['lsinitcpio', file];
  const r = runInTarget(fs, lister, { timeoutMs: 120_000 });
  if (r.status !== 0) return new Set();
  const out = new Set<string>();
  for (const line of r.output.split('\n')) {
    const m = /([^/\s]+)\.ko(\.(xz|zst|gz))?$/.exec(line.trim());
    if (m) out.add(m[1]!.replace(/-/g, '_'));
    const fw = /(?:^|\/)lib\/firmware\/(\S+)$/.exec(line.trim());
    if (fw) out.add(`firmware:${fw[1]}`);
  }
  return out;
}

/** The modules the initramfs tool is configured to add (its module list). */
export function initramfsListedModules(fs: RootFs): Set<string> {
  const names = new Set<string>();
  const add = (n: string) => n && names.add(n.replace(/-/g, '_'));
  for (const line of (fs.readText('/etc/initramfs-tools/modules') ?? '').split('\n')) {
    const w = line.trim().split(/\s+/)[0];
    if (w && !w.startsWith('#')) add(w);
  }
  for (const f of fs.glob('/etc/dracut.conf.d/*.conf')) {
    for (const m of (fs.readText(f) ?? '').matchAll(/^\s*(?:add_drivers|force_drivers)\+?=\s*"([^"]*)"/gm)) m[1]!.split(/\s+/).forEach(add);
  }
  for (const f of ['/etc/mkinitcpio.conf', ...fs.glob('/etc/mkinitcpio.conf.d/*.conf')]) {
    for (const m of (fs.readText(f) ?? '').matchAll(/^\s*MODULES\+?=\(([^)]*)\)/gm)) m[1]!.split(/\s+/).forEach(add);
  }
  return names;
}

// ------------------------------------------------------------------------------------------------
// adding

export interface AddOptions {
  /** load these modules at every boot, from the initramfs (modules-load.d and the initramfs module list) */
  loadAtBoot: boolean;
  /**
   * load the added modules and DKMS modules into the running kernel after depmod, as Windows' PnP
   * starts a driver it installs at audit time: only when the target is the running system and the
   * module went to the running kernel's tree (the agent's DriverPaths in auditSystem). A module that
   * does not load is a note, not a failure: it is installed and loads at the next boot if it can.
   */
  loadNow?: boolean;
  log: PantherLog;
}

export interface AddedItem {
  path: string;
  kind: DriverKind;
  what: string;
  /** kernels it went to (modules, DKMS) */
  kernels: string[];
}

export interface AddResult {
  added: AddedItem[];
  /** kernels whose initramfs was (or would be) rebuilt */
  initramfs: string[];
  notes: string[];
  /** modules loaded into the running kernel (loadNow) */
  loaded?: string[];
}

/** Where drivers add keeps what it added (read by drivers list). */
export const DRIVERS_RECORD = '/var/lib/sysprep/drivers.json';
/** Where packages wait inside the target while its package manager installs them. */
const INCOMING = '/var/lib/sysprep/drivers-incoming';
const LOAD_AT_BOOT_CONF = '/etc/modules-load.d/sysprep-drivers.conf';

export interface DriversRecordEntry {
  addedAt: string;
  source: string;
  kind: DriverKind;
  what: string;
  kernels: string[];
  loadAtBoot: boolean;
}

function fatal(message: string): SysprepError {
  return new SysprepError('fatal', message);
}

/**
 * Everything a request would install, checked against the target before anything changes: package
 * formats against its package manager, modules against its kernels, DKMS against dkms being there.
 * Throws a usage (exit 2) or environment (exit 3) error; returns the items with their kernels.
 */
export function checkAgainstTarget(fs: RootFs, classified: Classified[]): Map<DriverItem, string[]> {
  const kernels = installedKernels(fs);
  const format = packageFormat(fs);
  const out = new Map<DriverItem, string[]>();
  for (const c of classified) {
    for (const item of c.items) {
      if (item.kind === 'package') {
        if (!format) throw environmentError(`${item.file}: the target has no package manager sysprep knows (no dpkg or rpm database)`);
        if (item.format !== format) {
          const family = format === 'deb' ? 'a Debian-family root (dpkg)' : 'an RPM-based root';
          throw usageError(`${item.file} is ${item.format === 'rpm' ? 'an RPM' : 'a Debian'} package, but the target is ${family}: give the ${format === 'deb' ? '.deb' : '.rpm'} build of this driver`);
        }
        out.set(item, []);
      } else if (item.kind === 'module') {
        const match = kernels.filter((k) => k === item.release);
        if (!match.length) {
          throw usageError(`${item.file}: module ${item.name} was built for kernel ${item.release} (vermagic "${item.vermagic}"), ` +
            `but the target's kernels are ${kernels.join(', ') || '(none)'}: build it against one of them (its linux-headers) or give its DKMS source tree; nothing was installed`);
        }
        out.set(item, match);
      } else if (item.kind === 'dkms') {
        if (!hasProgram(fs, ['/usr/sbin/dkms', '/usr/bin/dkms', '/sbin/dkms'])) {
          throw environmentError(`${item.dir}: the target has no dkms to build ${item.name} ${item.version}: add the dkms package first (its .deb with sysprep drivers add, or the image's package manager)`);
        }
        const withHeaders = kernels.filter((k) => fs.exists(`/lib/modules/${k}/build/Makefile`));
        if (!withHeaders.length) {
          throw environmentError(`${item.dir}: none of the target's kernels (${kernels.join(', ') || 'none'}) has its headers to build ${item.name} against: install linux-headers for them first`);
        }
        out.set(item, withHeaders);
      } else {
        out.set(item, []);
      }
    }
  }
  return out;
}

/** Files and mtimes under the module trees drivers land in (updates/, extra/), and the initramfs files. */
function driverTreeSnapshot(fs: RootFs): Map<string, string> {
  const out = new Map<string, string>();
  for (const k of fs.list('/lib/modules')) {
    for (const sub of ['updates', 'extra']) {
      const dir = `/lib/modules/${k}/${sub}`;
      if (!fs.isDirectory(dir)) continue;
      fs.walk(dir, (p, st) => {
        if (st.isFile()) out.set(p, `${st.size} ${st.mtimeMs}`);
      });
    }
    for (const f of fs.list(`/lib/modules/${k}`)) {
      if (f.startsWith('modules.')) {
        const st = fs.lstat(`/lib/modules/${k}/${f}`);
        if (st?.isFile()) out.set(`/lib/modules/${k}/${f}`, `${st.size} ${st.mtimeMs}`);
      }
    }
  }
  for (const f of fs.list('/boot')) {
    if (!/^(initrd|initramfs)/.test(f)) continue;
    const st = fs.lstat(`/boot/${f}`);
    if (st?.isFile()) out.set(`/boot/${f}`, `${st.size} ${st.mtimeMs}`);
  }
  return out;
}

function recordDifferences(fs: RootFs, before: Map<string, string>, after: Map<string, string>, already: Set<string>): string[] {
  const changed: string[] = [];
  for (const [p, sig] of after) {
    if (before.get(p) === sig || already.has(p)) continue;
    fs.recordExternal(p, before.has(p) ? 'modified' : 'created');
    already.add(p);
    changed.push(p);
  }
  return changed;
}

/** dpkg's installed packages: name → "Status version". */
function dpkgStatus(fs: RootFs): Map<string, string> {
  const out = new Map<string, string>();
  for (const para of (fs.readText('/var/lib/dpkg/status') ?? '').split(/\n\n+/)) {
    const name = /^Package: (.+)$/m.exec(para)?.[1];
    const arch = /^Architecture: (.+)$/m.exec(para)?.[1];
    const status = /^Status: (.+)$/m.exec(para)?.[1];
    const version = /^Version: (.+)$/m.exec(para)?.[1] ?? '';
    if (name && status && !/not-installed$/.test(status)) out.set(arch && arch !== 'all' ? `${name}:${arch}` : name, `${status} ${version}`);
  }
  return out;
}

/** The files a dpkg package lists (its info/NAME.list or NAME:ARCH.list). */
function dpkgFiles(fs: RootFs, pkg: string): string[] {
  const base = pkg.split(':')[0]!;
  const list = fs.readText(`/var/lib/dpkg/info/${pkg}.list`) ?? fs.readText(`/var/lib/dpkg/info/${base}.list`) ??
    fs.list('/var/lib/dpkg/info').filter((n) => n.startsWith(`${base}:`) && n.endsWith('.list')).map((n) => fs.readText(`/var/lib/dpkg/info/${n}`) ?? '').join('\n');
  return list.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('/') && fs.lstat(l) !== undefined && !fs.isDirectory(l));
}

const APT_ENV = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  LANG: 'C.UTF-8',
  HOME: '/root',
  DEBIAN_FRONTEND: 'noninteractive',
  DEBCONF_NONINTERACTIVE_SEEN: 'true',
};

/** The lines of a package manager's output that say what went wrong (the maintainer script's own words first). */
function failureLines(output: string): string {
  const lines = output.split('\n').map((l) => l.trimEnd()).filter(Boolean);
  const keep = lines.filter((l) => !/^(Reading|Building|Selecting|Preparing|Unpacking|Setting up|Processing triggers|\(Reading database|Get:|Fetched|Need to get|After this operation|The following|Note, selecting|0 upgraded|\s{2}\S)/.test(l));
  return keep.slice(-12).join('\n');
}

class Session {
  readonly result: AddResult = { added: [], initramfs: [], notes: [] };
  /** modules (by name, '-' as '_') that changed, per kernel */
  private readonly changedModules = new Map<string, Set<string>>();
  private readonly changedFirmware = new Set<string>();
  private readonly recorded = new Set<string>();
  private policyWritten = false;
  /** kernels whose initramfs the packages' own triggers rebuilt, with nothing changed since */
  private readonly freshInitramfs = new Set<string>();

  constructor(private readonly fs: RootFs, private readonly options: AddOptions) {}

  private log(message: string): void {
    this.options.log.info(`Drivers: ${message}`);
  }

  private moduleChanged(kver: string, name: string): void {
    const set = this.changedModules.get(kver) ?? new Set<string>();
    set.add(name.replace(/-/g, '_'));
    this.changedModules.set(kver, set);
  }

  /** A program of the target, chrooted when offline; its output goes to the log. */
  private run(argv: string[], env?: NodeJS.ProcessEnv, timeoutMs = 1_800_000): { status: number; output: string } {
    this.log(`running ${argv.join(' ')}${this.fs.root === '/' ? '' : ' (chrooted)'}`);
    const r = runInTarget(this.fs, argv, { timeoutMs, ...(env ? { env } : {}) });
    for (const line of r.output.split('\n').filter(Boolean).slice(-40)) this.options.log.info(`  ${line}`);
    return r;
  }

  private noServices(): void {
    // an offline root: no maintainer script may start a service (nothing runs there), as debootstrap does
    if (this.fs.root === '/' || this.fs.exists('/usr/sbin/policy-rc.d')) return;
    nodefs.writeFileSync(this.fs.resolve('/usr/sbin/policy-rc.d'), '#!/bin/sh\n# sysprep drivers add: no service starts in an offline root\nexit 101\n', { mode: 0o755 });
    this.policyWritten = true;
  }

  cleanup(): void {
    if (this.policyWritten) nodefs.rmSync(this.fs.resolve('/usr/sbin/policy-rc.d'), { force: true });
    this.policyWritten = false;
    if (!this.fs.dryRun && this.fs.isDirectory(INCOMING)) nodefs.rmSync(this.fs.resolve(INCOMING), { recursive: true, force: true });
  }

  packages(items: { item: PackageItem; source: string }[]): void {
    if (!items.length) return;
    const fs = this.fs;
    if (fs.dryRun) {
      for (const { item, source } of items) {
        this.log(`would install ${describeItem(item)}`);
        const list = tool('dpkg-deb', ['-c', item.file]).stdout.split('\n').map((l) => /\s\.(\/\S+)$/.exec(l)?.[1]).filter((p): p is string => !!p && !p.endsWith('/'));
        for (const p of list) fs.recordExternal(p, fs.exists(p) ? 'modified' : 'created', `package ${item.name}`);
        this.result.added.push({ path: source, kind: 'package', what: describeItem(item), kernels: [] });
      }
      return;
    }
    if (items[0]!.item.format === 'rpm') {
      this.rpmPackages(items);
      return;
    }
    // the packages inside the target, where its package manager can read them
    nodefs.mkdirSync(fs.resolve(INCOMING), { recursive: true, mode: 0o700 });
    const inTarget = items.map(({ item }, i) => {
      const name = `${INCOMING}/${String(i).padStart(3, '0')}-${path.basename(item.file).replace(/[^A-Za-z0-9._+~-]/g, '_')}`;
      nodefs.copyFileSync(item.file, fs.resolve(name));
      return name;
    });
    const before = dpkgStatus(fs);
    const trees = driverTreeSnapshot(fs);
    this.noServices();
    const apt = hasProgram(fs, ['/usr/bin/apt-get']);
    const install = () => apt
      ? this.run(['apt-get', 'install', '-y', '--no-install-recommends', '-o', 'Dpkg::Options::=--force-confold', '-o', 'APT::Sandbox::User=root', ...inTarget], APT_ENV)
      : this.run(['dpkg', '-i', ...inTarget], APT_ENV);
    let r = install();
    if (r.status !== 0 && apt && /Unable to locate|has no installation candidate|Depends: .* but it is not (installable|going to be installed)|unmet dependencies/i.test(r.output) && !/error processing/i.test(r.output)) {
      // apt's lists may be old or missing: ask the archives once, then try again
      this.log('dependencies not found in the package lists; updating them from the target\'s archives');
      const u = this.run(['apt-get', 'update', '-o', 'APT::Sandbox::User=root'], APT_ENV, 600_000);
      if (u.status === 0) r = install();
    }
    const after = dpkgStatus(fs);
    const changedPkgs = [...after].filter(([n, s]) => before.get(n) !== s).map(([n]) => n);
    if (r.status !== 0) {
      const broken = [...after].filter(([, s]) => !s.startsWith('install ok installed')).map(([n]) => n);
      const fresh = changedPkgs.filter((n) => !before.has(n));
      const why = failureLines(r.output);
      let rollback = 'nothing was installed';
      if (fresh.length || broken.length) {
        const purge = [...new Set([...fresh, ...broken.filter((n) => !before.has(n))])];
        const p = purge.length ? this.run(['dpkg', '--purge', '--force-remove-reinstreq', ...purge], APT_ENV) : { status: 0, output: '' };
        rollback = p.status === 0
          ? `rolled back: purged ${purge.join(', ')}`
          : `the rollback (dpkg --purge ${purge.join(' ')}) failed too: ${failureLines(p.output)}; the target's package database needs a look (dpkg --audit)`;
        recordDifferences(fs, trees, driverTreeSnapshot(fs), this.recorded);
      }
      this.options.log.error(`Drivers: installing ${items.map((i) => i.item.name).join(', ')} failed: ${why}; ${rollback}`);
      throw fatal(`installing ${items.map((i) => path.basename(i.item.file)).join(', ')} failed (${apt ? 'apt-get' : 'dpkg'} status ${r.status}):\n${why}\n${rollback}`);
    }
    for (const n of changedPkgs) {
      for (const p of dpkgFiles(fs, n)) {
        if (this.recorded.has(p)) continue;
        this.recorded.add(p);
        fs.recordExternal(p, before.has(n) ? 'modified' : 'created', `package ${n}`);
      }
    }
    const newTrees = driverTreeSnapshot(fs);
    for (const p of recordDifferences(fs, trees, newTrees, this.recorded)) {
      this.noteModulePath(p);
      // a package's trigger rebuilt an initramfs (initramfs-tools does for firmware and modules)
      const k = installedKernels(fs).find((kv) => p === initramfsFile(fs, kv));
      if (k) this.freshInitramfs.add(k);
    }
    for (const n of changedPkgs) for (const p of dpkgFiles(fs, n)) this.noteModulePath(p);
    this.log(`installed or upgraded ${changedPkgs.join(', ') || 'nothing (already installed)'}`);
    for (const { item, source } of items) this.result.added.push({ path: source, kind: 'package', what: describeItem(item), kernels: [] });
  }

  private rpmPackages(items: { item: PackageItem; source: string }[]): void {
    const fs = this.fs;
    nodefs.mkdirSync(fs.resolve(INCOMING), { recursive: true, mode: 0o700 });
    const inTarget = items.map(({ item }) => {
      const name = `${INCOMING}/${path.basename(item.file)}`;
      nodefs.copyFileSync(item.file, fs.resolve(name));
      return name;
    });
    const trees = driverTreeSnapshot(fs);
    const manager = hasProgram(fs, ['/usr/bin/dnf']) ? ['dnf', 'install', '-y'] : hasProgram(fs, ['/usr/bin/zypper']) ? ['zypper', '--non-interactive', 'install'] : hasProgram(fs, ['/usr/bin/yum']) ? ['yum', 'install', '-y'] : ['rpm', '-Uvh'];
    const r = this.run([...manager, ...inTarget]);
    if (r.status !== 0) throw fatal(`installing ${items.map((i) => path.basename(i.item.file)).join(', ')} failed (${manager[0]} status ${r.status}):\n${failureLines(r.output)}`);
    for (const p of recordDifferences(fs, trees, driverTreeSnapshot(fs), this.recorded)) this.noteModulePath(p);
    for (const { item } of items) {
      const q = this.run(['rpm', '-ql', '-p', `${INCOMING}/${path.basename(item.file)}`]);
      for (const p of q.output.split('\n').filter((l) => l.startsWith('/') && fs.isFile(l))) {
        if (!this.recorded.has(p)) fs.recordExternal(p, 'created', `package ${item.name}`);
        this.recorded.add(p);
        this.noteModulePath(p);
      }
    }
    for (const { item, source } of items) this.result.added.push({ path: source, kind: 'package', what: describeItem(item), kernels: [] });
  }

  /** A path a package or dkms wrote: a module of a kernel, or firmware. */
  private noteModulePath(p: string): void {
    const m = /\/lib\/modules\/([^/]+)\/.*\/([^/]+)\.ko(\.(xz|zst|gz))?$/.exec(p);
    if (m) this.moduleChanged(m[1]!, m[2]!);
    const f = /\/lib\/firmware\/(.+)$/.exec(p);
    if (f) this.changedFirmware.add(f[1]!);
  }

  module(item: ModuleItem, kernels: string[], source: string): void {
    this.freshInitramfs.clear();
    const fs = this.fs;
    const file = path.basename(item.file);
    for (const k of kernels) {
      fs.makeDirectory(`/lib/modules/${k}/updates`, 0o755);
      fs.installFile(item.file, `/lib/modules/${k}/updates/${file}`, 0o644);
      this.moduleChanged(k, item.name);
    }
    this.result.added.push({ path: source, kind: 'module', what: describeItem(item), kernels });
    this.log(`module ${item.name} (${item.vermagic}) to /lib/modules/{${kernels.join(',')}}/updates/${file}`);
  }

  dkms(item: DkmsItem, kernels: string[], source: string): void {
    this.freshInitramfs.clear();
    const fs = this.fs;
    const dest = `/usr/src/${item.name}-${item.version}`;
    fs.makeDirectory(dest, 0o755);
    for (const f of walkFiles(item.dir)) {
      const target = `${dest}/${f.rel}`;
      fs.makeDirectory(path.posix.dirname(target), 0o755);
      fs.installFile(f.file, target, nodefs.statSync(f.file).mode & 0o7777);
    }
    if (fs.dryRun) {
      this.log(`would build ${item.name} ${item.version} with dkms for ${kernels.join(', ')}`);
      for (const k of kernels) this.moduleChanged(k, item.name);
    } else {
      const trees = driverTreeSnapshot(fs);
      const added = fs.isDirectory(`/var/lib/dkms/${item.name}/${item.version}`);
      if (!added) {
        const a = this.run(['dkms', 'add', '-m', item.name, '-v', item.version]);
        if (a.status !== 0) throw fatal(`dkms add ${item.name}/${item.version} failed:\n${failureLines(a.output)}`);
      }
      for (const k of kernels) {
        for (const step of ['build', 'install'] as const) {
          const r = this.run(['dkms', step, '-m', item.name, '-v', item.version, '-k', k, ...(step === 'install' ? ['--force'] : [])]);
          if (r.status !== 0 && !/already (built|installed)/i.test(r.output)) {
            const logFile = `/var/lib/dkms/${item.name}/${item.version}/build/make.log`;
            const make = fs.readText(logFile);
            throw fatal(`dkms ${step} ${item.name}/${item.version} for kernel ${k} failed:\n${failureLines(r.output)}${make ? `\n${logFile}:\n${make.split('\n').slice(-15).join('\n')}` : ''}`);
          }
        }
      }
      for (const p of recordDifferences(fs, trees, driverTreeSnapshot(fs), this.recorded)) this.noteModulePath(p);
      if (fs.isDirectory(`/var/lib/dkms/${item.name}`)) fs.recordExternal(`/var/lib/dkms/${item.name}`, added ? 'modified' : 'created', 'dkms tree');
    }
    this.result.added.push({ path: source, kind: 'dkms', what: describeItem(item), kernels });
  }

  firmware(item: FirmwareItem, source: string): void {
    this.freshInitramfs.clear();
    for (const f of item.files) {
      const target = `/lib/firmware/${f.rel}`;
      this.fs.makeDirectory(path.posix.dirname(target), 0o755);
      this.fs.installFile(f.file, target, 0o644);
      this.changedFirmware.add(f.rel);
    }
    this.result.added.push({ path: source, kind: 'firmware', what: describeItem(item), kernels: [] });
  }

  /** modules-load.d and the initramfs tool's module list name the added modules. */
  loadAtBoot(names: string[]): void {
    if (!names.length) return;
    this.freshInitramfs.clear();
    const fs = this.fs;
    const addLines = (file: string, lines: string[], header: string) => {
      const old = fs.readText(file);
      const have = new Set((old ?? '').split('\n').map((l) => l.trim()));
      const missing = lines.filter((l) => !have.has(l));
      if (!missing.length) return;
      fs.makeDirectory(path.posix.dirname(file), 0o755);
      const base = old === undefined ? `${header}\n` : old.endsWith('\n') || old === '' ? old : `${old}\n`;
      fs.writeText(file, `${base}${missing.join('\n')}\n`, { mode: 0o644, detail: `load at boot: ${missing.join(' ')}` });
    };
    addLines(LOAD_AT_BOOT_CONF, names, '# modules sysprep drivers add --load-at-boot loads at every boot');
    switch (initramfsTool(fs)) {
      case 'initramfs-tools': addLines('/etc/initramfs-tools/modules', names, '# modules the initramfs loads'); break;
      case 'dracut': addLines('/etc/dracut.conf.d/50-sysprep-drivers.conf', names.map((n) => `force_drivers+=" ${n} "`), '# sysprep drivers add --load-at-boot'); break;
      case 'mkinitcpio': addLines('/etc/mkinitcpio.conf.d/50-sysprep-drivers.conf', names.map((n) => `MODULES+=(${n})`), '# sysprep drivers add --load-at-boot'); break;
      default: this.result.notes.push('the target has no initramfs tool sysprep knows: the modules load from modules-load.d only, after the root is mounted');
    }
    for (const k of this.changedModules.keys()) for (const n of names) this.moduleChanged(k, n);
  }

  /** depmod for every kernel whose modules changed, then the initramfs where it must carry them. */
  finish(loadAtBoot: string[]): void {
    const fs = this.fs;
    const before = fs.dryRun ? new Map<string, string>() : driverTreeSnapshot(fs);
    for (const k of this.changedModules.keys()) {
      if (fs.dryRun) this.log(`would run depmod -a ${k}`);
      else {
        const r = this.run(['depmod', '-a', k]);
        if (r.status !== 0) throw fatal(`depmod -a ${k} failed in the target:\n${failureLines(r.output)}`);
      }
    }
    const t = initramfsTool(fs);
    const listed = initramfsListedModules(fs);
    for (const n of loadAtBoot) listed.add(n.replace(/-/g, '_'));
    const kernels = installedKernels(fs);
    for (const k of kernels) {
      const changed = this.changedModules.get(k) ?? new Set<string>();
      if (!changed.size && !this.changedFirmware.size) continue;
      if (!initramfsFile(fs, k)) continue;
      const carried = initramfsModules(fs, k);
      const why = [...changed].filter((n) => listed.has(n) || carried.has(n)).map((n) => `module ${n}`);
      why.push(...[...this.changedFirmware].filter((f) => carried.has(`firmware:${f}`)).map((f) => `firmware ${f}`));
      if (!why.length) continue;
      this.result.initramfs.push(k);
      if (this.freshInitramfs.has(k)) {
        this.log(`the initramfs of ${k} carries ${why.join(', ')}; the packages' own triggers rebuilt it already`);
        continue;
      }
      if (!t) {
        this.result.notes.push(`kernel ${k}: its initramfs carries ${why.join(', ')}, but the target has no initramfs tool sysprep knows: rebuild it by hand`);
        continue;
      }
      const argv = t === 'initramfs-tools' ? ['update-initramfs', '-u', '-k', k] : t === 'dracut' ? ['dracut', '-f', '--kver', k] : ['mkinitcpio', '-P'];
      if (fs.dryRun) {
        this.log(`would rebuild the initramfs of ${k} (${why.join(', ')}): ${argv.join(' ')}`);
        const file = initramfsFile(fs, k);
        if (file) fs.recordExternal(file, 'modified', `initramfs rebuilt for ${why.join(', ')}`);
        continue;
      }
      this.log(`rebuilding the initramfs of ${k}: it must carry ${why.join(', ')}`);
      const r = this.run(argv, undefined, 1_800_000);
      if (r.status !== 0) throw fatal(`${argv.join(' ')} failed in the target:\n${failureLines(r.output)}`);
    }
    if (!fs.dryRun) recordDifferences(fs, before, driverTreeSnapshot(fs), this.recorded);
  }
}

/**
 * modprobe each module that went to the running kernel (options.loadNow), once depmod has indexed it.
 * Returns the names loaded; a failure is a note with modprobe's own lines.
 */
function loadIntoRunningKernel(fs: RootFs, names: { name: string; kernels: string[] }[], result: AddResult, log: PantherLog): string[] {
  const running = os.release();
  const loaded: string[] = [];
  for (const name of [...new Set(names.filter((n) => n.kernels.includes(running)).map((n) => n.name))]) {
    if (fs.dryRun) {
      log.info(`Drivers: would run modprobe ${name}`);
      continue;
    }
    log.info(`Drivers: running modprobe ${name} (the running kernel ${running})`);
    const r = runInTarget(fs, ['modprobe', name], { timeoutMs: 120_000 });
    if (r.status === 0) loaded.push(name);
    else result.notes.push(`modprobe ${name} failed (status ${r.status}): ${failureLines(r.output)}; it is installed and loads at the next boot if it can`);
  }
  const other = names.filter((n) => !n.kernels.includes(running)).map((n) => n.name);
  if (other.length) log.info(`Drivers: not loaded now (built for another kernel than the running ${running}): ${[...new Set(other)].join(', ')}`);
  return loaded;
}

/**
 * Add drivers to a target. `classified` comes from classifyPath (every PATH first: a bad one changes
 * nothing). Usage and environment problems are thrown before anything changes; a failure while
 * installing is a fatal error (exit 1) after the rollback of what failed.
 */
export function addDrivers(fs: RootFs, classified: Classified[], options: AddOptions): AddResult {
  const checked = checkAgainstTarget(fs, classified);
  const s = new Session(fs, options);
  const loadNames: string[] = [];
  const modules: { name: string; kernels: string[] }[] = [];
  try {
    // packages first (a DKMS package needs dkms, which a package of the same request may bring)
    const pkgs = classified.flatMap((c) => c.items.filter((i): i is PackageItem => i.kind === 'package').map((item) => ({ item, source: c.path })));
    s.packages(pkgs);
    for (const c of classified) {
      for (const item of c.items) {
        if (item.kind === 'module') {
          s.module(item, checked.get(item)!, c.path);
          loadNames.push(item.name);
          modules.push({ name: item.name, kernels: checked.get(item)! });
        } else if (item.kind === 'dkms') {
          s.dkms(item, checked.get(item)!, c.path);
          loadNames.push(item.name);
          modules.push({ name: item.name, kernels: checked.get(item)! });
        } else if (item.kind === 'firmware') s.firmware(item, c.path);
      }
    }
    const load = options.loadAtBoot ? [...new Set(loadNames)] : [];
    if (options.loadAtBoot && !load.length) s.result.notes.push('--load-at-boot: no module or DKMS source was given (packages load their own modules)');
    s.loadAtBoot(load);
    s.finish(load);
    if (options.loadNow && fs.root === '/') s.result.loaded = loadIntoRunningKernel(fs, modules, s.result, options.log);
    writeRecord(fs, s.result, options.loadAtBoot);
    return s.result;
  } finally {
    s.cleanup();
  }
}

function writeRecord(fs: RootFs, result: AddResult, loadAtBoot: boolean): void {
  const old = readDriversRecord(fs);
  const now = new Date().toISOString();
  const entries = [...old, ...result.added.map((a): DriversRecordEntry => ({ addedAt: now, source: a.path, kind: a.kind, what: a.what, kernels: a.kernels, loadAtBoot }))];
  fs.makeDirectory(path.posix.dirname(DRIVERS_RECORD), 0o755);
  fs.writeText(DRIVERS_RECORD, `${JSON.stringify(entries, null, 2)}\n`, { mode: 0o644 });
}

export function readDriversRecord(fs: RootFs): DriversRecordEntry[] {
  const text = fs.readText(DRIVERS_RECORD);
  if (!text) return [];
  try {
    const v = JSON.parse(text) as unknown;
    return Array.isArray(v) ? (v as DriversRecordEntry[]) : [];
  } catch {
    return [];
  }
}

// ------------------------------------------------------------------------------------------------
// listing

export interface ListedModule {
  kernel: string;
  path: string;
  name: string;
  version?: string;
  vermagic?: string;
  /** the package that owns it, or "dkms NAME/VERSION", or undefined (put there by hand or by sysprep) */
  from?: string;
  loadAtBoot: boolean;
}

export interface DriversList {
  kernels: string[];
  initramfsTool: string | null;
  packageManager: string | null;
  modules: ListedModule[];
  dkms: { name: string; version: string; kernels: string[] }[];
  loadAtBoot: string[];
  added: DriversRecordEntry[];
}

/** The out-of-tree drivers of a target: modules under updates/ and extra/, DKMS sources, what sysprep added. */
export function listDrivers(fs: RootFs): DriversList {
  const kernels = installedKernels(fs);
  const load = new Set((fs.readText(LOAD_AT_BOOT_CONF) ?? '').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')));
  const owners = new Map<string, string>();
  for (const name of fs.list('/var/lib/dpkg/info')) {
    if (!name.endsWith('.list')) continue;
    for (const line of (fs.readText(`/var/lib/dpkg/info/${name}`) ?? '').split('\n')) {
      if (/\/lib\/modules\/[^/]+\/(updates|extra)\//.test(line)) owners.set(fs.realTargetPath(line.trim()), name.replace(/\.list$/, ''));
    }
  }
  const dkms: DriversList['dkms'] = [];
  for (const name of fs.list('/var/lib/dkms')) {
    if (!fs.isDirectory(`/var/lib/dkms/${name}`)) continue;
    for (const version of fs.list(`/var/lib/dkms/${name}`)) {
      if (!/^\d/.test(version) || !fs.isDirectory(`/var/lib/dkms/${name}/${version}`)) continue;
      const built = fs.list(`/var/lib/dkms/${name}/${version}`).filter((k) => kernels.includes(k));
      dkms.push({ name, version, kernels: built });
    }
  }
  const modules: ListedModule[] = [];
  for (const k of fs.list('/lib/modules')) {
    for (const sub of ['updates', 'extra']) {
      const dir = `/lib/modules/${k}/${sub}`;
      if (!fs.isDirectory(dir)) continue;
      fs.walk(dir, (p, st) => {
        if (!st.isFile() || !MODULE_FILE.test(p)) return;
        const host = fs.resolve(p, false);
        const info = spawnSync('modinfo', ['-F', 'version', host], { encoding: 'utf8' });
        const vm = spawnSync('modinfo', ['-F', 'vermagic', host], { encoding: 'utf8' });
        const name = path.posix.basename(p).replace(MODULE_FILE, '');
        const real = fs.realTargetPath(p);
        const viaDkms = /\/updates\/dkms\//.test(p) ? dkms.find((d) => d.name.replace(/-/g, '_') === name.replace(/-/g, '_') || d.kernels.includes(k)) : undefined;
        const from = owners.get(real) ?? (viaDkms ? `dkms ${viaDkms.name}/${viaDkms.version}` : undefined);
        modules.push({
          kernel: k, path: real, name,
          ...(info.stdout?.trim() ? { version: info.stdout.trim() } : {}),
          ...(vm.stdout?.trim() ? { vermagic: vm.stdout.trim() } : {}),
          ...(from ? { from } : {}),
          loadAtBoot: load.has(name) || load.has(name.replace(/_/g, '-')),
        });
      });
    }
  }
  return {
    kernels,
    initramfsTool: initramfsTool(fs) ?? null,
    packageManager: packageFormat(fs) === 'deb' ? 'dpkg' : packageFormat(fs) === 'rpm' ? 'rpm' : null,
    modules,
    dkms,
    loadAtBoot: [...load],
    added: readDriversRecord(fs),
  };
}

// ------------------------------------------------------------------------------------------------
// DriverPaths (answer files)

export interface DriverPathEntry {
  key: string;
  path: string;
}

export interface ResolvedDriverPath extends DriverPathEntry {
  /** the host path found (through the target's root for a path inside the target) */
  found: string;
  why: string;
  classified: Classified;
}

/**
 * Find and classify every DriverPaths path (answer-file/driver-paths.ts says where to look). A path
 * found nowhere, or holding nothing sysprep can install, is bad input (exit 2) naming the setting.
 * `answerDir` with `answerInTarget`: the answer file's directory is a path inside the target.
 */
export function resolveDriverPaths(
  fs: RootFs,
  entries: readonly DriverPathEntry[],
  options: { answerDir?: string; answerInTarget: boolean; offline: boolean; label: string },
): ResolvedDriverPath[] {
  const out: ResolvedDriverPath[] = [];
  for (const e of entries) {
    const setting = `${options.label}: DriverPaths/PathAndCredentials[${e.key}]/Path "${e.path}"`;
    if (isWindowsPath(e.path)) throw usageError(`${setting}: ${driverPathAdvice(e.path)}`);
    const candidates = driverPathCandidates(e.path, { ...(options.answerDir !== undefined ? { answerDir: options.answerDir } : {}), offline: options.offline && !options.answerInTarget })
      .map((c) => (options.answerInTarget && c.why === 'relative to the answer file' ? { ...c, where: 'target' as const } : c));
    let hit: { host: string; why: string } | undefined;
    for (const c of candidates) {
      const host = c.where === 'target' ? fs.resolve(c.path, true) : c.path;
      if (nodefs.existsSync(host)) {
        hit = { host, why: `${c.path}, ${c.why}` };
        break;
      }
    }
    if (!hit) {
      const looked = candidates.map((c) => `${c.path} (${c.why})`).join(', ') || 'nowhere (a relative path needs the answer file\'s directory)';
      throw usageError(`${setting}: not found; looked at ${looked}: fix the path or put the drivers there`);
    }
    let classified: Classified;
    try {
      classified = classifyPath(hit.host);
    } catch (err) {
      if (err instanceof SysprepError) throw new SysprepError(err.kind, `${setting}: ${err.message}`);
      throw err;
    }
    out.push({ ...e, found: hit.host, why: hit.why, classified });
  }
  return out;
}
