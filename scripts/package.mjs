#!/usr/bin/env node
// `npm run package` (after `npm run build`): the three ways sysprep is installed on a golden machine,
// in dist/package/:
//   sysprep_VERSION_amd64.deb                Debian and Ubuntu (dpkg-deb --root-owner-group; no fakeroot)
//   sysprep-VERSION-linux-x86_64.tar.gz      other distributions: install.sh [--prefix DIR] [--uninstall]
//   sysprep-VERSION.tgz                      npm pack: `npm install -g` it on Node.js 20+
// The .deb and the tarball carry the first-boot agent exactly as generalize installs it into an image
// (/usr/lib/sysprep: the stripped Node.js runtime, the bundle, the runner, the CLDR data, the launcher,
// README; byte for byte and mode for mode), so a seal of a machine with the package installed finds the
// agent there and up to date (src/firstboot/install.ts) and adds no second copy; and the runtime packed
// with xz (/usr/lib/sysprep/packed/), which a seal of an image without sysprep installs by default. Plus sysprep(8), the bash
// completion and the documentation, all generated from the same sources as --help (src/cli/man-page.ts,
// completion.ts).
//
// SYSPREP_PACKAGE_VERSION overrides package.json's version in the packages' names and metadata (the
// tests build an older "previous" package from the same tree with it, to test an upgrade).
// Needs: dpkg-deb, gzip, tar, npm. No network (npm pack runs with --ignore-scripts on the built tree).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';

const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
process.chdir(REPO);
const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8'));
const VERSION = process.env.SYSPREP_PACKAGE_VERSION || pkg.version;
if (!/^[0-9][A-Za-z0-9.+~]*$/.test(VERSION)) throw new Error(`not a package version: ${VERSION}`);
const OUT = path.resolve(process.env.SYSPREP_PACKAGE_DIR || 'dist/package');
const ARCH = { x64: ['amd64', 'x86_64'] }[process.arch];
if (!ARCH) throw new Error(`packages are made for x86-64 (the runtime is this Node.js, ${process.arch})`);
const [DEB_ARCH, TAR_ARCH] = ARCH;
for (const f of ['dist/agent/node', 'dist/agent/sysprep.mjs', 'dist/agent/firstboot', 'dist/src/cli/man-page.js', 'dist/bundle-inputs.json']) {
  if (!fs.existsSync(f)) throw new Error(`${f} is missing: run "npm run build" first`);
}
const { LAUNCHER, README, SPECIALIZE_UNIT, HOST_KEYS_UNIT, OOBE_UNIT, AUDIT_UNIT, GENERATOR_SCRIPT } = await import('../dist/src/firstboot/units.js');
const { AGENT_DIR, GENERATOR, PACKED_RUNTIMES, UNIT_DIR } = await import('../dist/src/model/paths.js');
const packedXz = `dist/agent/${path.posix.basename(PACKED_RUNTIMES[0].file)}`;
if (!fs.existsSync(packedXz)) throw new Error(`${packedXz} is missing: run "npm run build" with xz installed (xz-utils)`);
const { manPage } = await import('../dist/src/cli/man-page.js');
const { bashCompletion } = await import('../dist/src/cli/completion.js');

/** Every file's time: the commit's (reproducible packages), or now outside git. */
const EPOCH = Number(process.env.SOURCE_DATE_EPOCH || run('git', ['log', '-1', '--format=%ct'], { allowFail: true }).trim() || Math.floor(Date.now() / 1000));
const MAINTAINER = 'sysprep maintainers <maintainers@users.noreply.r-seed-00fed68b.example>';
const SUMMARY = 'System Preparation for Linux images (Windows Sysprep for Linux)';
const DESCRIPTION = [
  'sysprep prepares a golden Linux system for cloning, as Windows Sysprep does: it',
  'removes what makes the machine this machine (machine-id, SSH host keys, host',
  'name, network pins and leases, seeds, what packages made for it), cleans logs',
  'and histories, and plans the first boot of every clone (specialize, OOBE or',
  'audit mode) from an unattend.xml answer file. It works on the running system,',
  'an offline root or a disk image, and proves the seal with sysprep verify.',
  '.',
  'The package brings its own Node.js runtime under /usr/lib/sysprep, the same',
  'first-boot agent a seal installs into the image: Node.js is not needed.',
];

