import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after } from 'node:test';
import { CACHE_DIR } from '../../test/fixtures/roots.js';
import { at, providerTreeTest, put } from '../../test/harness/provider-tree.js';

const ARCHIVES = '/var/cache/apt/archives';
const BINS = ['/var/cache/apt/pkgcache.bin', '/var/cache/apt/srcpkgcache.bin'];

/**
 * The expected removals: the .deb files debootstrap left in the archive (their names follow Debian's
 * point releases, so they are listed from the root at prepare time, before the harness reads the
 * expectation), the *.bin caches, and what a case adds.
 */
function removals(): { list: string[]; fill(root: string, extra?: string[]): void } {
  const list: string[] = [];
  return {
    list,
    fill(root, extra = []) {
      const debs = fs.readdirSync(at(root, ARCHIVES)).filter((n) => n.endsWith('.deb')).map((n) => `${ARCHIVES}/${n}`);
      assert.ok(debs.length > 50, `debootstrap left its packages in ${ARCHIVES} (${debs.length})`);
      assert.ok(debs.some((p) => /\/dpkg_[^/]+_amd64\.deb$/.test(p)), 'dpkg is among them');
      list.splice(0, list.length, ...debs, ...BINS, ...extra);
    },
  };
}

/** Files on the host, outside the image, that links in the image name; they must stay untouched. */
const HOST = path.join(CACHE_DIR, 'work', `host-package-manager-cache-${process.pid}`);
after(() => fs.rmSync(HOST, { recursive: true, force: true }));
function hostFile(name: string, content: string): string {
  fs.mkdirSync(path.dirname(path.join(HOST, name)), { recursive: true });
  fs.writeFileSync(path.join(HOST, name), content);
  return path.join(HOST, name);
}

const apt = removals();
const rpm = removals();
const dirLink = removals();
const hostLink = removals();

providerTreeTest('package-manager-cache', [
  {
    prepare(root) {
      put(root, `${ARCHIVES}/lock`, '', 0o640);
      put(root, `${ARCHIVES}/partial/nginx_1.22.1-9_amd64.deb`, 'half a package');
      apt.fill(root, [`${ARCHIVES}/partial/nginx_1.22.1-9_amd64.deb`]);
    },
    expect: { removed: apt.list },
    check(root) {
      assert.deepEqual(fs.readdirSync(at(root, ARCHIVES)).sort(), ['lock', 'partial'], 'directories and the lock stay');
      assert.deepEqual(fs.readdirSync(at(root, `${ARCHIVES}/partial`)), []);
      assert.equal(fs.statSync(at(root, `${ARCHIVES}/lock`)).mode & 0o777, 0o640);
      assert.ok(fs.statSync(at(root, '/var/cache/apt')).isDirectory());
    },
  },
  {
    name: 'dnf, yum, zypper and pacman caches: files go, directories and locks stay',
    prepare(root) {
      put(root, '/var/cache/dnf/fedora-3f2a/packages/bash-5.2.26-3.fc40.x86_64.rpm', 'rpm');
      put(root, '/var/cache/dnf/fedora-3f2a/repodata/primary.xml.zck', 'zck');
      put(root, '/var/cache/dnf/fedora.solv', 'solv');
      put(root, '/var/cache/dnf/lock', '');
      put(root, '/var/cache/yum/x86_64/7/base/packages/vim-7.4.rpm', 'rpm');
      put(root, '/var/cache/zypp/packages/repo-oss/x86_64/zypper-1.14.rpm', 'rpm');
      put(root, '/var/cache/zypp/solv/@System/solv', 'kept: only zypp/packages is cleaned');
      put(root, '/var/cache/pacman/pkg/linux-6.9.arch1-1-x86_64.pkg.tar.zst', 'zst');
      rpm.fill(root, [
        '/var/cache/dnf/fedora-3f2a/packages/bash-5.2.26-3.fc40.x86_64.rpm',
        '/var/cache/dnf/fedora-3f2a/repodata/primary.xml.zck',
        '/var/cache/dnf/fedora.solv',
        '/var/cache/yum/x86_64/7/base/packages/vim-7.4.rpm',
        '/var/cache/zypp/packages/repo-oss/x86_64/zypper-1.14.rpm',
        '/var/cache/pacman/pkg/linux-6.9.arch1-1-x86_64.pkg.tar.zst',
      ]);
    },
    expect: { removed: rpm.list },
    check(root) {
      assert.ok(fs.existsSync(at(root, '/var/cache/dnf/lock')));
      assert.ok(fs.statSync(at(root, '/var/cache/dnf/fedora-3f2a/packages')).isDirectory());
      assert.ok(fs.existsSync(at(root, '/var/cache/zypp/solv/@System/solv')));
    },
  },
  {
    name: 'a cache directory that is a link to /etc in the image is not walked',
    prepare(root) {
      fs.rmSync(at(root, `${ARCHIVES}/partial`), { recursive: true });
      fs.symlinkSync('/etc', at(root, `${ARCHIVES}/partial`));
      fs.symlinkSync('../../../srv', at(root, '/var/cache/dnf'));
      dirLink.fill(root);
    },
    expect: { removed: dirLink.list },
    check(root, report) {
      assert.equal(fs.readlinkSync(at(root, `${ARCHIVES}/partial`)), '/etc');
      assert.ok(fs.existsSync(at(root, '/etc/passwd')));
      assert.ok(report.warnings.some((w: string) => w.includes(`${ARCHIVES}/partial`)), 'a warning names the link');
    },
  },
  {
    name: 'links to host files and directories are never followed',
    prepare(root) {
      fs.symlinkSync(hostFile('pkg.deb', 'HOST PACKAGE'), at(root, `${ARCHIVES}/host_1.0_all.deb`));
      hostFile('pacman/keep.pkg.tar.zst', 'HOST PKG');
      fs.mkdirSync(at(root, '/var/cache/pacman'), { recursive: true });
      fs.symlinkSync(path.join(HOST, 'pacman'), at(root, '/var/cache/pacman/pkg'));
      hostLink.fill(root);
    },
    expect: { removed: hostLink.list },
    check(root) {
      assert.equal(fs.readFileSync(path.join(HOST, 'pkg.deb'), 'utf8'), 'HOST PACKAGE');
      assert.equal(fs.readFileSync(path.join(HOST, 'pacman/keep.pkg.tar.zst'), 'utf8'), 'HOST PKG');
      assert.ok(fs.lstatSync(at(root, '/var/cache/pacman/pkg')).isSymbolicLink());
    },
  },
]);
