/**
 * Step 5 of a run (SPEC 3): install and enable the first-boot agent, and plan the next boot. The clone
 * needs nothing installed beforehand: the runner is bash (on every systemd distribution), and the tool
 * brings its own runtime for what the runner leaves to it (planning at boot, the interactive OOBE,
 * audit mode): a stripped copy of the Node.js binary sysprep runs on, the whole tool bundled into one
 * module, and the CLDR data it reads. Installed under /usr/lib/sysprep/, with `sysprep` on the PATH
 * (/usr/sbin/sysprep) so audit mode can reseal.
 */
import * as nodefs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SysprepError } from '../model/errors.js';
import type { PantherLog } from '../system/panther.js';
import type { ImageState } from '../system/state.js';
import type { Target } from '../system/target.js';
import { RootFs } from '../rootfs/rootfs.js';
import { describePlan, sealPlans } from './plan/index.js';
import { AGENT, AGENT_BUNDLE, AGENT_DIR, AGENT_RUNTIME, DISK_RUNTIME_DIR, FIRSTBOOT, GENERATOR, PACKED_RUNTIMES, PROFILE_HOOK, TARBALL_MANIFEST, UNIT_DIR } from '../model/paths.js';
import { BOOT_PHASES } from '../model/image-state.js';
import type { AgentMode } from '../model/request.js';
import type { Plan } from './plan/types.js';
import { debOfXz, tarGzOfRuntime } from './runtime-archives.js';
import { AUDIT_UNIT, GENERATOR_SCRIPT, HOST_KEYS_UNIT, LAUNCHER, OOBE_UNIT, PROFILE_SCRIPT, README, SPECIALIZE_UNIT } from './units.js';

export interface AgentSource {
  /** the bundled tool */
  bundle: string;
  /** the first-boot runner (bash) */
  runner: string;
  /** the runtime to copy */
  node: string;
  cldrDir: string;
  /**
   * the runtime packed (`--agent packed`), by target path, where this installation has it: beside the
   * bundle (the development tree: every form), or in packed/ (the .deb and the tarball: the xz form
   * alone, from which the seal derives the others)
   */
  packed: Map<string, string>;
}

/**
 * Where the agent's files come from: beside the running bundle (inside an image, resealing from audit
 * mode), or dist/agent/ of the development tree (built by `npm run build`).
 */
export function agentSource(): AgentSource {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const dir of [here, path.resolve(here, '../../agent')]) {
    const bundle = path.join(dir, 'sysprep.mjs');
    if (!nodefs.existsSync(bundle)) continue;
    const node = nodefs.existsSync(path.join(dir, 'node')) ? path.join(dir, 'node') : process.execPath;
    const packed = new Map<string, string>();
    for (const p of PACKED_RUNTIMES) {
      const name = path.posix.basename(p.file);
      const found = [path.join(dir, name), path.join(dir, 'packed', name)].find((f) => nodefs.existsSync(f));
      if (found) packed.set(p.file, found);
    }
    return { bundle, runner: path.join(dir, 'firstboot'), node, cldrDir: path.join(dir, 'cldr'), packed };
  }
  throw new SysprepError('environment', 'the first-boot agent is not built: run "npm run build" (dist/agent/sysprep.mjs is missing)');
}

/** Libraries the runtime links against, per architecture. */
const LOADERS: Record<string, string[]> = {
  x64: ['/lib64/ld-linux-x86-64.so.2'],
  arm64: ['/lib/ld-linux-aarch64.so.1'],
};

/** Why the agent's runtime could not run in this target, or undefined when it can. */
export function agentRuntimeProblem(fs: RootFs): string | undefined {
  const loaders = LOADERS[process.arch] ?? [];
  if (loaders.length && !loaders.some((l) => fs.exists(l))) {
    return `the first-boot agent's runtime is a ${process.arch} glibc program, and this image has no ${loaders.join(' or ')}`;
  }
  const libstdcxx = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/lib64', '/lib']
    .some((d) => fs.glob(`${d}/libstdc++.so.6*`).length > 0);
  if (!libstdcxx) return "the first-boot agent's runtime needs libstdc++.so.6, which this image lacks (install libstdc++6)";
  if (!['/bin/bash', '/usr/bin/bash'].some((b) => fs.isFile(b))) return 'the first-boot runner is a bash script, and this image has no /bin/bash';
  return undefined;
}

/**
 * Did a sysprep package install the agent in this image (then its files are the package's)? The .deb
 * (dpkg's list of its files) or the tarball (install.sh's manifest, "f PATH" a file).
 */