function run(cmd, args, { allowFail = false, ...options } = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...options });
  if (!allowFail && (r.error || r.status !== 0)) throw new Error(`${cmd} ${args.join(' ')}: ${r.error?.message ?? r.stderr}`);
  return r.stdout ?? '';
}

/** A staging tree: files with their modes, links, every time set to EPOCH. */
class Tree {
  constructor(root) {
    this.root = root;
    fs.rmSync(root, { recursive: true, force: true });
    fs.mkdirSync(root, { recursive: true, mode: 0o755 });
  }
  at(p) {
    return path.join(this.root, p);
  }
  dir(p) {
    fs.mkdirSync(this.at(p), { recursive: true, mode: 0o755 });
  }
  write(p, content, mode = 0o644) {
    this.dir(path.dirname(p));
    fs.writeFileSync(this.at(p), content);
    fs.chmodSync(this.at(p), mode);
  }
  copy(from, p, mode) {
    this.dir(path.dirname(p));
    fs.copyFileSync(from, this.at(p));
    fs.chmodSync(this.at(p), mode);
  }
  link(p, target) {
    this.dir(path.dirname(p));
    fs.symlinkSync(target, this.at(p));
  }
  /** every time to EPOCH, every directory 0755 (whatever the umask) */
  settle() {
    const walk = (host) => {
      const st = fs.lstatSync(host);
      if (st.isDirectory()) {
        fs.chmodSync(host, 0o755);
        for (const n of fs.readdirSync(host)) walk(path.join(host, n));
      }
      fs.lutimesSync(host, EPOCH, EPOCH);
    };
    walk(this.root);
  }
  /** dpkg's Installed-Size: KiB per file rounded up, 1 per directory and link */
  installedSize() {
    let kib = 0;
    const walk = (host) => {
      const st = fs.lstatSync(host);
      kib += st.isFile() ? Math.ceil(st.size / 1024) : 1;
      if (st.isDirectory()) for (const n of fs.readdirSync(host)) walk(path.join(host, n));
    };
    for (const n of fs.readdirSync(this.root)) if (n !== 'DEBIAN') walk(path.join(this.root, n));
    return kib;
  }
  files() {
    const out = [];
    const walk = (rel) => {
      for (const n of fs.readdirSync(this.at(rel)).sort()) {
        const r = path.posix.join(rel, n);
        const st = fs.lstatSync(this.at(r));
        if (st.isDirectory()) walk(r);
        else if (st.isFile()) out.push(r);
      }
    };
    walk('');
    return out;
  }
}

const gz = (text) => gzipSync(Buffer.from(text), { level: 9 }); // no name, time 0: gzip -9n

// ---------------------------------------------------------------------------------------------------
// what both system packages carry

const MIT = `Permission is hereby granted, free of charge, to any person obtaining a copy of this software and
associated documentation files (the "Software"), to deal in the Software without restriction, including
without limitation the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is furnished to do so, subject to the
following conditions:

The above copyright notice and this permission notice shall be included in all copies or substantial
portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT
LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO
EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER
IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE
USE OR OTHER DEALINGS IN THE SOFTWARE.`;

/** The npm packages inside the bundle (esbuild's list of inputs) and the CLDR data: name, version, licence, notice. */
function thirdParty() {
  const inputs = JSON.parse(fs.readFileSync('dist/bundle-inputs.json', 'utf8'));
  const names = new Set(['cldr-core']);
  for (const i of inputs) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(i);
    if (m) names.add(m[1]);
  }
  return [...names].sort().map((name) => {
    const dir = path.join('node_modules', name);
    const meta = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    const lic = fs.readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.(md|txt))?$/i.test(f));
    return { name, version: meta.version, license: typeof meta.license === 'string' ? meta.license : 'see the notice', text: lic ? fs.readFileSync(path.join(dir, lic), 'utf8').trim() : undefined };
  });
}

