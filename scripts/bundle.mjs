#!/usr/bin/env node
// Bundles the whole CLI (sysprep and its first-boot agent) into one ES module, dist/agent/sysprep.mjs,
// with the CLDR data files it reads beside it. Generalize installs these into the image under
// /usr/lib/sysprep/ together with a Node.js runtime, so a clone needs nothing installed.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
mkdirSync('dist/agent/cldr', { recursive: true });
const bundled = await build({
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/agent/sysprep.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: true,
  legalComments: 'linked',
  logLevel: 'warning',
  metafile: true,
  // CommonJS dependencies bundled into an ES module still call require() for Node built-ins
  banner: { js: "import { createRequire as __sysprepRequire } from 'node:module'; const require = __sysprepRequire(import.meta.url);" },
});
// what went into the bundle, for the packages' licence notices (scripts/package.mjs)
writeFileSync('dist/bundle-inputs.json', JSON.stringify(Object.keys(bundled.metafile.inputs).sort(), null, 1) + '\n');
// the first-boot runner: bash, installed beside the bundle, ONE file, with its constants block (paths,
// markers, image states, the operation table) rendered from the model by src/firstboot/contract.ts
// (compiled by tsc before this script runs). `--write-source` also rewrites the committed copy in
// src/firstboot/runner.bash, which a test (contract.test) requires to be current.
const { withRunnerConstants } = await import('../dist/src/firstboot/contract.js');
const source = readFileSync('src/firstboot/runner.bash', 'utf8');
const runner = withRunnerConstants(source);
if (process.argv.includes('--write-source') && runner !== source) {
  writeFileSync('src/firstboot/runner.bash', runner);
  console.warn('src/firstboot/runner.bash: generated constants block rewritten');
}
writeFileSync('dist/agent/firstboot', runner, { mode: 0o755 });
chmodSync('dist/agent/firstboot', 0o755);
for (const name of ['windowsZones', 'likelySubtags', 'aliases']) {
  copyFileSync(require.resolve(`cldr-core/supplemental/${name}.json`), `dist/agent/cldr/${name}.json`);
}

// the runtime the image gets: this Node.js, without its debug symbols (and the .comment and .note
// sections, as dh_strip does) when strip is available
const runtime = 'dist/agent/node';
let fresh = true;
try {
  fresh = statSync(runtime).mtimeMs < statSync(process.execPath).mtimeMs;
} catch {
  /* not there yet */
}
if (fresh) {
  copyFileSync(process.execPath, runtime);
  const r = spawnSync('strip', ['--remove-section=.comment', '--remove-section=.note', runtime]);
  if (r.error || r.status !== 0) console.warn('strip is not available: the agent runtime keeps its symbols');
}

// the runtime packed, for `--agent packed` (src/firstboot/install.ts installs the first form the image
// can unpack with its own tools; src/model/paths.ts names them): a tar holding `node`, compressed with
// xz (-6 on two threads: 22 MB in about 20 s; -9 saves 1 % in three times as long); the same xz stream
// as the data member of a .deb, which dpkg-deb unpacks where xz is not installed (a debootstrap root);
// and gzip (32 MB) for the rest — those two written by src/firstboot/runtime-archives.ts, as a seal
// derives them when its installation carries the xz form alone. Made again only when the runtime is newer.
const { PACKED_RUNTIMES } = await import('../dist/src/model/paths.js');
const { debOfXz, tarGzOfRuntime } = await import('../dist/src/firstboot/runtime-archives.js');
const packedAs = (suffix) => `dist/agent/${PACKED_RUNTIMES.find((p) => p.file.endsWith(suffix)).file.split('/').pop()}`;
const packed = { xz: packedAs('.tar.xz'), deb: packedAs('.deb'), gz: packedAs('.tar.gz') };
const stale = (f) => {
  try {
    return statSync(f).mtimeMs < statSync(runtime).mtimeMs;
  } catch {
    return true;
  }
};
const hasXz = spawnSync('sh', ['-c', 'command -v xz'], { stdio: 'ignore' }).status === 0;
if (!hasXz) {
  console.warn('xz is not installed (xz-utils): no packed runtime; --agent packed will install the runtime as it is');
} else if (Object.values(packed).some(stale)) {
  const r = spawnSync('sh', ['-ec', 'tar --owner=0 --group=0 --numeric-owner --mode=0755 -C dist/agent -cf - node | xz -6 -T2 > "$1.tmp" && mv "$1.tmp" "$1"', 'sh', packed.xz], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.error || r.status !== 0) throw new Error("packing the agent's runtime with xz failed");
  debOfXz(packed.xz, `${packed.deb}.tmp`, runtime);
  renameSync(`${packed.deb}.tmp`, packed.deb);
  tarGzOfRuntime(runtime, `${packed.gz}.tmp`);
  renameSync(`${packed.gz}.tmp`, packed.gz);
}