const packageOwnsAgent = (fs: RootFs): boolean =>
  (fs.readText('/var/lib/dpkg/info/sysprep.list') ?? '').split('\n').includes(AGENT_RUNTIME) ||
  (fs.readText(TARBALL_MANIFEST) ?? '').split('\n').includes(`f ${AGENT_RUNTIME}`);

/** What a boot of this image will need the agent for, by the plans the seal made. */
function agentNeeds(planned: readonly Plan[], state: ImageState): string[] {
  const needs: string[] = [];
  const { phases } = BOOT_PHASES[state];
  for (const phase of phases.filter((ph) => !planned.some((p) => p.phase === ph))) needs.push(`the ${phase} phase has no plan yet and is planned at boot`);
  for (const p of planned) {
    if (p.pages.length) needs.push(`the ${p.phase} phase asks the OOBE pages ${p.pages.join(', ')} on the console`);
    const steps = p.steps.filter((st) => st.op === 'op_agent' || st.op === 'op_generalize');
    if (steps.length) needs.push(`the ${p.phase} phase runs ${steps.map((st) => st.id ?? st.op).join(', ')} with it`);
  }
  return needs;
}

type PackedForm = (typeof PACKED_RUNTIMES)[number];
/** the xz form, which the installations carry and the others are derived from */
const XZ_FORM = PACKED_RUNTIMES[0];
const canPack = (src: AgentSource, form: PackedForm): boolean => src.packed.has(form.file) || src.packed.has(XZ_FORM.file);

/**
 * The archive of FORM on this machine: this installation's, or derived from its xz form (the .deb
 * wraps the same stream; the .tar.gz is made from the runtime) into a temporary file, removed by CLEANUP.
 */
function packedFile(src: AgentSource, form: PackedForm, cleanup: (() => void)[]): string | undefined {
  const have = src.packed.get(form.file);
  if (have) return have;
  const xz = src.packed.get(XZ_FORM.file);
  if (!xz) return undefined;
  const dir = nodefs.mkdtempSync(path.join(os.tmpdir(), 'sysprep-runtime-'));
  cleanup.push(() => nodefs.rmSync(dir, { recursive: true, force: true }));
  const out = path.join(dir, path.posix.basename(form.file));
  if (form.file.endsWith('.deb')) debOfXz(xz, out, src.node);
  else tarGzOfRuntime(src.node, out);
  return out;
}

/**
 * The agent into the image, in MODE (`--agent`; packed by default). When packed cannot be had (this
 * installation of sysprep has no archive, as an npm installation; the image has none of the tools to
 * unpack one), the runtime goes in as it is: a warning when --agent packed was asked for, a note in
 * the log when it is only the default.
 */
export function installAgent(target: Target, log: PantherLog, state: ImageState, mode: AgentMode = 'packed', asked = false): void {
  const cleanup: (() => void)[] = [];
  try {
    install(target, log, state, mode, asked, cleanup);
  } finally {
    for (const f of cleanup) f();
  }
}