/** Node.js's licence file (it lists the libraries the runtime contains), where this Node.js has it. */
function nodeLicence() {
  const prefix = path.resolve(path.dirname(fs.realpathSync(process.execPath)), '..');
  for (const f of [path.join(prefix, 'share/doc/node/LICENSE'), '/usr/share/doc/nodejs/LICENSE', path.join(prefix, 'LICENSE'), '/usr/share/doc/nodejs/copyright']) {
    if (fs.existsSync(f)) return fs.readFileSync(f, 'utf8');
  }
  return `Node.js ${process.version} is MIT licensed and contains third-party libraries under their own licences:\nhttps://github.com/nodejs/node/blob/${process.version}/LICENSE\n`;
}

function copyright(deps) {
  const year = new Date(EPOCH * 1000).getUTCFullYear();
  return `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: sysprep
Comment: The Node.js runtime in /usr/lib/sysprep/node and the npm packages bundled into
 /usr/lib/sysprep/sysprep.mjs are listed below; their notices are in
 /usr/share/doc/sysprep/third-party.txt.gz.

Files: *
Copyright: ${year} the sysprep authors
License: Expat

Files: usr/lib/sysprep/node
Copyright: Node.js contributors, and the authors of the libraries it contains (OpenSSL, V8, libuv, ICU, zlib and others)
License: Expat and others
 Node.js ${process.version}. Its licence file, which names every library it contains and its
 licence, is /usr/share/doc/sysprep/third-party.txt.gz.
${deps.map((d) => `
Files: usr/lib/sysprep/sysprep.mjs
Comment: bundled npm package ${d.name} ${d.version}${d.name === 'cldr-core' ? ' (usr/lib/sysprep/cldr/*.json)' : ''}
Copyright: the authors of ${d.name}
License: ${d.license.replace(/^MIT$/, 'Expat')}
 The notice is in /usr/share/doc/sysprep/third-party.txt.gz.
`).join('')}
License: Expat
${MIT.split('\n').map((l) => (l ? ` ${l}` : ' .')).join('\n')}
`;
}

function thirdPartyText(deps) {
  const parts = [`Node.js ${process.version} (/usr/lib/sysprep/node)\n${'='.repeat(60)}\n${nodeLicence().trim()}\n`];
  for (const d of deps) parts.push(`${d.name} ${d.version} (${d.license}), bundled into sysprep.mjs\n${'='.repeat(60)}\n${d.text ?? '(no licence file in the package)'}\n`);
  parts.push(`Answer-file component and setting names, bundled into sysprep.mjs\n${'='.repeat(60)}\n${[
    'The names of the Windows answer-file components and settings that `sysprep unattend check` knows',
    '(src/answer-file/windows-reference.json in the source) are derived from Microsoft\'s "Unattended Windows',
    'Setup Reference", MicrosoftDocs/commercialization-public, customize/desktop/unattend/ (copyright Microsoft',
    'Corporation), licensed under the Creative Commons Attribution 4.0 International licence (CC-BY-4.0,',
    'https://creativecommons.org/licenses/by/4.0/). Only names and their hierarchy are used; the pages they come',
    'from and their commits are listed in data/unattend-reference/README.md of the source.',
  ].join('\n')}\n`);
  const legal = 'dist/agent/sysprep.mjs.LEGAL.txt';
  if (fs.existsSync(legal)) parts.push(`Legal comments of the bundled code (esbuild)\n${'='.repeat(60)}\n${fs.readFileSync(legal, 'utf8').trim()}\n`);
  return parts.join('\n');
}

const CHANGELOG = `sysprep (${VERSION}) unstable; urgency=medium

  * Packaged: the .deb, a tarball for other distributions and the npm package.

 -- ${MAINTAINER}  ${new Date(EPOCH * 1000).toUTCString().replace(/^(\w+), (\d+) (\w+) (\d+) ([\d:]+) GMT$/, (_m, d, day, mon, y, t) => `${d}, ${day.padStart(2, '0')} ${mon} ${y} ${t} +0000`)}
`;

/**
 * The files both packages install, under their final paths. The agent is what installAgent writes:
 * same content, same modes, so a seal finds it up to date and rewrites nothing.
 */
