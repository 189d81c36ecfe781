/**
 * Files of real Debian packages for provider tests: the package's .deb is fetched once with
 * `apt-get download` (the host is Debian, like the test roots) into the test cache and unpacked
 * there with `dpkg-deb -x` (no maintainer scripts run). Tests copy the files they need into their
 * overlay root, so the tree looks the way the package installs it. Offline, with the package not in
 * the cache, packageFile() returns undefined and the test falls back to a laid-out copy.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CACHE_DIR } from '../fixtures/roots.js';

const DEBS = path.join(CACHE_DIR, 'debs');

/** The package's .deb in the test cache (fetched when missing), or undefined when it cannot be had. */
export function debFile(pkg: string): string | undefined {
  fs.mkdirSync(DEBS, { recursive: true });
  const find = () => fs.readdirSync(DEBS).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
  if (!find()) {
    const r = spawnSync('apt-get', ['download', pkg], { cwd: DEBS, encoding: 'utf8', timeout: 120_000 });
    if (r.status !== 0 || !find()) return undefined;
  }
  return path.join(DEBS, find()!);
}

/** The directory a package is unpacked in, or undefined when it cannot be had. */
export function unpackedPackage(pkg: string): string | undefined {
  const dir = path.join(DEBS, pkg);
  if (fs.existsSync(path.join(dir, '.unpacked'))) return dir;
  const deb = debFile(pkg);
  if (!deb) return undefined;
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  const x = spawnSync('dpkg-deb', ['-x', deb, tmp], { encoding: 'utf8' });
  if (x.status !== 0) return undefined;
  fs.writeFileSync(path.join(tmp, '.unpacked'), '');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(tmp, dir);
  return dir;
}

/** A file of a package, as it ships (target path, e.g. /usr/bin/wg). */
export function packageFile(pkg: string, p: string): Buffer | undefined {
  const dir = unpackedPackage(pkg);
  if (!dir) return undefined;
  try {
    return fs.readFileSync(path.join(dir, p));
  } catch {
    return undefined;
  }
}

/**
 * Install real packages into a test root with its own dpkg (maintainer scripts included), for a
 * provider that runs the package's programs. Throws when a package cannot be had: such a test has
 * nothing to fall back to.
 */
export function installPackages(root: string, pkgs: readonly string[]): void {
  const inRoot: string[] = [];
  for (const pkg of pkgs) {
    const deb = debFile(pkg);
    if (!deb) throw new Error(`apt-get download ${pkg} failed (is the Debian mirror reachable? apt-get update?)`);
    const name = `/tmp/${path.basename(deb)}`;
    fs.copyFileSync(deb, path.join(root, name));
    inRoot.push(name);
  }
  try {
    const r = spawnSync('chroot', [root, 'env', '-i', 'PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'DEBIAN_FRONTEND=noninteractive', 'dpkg', '-i', ...inRoot],
      { encoding: 'utf8', timeout: 300_000 });
    if (r.status !== 0) throw new Error(`dpkg -i ${pkgs.join(' ')} in ${root} failed:\n${r.stdout}${r.stderr}`);
  } finally {
    for (const name of inRoot) fs.rmSync(path.join(root, name), { force: true });
  }
}