function install(target: Target, log: PantherLog, state: ImageState, mode: AgentMode, asked: boolean, cleanup: (() => void)[]): void {
  const { fs } = target;
  const src = agentSource();
  const owned = packageOwnsAgent(fs);
  // the form of the runtime this image gets: a package's stays; packed wants the first archive the
  // image can unpack with its own tools (and this installation has, or can derive)
  const packedForm = PACKED_RUNTIMES.find((p) => p.needs.some((n) => fs.exists(n)) && canPack(src, p));
  let effective: AgentMode = owned ? 'full' : mode;
  if (effective === 'packed' && !packedForm) {
    const why = `${src.packed.size ? 'this image has none of xz, dpkg-deb and gzip' : 'this installation of sysprep has no packed runtime (an npm installation; dist/agent/runtime.*: run "npm run build")'}; the runtime goes in as it is`;
    if (asked) log.warn(`--agent packed: ${why}`);
    else log.info(`The first-boot agent goes in packed by default, but ${why}`);
    effective = 'full';
  }
  if (owned && asked && mode !== 'full') log.info(`--agent ${mode}: the image has the sysprep package, whose agent and runtime stay as they are`);
  fs.makeDirectory(AGENT_DIR, 0o755);
  // the agent (what a package of sysprep installs too: then it is found here, up to date) and the
  // machinery around it (the units, the generator, the login hook, the link), counted apart for the log
  let agent = 0;
  let machinery = 0;
  let bytes = 0;
  const put = (ok: boolean, source?: string) => {
    agent += ok ? 1 : 0;
    if (source) bytes += nodefs.statSync(source).size;
  };
  const hook = (ok: boolean) => (machinery += ok ? 1 : 0);
  const drop = (p: string, why: string) => put(fs.remove(p, why));
  if (effective === 'full') put(fs.installFile(src.node, AGENT_RUNTIME, 0o755), src.node);
  else if (!owned) drop(AGENT_RUNTIME, `--agent ${effective}: the runtime goes in ${effective === 'packed' ? 'packed' : 'not at all'}`);
  for (const p of PACKED_RUNTIMES) {
    const file = effective === 'packed' && p === packedForm ? packedFile(src, p, cleanup) : undefined;
    if (file) put(fs.installFile(file, p.file, 0o644), file);
    else drop(p.file, `--agent ${effective}`);
  }
  // a runtime an earlier boot of this machine unpacked onto the disk (the launcher, when /run was
  // noexec or small)
  fs.remove(DISK_RUNTIME_DIR, 'unpacked by an earlier boot: the launcher unpacks the runtime again when it needs it');
  if (effective === 'none') {
    drop(AGENT_BUNDLE, '--agent none: no runtime to run it');
    for (const name of fs.list(`${AGENT_DIR}/cldr`)) drop(`${AGENT_DIR}/cldr/${name}`, '--agent none');
  } else {
    fs.makeDirectory(`${AGENT_DIR}/cldr`, 0o755);
    put(fs.installFile(src.bundle, AGENT_BUNDLE, 0o644), src.bundle);
    for (const name of nodefs.readdirSync(src.cldrDir)) put(fs.installFile(path.join(src.cldrDir, name), `${AGENT_DIR}/cldr/${name}`, 0o644), path.join(src.cldrDir, name));
  }
  put(fs.installFile(src.runner, FIRSTBOOT, 0o755), src.runner);
  put(fs.writeText(AGENT, LAUNCHER, { mode: 0o755 }));
  put(fs.writeText(`${AGENT_DIR}/README`, README, { mode: 0o644 }));
  fs.makeDirectory(UNIT_DIR, 0o755);
  hook(fs.writeText(`${UNIT_DIR}/sysprep-specialize.service`, SPECIALIZE_UNIT, { mode: 0o644 }));
  hook(fs.writeText(`${UNIT_DIR}/sysprep-host-keys.service`, HOST_KEYS_UNIT, { mode: 0o644 }));
  hook(fs.writeText(`${UNIT_DIR}/sysprep-oobe.service`, OOBE_UNIT, { mode: 0o644 }));
  hook(fs.writeText(`${UNIT_DIR}/sysprep-audit.service`, AUDIT_UNIT, { mode: 0o644 }));
  fs.makeDirectory(path.posix.dirname(GENERATOR), 0o755);
  hook(fs.writeText(GENERATOR, GENERATOR_SCRIPT, { mode: 0o755 }));
  fs.makeDirectory(path.posix.dirname(PROFILE_HOOK), 0o755);
  hook(fs.writeText(PROFILE_HOOK, PROFILE_SCRIPT, { mode: 0o644 }));
  // `sysprep` on the PATH for audit mode, unless something else owns that name (the .deb's relative link)
  const existing = fs.lstat('/usr/sbin/sysprep');
  if (!existing || (existing.isSymbolicLink() && fs.readLink('/usr/sbin/sysprep') === AGENT)) hook(fs.link('/usr/sbin/sysprep', AGENT));
  const form = effective === 'full' ? 'runtime, bundle, data' : effective === 'packed' ? `runtime packed as ${path.posix.basename(packedForm!.file)}, bundle, data` : 'the runner only: no runtime, no bundle (--agent none)';
  log.info(agent
    ? `Installed the first-boot agent in ${AGENT_DIR} (${(bytes / 1048576).toFixed(1)} MiB: ${form})${machinery ? ' and its units' : ''}; ` +
      'the generator enables them at boot as the image state asks'
    : `The first-boot agent in ${AGENT_DIR} is up to date${machinery ? '; installed the units, generator, login hook or link it lacked' : ''}`);
  // what the next boot does, decided now while the answer file and the image are at hand
  const { planned, notes } = sealPlans(fs, state);
  for (const n of notes) log.info(`First-boot plan: ${n}`);
  for (const p of planned) log.info(`First-boot plan, ${describePlan(p)}`);
  if (effective === 'none') {
    for (const need of agentNeeds(planned, state)) {
      log.warn(`--agent none: ${need}, which needs the agent this image will not have: that boot stops with an error (seal with --agent packed or full)`);
    }
  }
}