function stageCommon(t, { docPrefix, manPrefix, completionPrefix }) {
  const A = AGENT_DIR.slice(1);
  t.copy('dist/agent/node', `${A}/node`, 0o755);
  t.copy('dist/agent/sysprep.mjs', `${A}/sysprep.mjs`, 0o644);
  t.copy('dist/agent/firstboot', `${A}/firstboot`, 0o755);
  for (const n of fs.readdirSync('dist/agent/cldr').sort()) t.copy(`dist/agent/cldr/${n}`, `${A}/cldr/${n}`, 0o644);
  t.write(`${A}/sysprep`, LAUNCHER, 0o755);
  // the runtime packed (xz), for the seals this installation makes of images without sysprep
  // (`--agent packed`, the default): the image's other forms (.deb, .tar.gz) are derived from it at
  // the seal (src/firstboot/install.ts); an image with the package never uses it
  t.copy(packedXz, `${A}/packed/${path.basename(packedXz)}`, 0o644);
  t.write(`${A}/README`, README, 0o644);
  t.write(`${manPrefix}/man8/sysprep.8.gz`, gz(manPage()));
  t.write(`${completionPrefix}/sysprep`, bashCompletion());
  const deps = thirdParty();
  t.write(`${docPrefix}/copyright`, copyright(deps));
  t.write(`${docPrefix}/third-party.txt.gz`, gz(thirdPartyText(deps)));
  t.write(`${docPrefix}/changelog.gz`, gz(CHANGELOG));
  for (const f of ['README.md', 'docs/answer-file.md', 'docs/built-in-providers.md', 'docs/providers.md', 'docs/verify.md']) {
    const text = fs.readFileSync(f);
    // Debian policy 12.3: documentation over 4 KiB is compressed
    if (text.length > 4096) t.write(`${docPrefix}/${path.basename(f)}.gz`, gzipSync(text, { level: 9 }));
    else t.write(`${docPrefix}/${path.basename(f)}`, text);
  }
}

// ---------------------------------------------------------------------------------------------------
// the .deb

function buildDeb() {
  const t = new Tree(path.join(OUT, 'stage-deb'));
  stageCommon(t, { docPrefix: 'usr/share/doc/sysprep', manPrefix: 'usr/share/man', completionPrefix: 'usr/share/bash-completion/completions' });
  // Policy 10.5: a link within /usr is relative. installAgent leaves a /usr/sbin/sysprep that is not its
  // own absolute link alone, so the seal does not touch the package's.
  t.link('usr/sbin/sysprep', path.relative('/usr/sbin', `${AGENT_DIR}/sysprep`));
  // The units and the generator as generalize writes them. Static files: the units have no [Install]
  // section, and the generator adds nothing while there is no State.ini and no pending host keys (an
  // unsealed machine), so an installed package changes nothing about a boot until a seal asks for it.
  for (const [name, text] of [['sysprep-specialize.service', SPECIALIZE_UNIT], ['sysprep-host-keys.service', HOST_KEYS_UNIT], ['sysprep-oobe.service', OOBE_UNIT], ['sysprep-audit.service', AUDIT_UNIT]]) {
    t.write(`${UNIT_DIR.slice(1)}/${name}`, text, 0o644);
  }
  t.write(GENERATOR.slice(1), GENERATOR_SCRIPT, 0o755);
  t.write('usr/share/lintian/overrides/sysprep', LINTIAN_OVERRIDES);
  const control = [
    'Package: sysprep',
    `Version: ${VERSION}`,
    `Architecture: ${DEB_ARCH}`,
    `Maintainer: ${MAINTAINER}`,
    `Installed-Size: ${t.installedSize()}`,
    // what sysprep runs on the machine it runs on: the runtime's libraries; mount/umount/losetup/blkid
    // (mount, util-linux: essential), dumpe2fs (e2fsprogs); bash and coreutils are essential
    'Depends: libc6 (>= 2.28), libgcc-s1 (>= 3.0), libstdc++6 (>= 5.2), mount, e2fsprogs',
    // sfdisk reads --image's partition tables; systemctl/systemd-detect-virt for power actions and
    // /mode:vm; xz and zstd let verify read inside compressed files
    'Recommends: fdisk, systemd, xz-utils, zstd',
    // qemu-img: only for --image with a qcow2 file (converted to raw and back)
    'Suggests: qemu-utils',
    'Section: admin',
    'Priority: optional',
    `Description: ${SUMMARY}`,
    ...DESCRIPTION.map((l) => ` ${l}`),
    '',
  ].join('\n');
  t.dir('DEBIAN');
  t.write('DEBIAN/control', control);
  t.write('DEBIAN/md5sums', t.files().filter((f) => !f.startsWith('DEBIAN/')).map((f) => `${createHash('md5').update(fs.readFileSync(t.at(f))).digest('hex')}  ${f}\n`).join(''));
  t.settle();
  const deb = path.join(OUT, `sysprep_${VERSION}_${DEB_ARCH}.deb`);
  run('dpkg-deb', ['--root-owner-group', '-Zxz', '--build', t.root, deb], { env: { ...process.env, SOURCE_DATE_EPOCH: String(EPOCH) } });
  return deb;
}

