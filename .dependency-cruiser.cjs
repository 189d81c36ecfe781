/**
 * The layers of sysprep, top to bottom; a module may import only from its own layer and the layers
 * below it (docs/design.md draws them). `npm test` checks this (test/architecture.test.ts runs
 * dependency-cruiser with this file), so the architecture is checked, not remembered.
 *
 *   cli                          the command line, the dialog, generated docs
 *   seal | verify | firstboot | image
 *                                the run (seal may use firstboot: it installs the agent and plans the
 *                                next boot; and verify: a seal ends with a scan), the proof of the seal
 *                                (fingerprints, the scan, secret rules, unowned files), the first boot
 *                                (planner, runner, units, boot-time agent), disk images (mount an
 *                                image for a run; knows no run)
 *   providers                    built-in and external providers, their API, selection, registry
 *   system | answer-file         access to a target (target, lock, Panther log, chroot, tree, the
 *                                answer-file search, state files, host helpers); the answer-file
 *                                model (reader, checks, settings, mappings). system may use answer-file.
 *   model                        passes, phases, modes, image states and their one transition table,
 *                                every path, marker and environment name, the request, errors, version
 *   rootfs                       the root-confined file layer
 */
const LAYERS = [
  ['cli'],
  ['seal', 'verify', 'firstboot', 'image'],
  ['providers'],
  ['system', 'answer-file'],
  ['model'],
  ['rootfs'],
];
/** siblings that may import one another, one way */
const SIBLINGS = { seal: ['firstboot', 'verify'], system: ['answer-file'] };

const folders = LAYERS.flat();
const notTest = '(\\.test\\.ts|/testutil\\.ts)$';
const rules = [];
LAYERS.forEach((layer, i) => {
  const below = LAYERS.slice(i + 1).flat();
  for (const folder of layer) {
    const allowed = [folder, ...(SIBLINGS[folder] ?? []), ...below];
    const forbidden = folders.filter((f) => !allowed.includes(f));
    if (!forbidden.length) continue;
    rules.push({
      name: `layer-${folder}`,
      comment: `src/${folder}/ may import only ${allowed.map((f) => `src/${f}/`).join(', ')} (docs/design.md, "The layers")`,
      severity: 'error',
      from: { path: `^src/${folder}/`, pathNot: notTest },
      to: { path: `^src/(${forbidden.join('|')})/` },
    });
  }
});
rules.push(
  {
    name: 'no-circular',
    comment: 'no import circles: a module that needs another one\'s caller belongs in a lower layer',
    severity: 'error',
    from: { path: '^src/', pathNot: notTest },
    to: { circular: true },
  },
  {
    name: 'src-not-tests',
    comment: 'the product does not import the test harness or the benchmarks',
    severity: 'error',
    from: { path: '^src/', pathNot: notTest },
    to: { path: '^(test|bench)/' },
  },
  {
    name: 'known-layer',
    comment: 'every folder of src/ is a layer of .dependency-cruiser.cjs (place a new one there)',
    severity: 'error',
    from: { path: '^src/' },
    to: { path: `^src/(?!(${folders.join('|')})/)` , pathNot: '^src/[^/]+$' },
  },
);

module.exports = {
  forbidden: rules,
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
