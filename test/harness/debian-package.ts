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

/** The directory a package is unpacked in, or undefined when it cannot be had. */
export function unpackedPackage(pkg: string): string | undefined {
  const dir = path.join(DEBS, pkg);
  if (fs.existsSync(path.join(dir, '.unpacked'))) return dir;
  fs.mkdirSync(DEBS, { recursive: true });
  const find = () => fs.readdirSync(DEBS).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
  if (!find()) {
    const r = spawnSync('apt-get', ['download', pkg], { cwd: DEBS, encoding: 'utf8', timeout: 120_000 });
    if (r.status !== 0 || !find()) return undefined;
  }
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  const x = spawnSync('dpkg-deb', ['-x', path.join(DEBS, find()!), tmp], { encoding: 'utf8' });
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
