/**
 * Step 5 of a run (SPEC 3): install and enable the first-boot agent, and plan the next boot. The clone
 * needs nothing installed beforehand: the runner is bash (on every systemd distribution), and the tool
 * brings its own runtime for what the runner leaves to it (planning at boot, the interactive OOBE,
 * audit mode): a stripped copy of the Node.js binary sysprep runs on, the whole tool bundled into one
 * module, and the CLDR data it reads. Installed under /usr/lib/sysprep/, with `sysprep` on the PATH
 * (/usr/sbin/sysprep) so audit mode can reseal.
 */
import * as nodefs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SysprepError } from '../model/errors.js';
import type { PantherLog } from '../system/panther.js';
import type { ImageState } from '../system/state.js';
import type { Target } from '../system/target.js';
import { RootFs } from '../rootfs/rootfs.js';
import { describePlan, sealPlans } from './plan/index.js';
import { AGENT, AGENT_DIR, FIRSTBOOT, GENERATOR, PROFILE_HOOK, UNIT_DIR } from '../model/paths.js';
import { AUDIT_UNIT, GENERATOR_SCRIPT, HOST_KEYS_UNIT, LAUNCHER, OOBE_UNIT, PROFILE_SCRIPT, README, SPECIALIZE_UNIT } from './units.js';

export interface AgentSource {
  /** the bundled tool */
  bundle: string;
  /** the first-boot runner (bash) */
  runner: string;
  /** the runtime to copy */
  node: string;
  cldrDir: string;
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
    return { bundle, runner: path.join(dir, 'firstboot'), node, cldrDir: path.join(dir, 'cldr') };
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

export function installAgent(target: Target, log: PantherLog, state: ImageState): void {
  const { fs } = target;
  const src = agentSource();
  fs.makeDirectory(`${AGENT_DIR}/cldr`, 0o755);
  // the agent (what a package of sysprep installs too: then it is found here, up to date) and the
  // machinery around it (the units, the generator, the login hook, the link), counted apart for the log
  let agent = 0;
  let machinery = 0;
  const put = (ok: boolean) => (agent += ok ? 1 : 0);
  const hook = (ok: boolean) => (machinery += ok ? 1 : 0);
  put(fs.installFile(src.node, `${AGENT_DIR}/node`, 0o755));
  put(fs.installFile(src.bundle, `${AGENT_DIR}/sysprep.mjs`, 0o644));
  put(fs.installFile(src.runner, FIRSTBOOT, 0o755));
  for (const name of nodefs.readdirSync(src.cldrDir)) put(fs.installFile(path.join(src.cldrDir, name), `${AGENT_DIR}/cldr/${name}`, 0o644));
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
  const bytes = nodefs.statSync(src.node).size + nodefs.statSync(src.bundle).size + nodefs.statSync(src.runner).size +
    nodefs.readdirSync(src.cldrDir).reduce((n, f) => n + nodefs.statSync(path.join(src.cldrDir, f)).size, 0);
  log.info(agent
    ? `Installed the first-boot agent in ${AGENT_DIR} (${(bytes / 1048576).toFixed(1)} MiB: runtime, bundle, data)${machinery ? ' and its units' : ''}; ` +
      'the generator enables them at boot as the image state asks'
    : `The first-boot agent in ${AGENT_DIR} is up to date${machinery ? '; installed the units, generator, login hook or link it lacked' : ''}`);
  // what the next boot does, decided now while the answer file and the image are at hand
  const { planned, notes } = sealPlans(fs, state);
  for (const n of notes) log.info(`First-boot plan: ${n}`);
  for (const p of planned) log.info(`First-boot plan, ${describePlan(p)}`);
}