/** Why each lintian tag that remains is right for this package. */
const LINTIAN_OVERRIDES = `# The first-boot agent is self-contained on purpose: a clone must set itself up with nothing installed,
# so generalize copies this Node.js runtime (with its statically linked libraries) into the image.
sysprep: embedded-library *[usr/lib/sysprep/node]
# The runtime is the Node.js binary sysprep was built with (Node.js's own release build), not compiled
# here: its hardening and the spelling of its messages are upstream's.
sysprep: hardening-no-pie [usr/lib/sysprep/node]
sysprep: hardening-no-fortify-functions [usr/lib/sysprep/node]
sysprep: spelling-error-in-binary * [usr/lib/sysprep/node]
# The units are systemd's on purpose: a generator pulls them in when the image state asks (no [Install]),
# and the first boot they run (the machine-id committed at first-boot-complete.target) is systemd's.
sysprep: package-supports-alternative-init-but-no-init.d-script [usr/lib/systemd/system/*]
# The agent's README lives beside the agent: the units name it (Documentation=file://...), in the clone too.
sysprep: package-contains-documentation-outside-usr-share-doc [usr/lib/sysprep/README]
`;

// ---------------------------------------------------------------------------------------------------
// the tarball

function buildTarball() {
  const name = `sysprep-${VERSION}-linux-${TAR_ARCH}`;
  const t = new Tree(path.join(OUT, 'stage-tar', name));
  // files/ mirrors the installed tree: usr/lib/sysprep (fixed: where generalize and the units expect the
  // agent) and share/ (under install.sh's --prefix)
  stageCommon(new Tree(t.at('files')), { docPrefix: 'share/doc/sysprep', manPrefix: 'share/man', completionPrefix: 'share/bash-completion/completions' });
  t.copy('scripts/install.sh', 'install.sh', 0o755);
  t.write('VERSION', `${VERSION}\n`);
  t.settle();
  const tarball = path.join(OUT, `${name}.tar.gz`);
  run('tar', ['--sort=name', `--mtime=@${EPOCH}`, '--owner=0', '--group=0', '--numeric-owner', '-C', path.dirname(t.root), '-czf', tarball, name], { env: { ...process.env, GZIP: '-9n' } });
  return tarball;
}

// ---------------------------------------------------------------------------------------------------
// the npm package (package.json's "files", "bin", "man"; "private" keeps it from being published)

function buildNpm() {
  const out = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', OUT], { env: { ...process.env, npm_config_loglevel: 'error' } });
  const made = path.join(OUT, JSON.parse(out)[0].filename);
  if (VERSION === pkg.version) return made;
  const renamed = path.join(OUT, `sysprep-${VERSION}.tgz`);
  fs.renameSync(made, renamed);
  return renamed;
}

// SYSPREP_PACKAGE_ONLY=deb,tar,npm: only those (the tests' "previous" package is a .deb alone)
const only = (process.env.SYSPREP_PACKAGE_ONLY || 'deb,tar,npm').split(',');
fs.mkdirSync(OUT, { recursive: true });
const made = [];
if (only.includes('deb')) made.push(buildDeb());
if (only.includes('tar')) made.push(buildTarball());
if (only.includes('npm')) made.push(buildNpm());
for (const d of ['stage-deb', 'stage-tar']) fs.rmSync(path.join(OUT, d), { recursive: true, force: true });
for (const f of made) console.log(`${path.relative(REPO, f)}  ${(fs.statSync(f).size / 1048576).toFixed(1)} MiB`);
