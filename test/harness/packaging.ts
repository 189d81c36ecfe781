/** The packages of `npm run package` (scripts/package.mjs), built for a test, and commands in a chroot. */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CACHE_DIR } from '../fixtures/roots.js';
import { REPO } from './sysprep.js';

export interface Built {
  dir: string;
  deb?: string;
  tarball?: string;
  npm?: string;
  dispose(): void;
}

/**
 * Runs scripts/package.mjs (on the tree `npm run build` made) into a directory of its own. `version`:
 * SYSPREP_PACKAGE_VERSION, the same tree under another version (there is no earlier release to upgrade
 * from, so the "previous" package is this one with a lower version).
 */
export function buildPackages(kinds: ('deb' | 'tar' | 'npm')[], version?: string): Built {
  fs.mkdirSync(path.join(CACHE_DIR, 'work'), { recursive: true });
  const dir = fs.mkdtempSync(path.join(CACHE_DIR, 'work', 'packages-'));
  const r = spawnSync(process.execPath, [path.join(REPO, 'scripts/package.mjs')], {
    cwd: REPO,
    encoding: 'utf8',
    timeout: 600_000,
    env: { ...process.env, SYSPREP_PACKAGE_DIR: dir, SYSPREP_PACKAGE_ONLY: kinds.join(','), ...(version ? { SYSPREP_PACKAGE_VERSION: version } : {}) },
  });
  if (r.status !== 0) throw new Error(`scripts/package.mjs failed (${r.status}): ${r.stderr}${r.stdout}`);
  const names = fs.readdirSync(dir);
  const find = (re: RegExp) => names.filter((n) => re.test(n)).map((n) => path.join(dir, n))[0];
  const built: Built = { dir, dispose: () => fs.rmSync(dir, { recursive: true, force: true }) };
  const deb = find(/^sysprep_.*_amd64\.deb$/);
  const tarball = find(/^sysprep-.*-linux-x86_64\.tar\.gz$/);
  const npm = find(/^sysprep-[^-]+\.tgz$/);
  if (deb) built.deb = deb;
  if (tarball) built.tarball = tarball;
  if (npm) built.npm = npm;
  return built;
}

export interface Ran {
  status: number;
  stdout: string;
  stderr: string;
}

/** A command inside `root` (chroot, a clean environment, its own mount namespace with /proc). */
export function inChroot(root: string, argv: string[], options: SpawnSyncOptions = {}): Ran {
  const r = spawnSync('unshare', ['--mount', '--pid', '--fork', `--mount-proc=${path.join(root, 'proc')}`, 'chroot', root,
    'env', '-i', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'LANG=C.UTF-8', 'HOME=/root', ...argv], {
    encoding: 'utf8', timeout: 300_000, ...options,
  });
  return { status: r.status ?? -1, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
}

/** The same, and it must succeed. */
export function mustInChroot(root: string, argv: string[], options: SpawnSyncOptions = {}): Ran {
  const r = inChroot(root, argv, options);
  if (r.status !== 0) throw new Error(`${argv.join(' ')} in ${root}: exit ${r.status}\n${r.stderr}${r.stdout}`);
  return r;
}

/** dpkg's own bookkeeping, which an install and a purge change by design (its database and log). */
export const isDpkgBookkeeping = (p: string) => p === '/var/lib/dpkg' || p.startsWith('/var/lib/dpkg/') || p === '/var/log/dpkg.log';

/** A small answer file that `unattend check` accepts. */
export const SMALL_UNATTEND = `<?xml version="1.0" encoding="utf-8"?>
<unattend xmlns="urn:schemas-microsoft-com:unattend" xmlns:wcm="http://schemas.microsoft.com/WMIConfig/2002/State">
  <settings pass="specialize">
    <component name="Microsoft-Windows-Shell-Setup" processorArchitecture="amd64" publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS">
      <ComputerName>web-01</ComputerName>
      <TimeZone>W. Europe Standard Time</TimeZone>
    </component>
  </settings>
</unattend>
`;
