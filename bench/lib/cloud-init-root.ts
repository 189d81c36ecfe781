/**
 * The used root with cloud-init installed by apt in a chroot, as cloud-init's own clean would leave
 * it: built once, cached in $SYSPREP_TEST_CACHE/bench, rebuilt when the used root was rebuilt or the
 * recipe changed. Never written after it is built (give tools an overlay on it).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cachedBuild, readStamp, usedRootStamp } from './cache.js';
import { chroot, withChrootMounts } from './chroot.js';
import { disposing, note } from './process.js';
import { run } from './run.js';
import { BENCH_DIR } from './settings.js';

/** bump when the cached cloud-init root's recipe changes */
const CLOUD_INIT_RECIPE = 1;

export interface CloudInitRoot {
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

/** A copy of `used` at `tmp` with cloud-init installed and cleaned; returns cloud-init's version. */
function installCloudInit(used: string, tmp: string): string {
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
  return chroot(tmp, ['dpkg-query', '-W', '-f', '${Version}', 'cloud-init']).trim();
}

/** The cloud-init root made from `used`, from the cache or built now (several minutes: apt). */
export function cloudInitRoot(used: string): CloudInitRoot {
  fs.mkdirSync(BENCH_DIR, { recursive: true });
  const dir = path.join(BENCH_DIR, `cloud-init-root-${path.basename(used)}`);
  const stampName = '.sysprep-bench.json';
  const usedStamp = usedRootStamp(used);
  const read = (): CloudInitRoot | undefined => {
    const m = readStamp(path.join(dir, stampName));
    if (m.usedStamp === usedStamp && m.recipe === CLOUD_INIT_RECIPE) return { root: dir, version: m.version, built: false, ...addedPackages(used, dir) };
    return undefined;
  };
  return cachedBuild(`${dir}.lock`, read, () => {
    const started = Date.now();
    const tmp = `${dir}.building-${process.pid}`;
    note(`building the cloud-init root ${dir} (cp -a of the used root, apt-get install cloud-init in a chroot; once, cached)`);
    fs.rmSync(tmp, { recursive: true, force: true });
    // a half-built copy is removed when the build fails or is interrupted (the finished one is renamed first)
    const version = disposing(
      () => fs.rmSync(tmp, { recursive: true, force: true }),
      () => {
        const version = installCloudInit(used, tmp);
        fs.writeFileSync(path.join(tmp, stampName), JSON.stringify({ usedStamp, recipe: CLOUD_INIT_RECIPE, version, source: used }, null, 2) + '\n');
        fs.rmSync(dir, { recursive: true, force: true });
        fs.renameSync(tmp, dir);
        return version;
      },
    );
    const buildSeconds = (Date.now() - started) / 1000;
    note(`cloud-init ${version} root built in ${buildSeconds.toFixed(0)} s`);
    return { root: dir, version, built: true, buildSeconds, ...addedPackages(used, dir) };
  });
}
