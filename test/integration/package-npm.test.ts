/**
 * The npm package (issue 13): `npm pack` of the built tree (package.json's "files", "bin", "man";
 * "private" stays, so nothing can be published by mistake), then `npm install -g --prefix` into a
 * temporary directory with this host's Node.js 20: that `sysprep` works. The dependencies come from
 * the npm registry (or npm's cache), as for any user.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { VERSION } from '../../src/model/version.js';
import { buildPackages, SMALL_UNATTEND, type Built } from '../harness/packaging.js';
import { REPO } from '../harness/sysprep.js';

let built: Built;
let prefix: string;

before(() => {
  built = buildPackages(['npm']);
  prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'sysprep-npm-'));
});

after(() => {
  built?.dispose();
  if (prefix) fs.rmSync(prefix, { recursive: true, force: true });
});

describe('the npm package', { concurrency: false }, () => {
  test('the tarball holds the tool, not the tests, the runtime or the sources', () => {
    const list = spawnSync('tar', ['-tzf', built.npm!], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    for (const f of ['package/package.json', 'package/bin/sysprep', 'package/dist/src/cli/main.js', 'package/dist/agent/sysprep.mjs', 'package/dist/agent/firstboot',
      'package/dist/agent/cldr/windowsZones.json', 'package/docs/sysprep.8', 'package/README.md']) {
      assert.ok(list.includes(f), f);
    }
    assert.deepEqual(list.filter((f) => /\.test\.js$|^package\/(src|test|bench)\/|^package\/dist\/agent\/node$|^package\/dist\/(test|bench)\//.test(f)), []);
    assert.ok(fs.statSync(built.npm!).size < 2 * 1048576, `${fs.statSync(built.npm!).size} bytes`);
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
    assert.equal(pkg.private, true, 'npm publish stays refused');
  });

  test('npm install -g --prefix DIR gives a sysprep that runs on this Node.js', () => {
    assert.match(process.version, /^v(2\d|[3-9]\d)\./, 'Node.js 20 or later');
    const r = spawnSync('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', '--loglevel=error', built.npm!], { encoding: 'utf8', timeout: 600_000 });
    assert.equal(r.status, 0, r.stderr + r.stdout);
    const bin = path.join(prefix, 'bin/sysprep');
    assert.ok(fs.existsSync(bin), bin);
    const env = { ...process.env, PATH: `${path.dirname(process.execPath)}:/usr/sbin:/usr/bin:/sbin:/bin` };
    const version = spawnSync(bin, ['--version'], { encoding: 'utf8', env });
    assert.equal(version.status, 0, version.stderr);
    assert.equal(version.stdout, `sysprep ${VERSION}\n`);
    const help = spawnSync(bin, ['--help'], { encoding: 'utf8', env });
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /^Usage:\n/);
    assert.match(help.stdout, /machine-id/);
    // the dependencies resolved: the answer-file reader (saxes), the CLDR data
    const file = path.join(prefix, 'unattend.xml');
    fs.writeFileSync(file, SMALL_UNATTEND);
    const check = spawnSync(bin, ['unattend', 'check', file], { encoding: 'utf8', env });
    assert.equal(check.status, 0, check.stderr + check.stdout);
    assert.match(check.stdout, /Europe\/Berlin/);
    // npm links the manual page
    assert.ok(fs.existsSync(path.join(prefix, 'share/man/man8/sysprep.8')), 'share/man/man8/sysprep.8');
  });
});
