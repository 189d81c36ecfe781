/**
 * The packed runtime's derived forms, read by the tools an image unpacks them with: dpkg-deb (the
 * .deb: its Installed-Size for the launcher, its data member the xz stream as it was) and tar/gzip
 * (the .tar.gz: `node`, mode 0755, the same bytes).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { debOfXz, tarGzOfRuntime } from './runtime-archives.js';

let dir: string;
let node: string;
let xz: string;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runtime-archives-'));
  node = path.join(dir, 'node');
  // an odd size (padding in the tar and in the ar archive), and content that does not compress away
  fs.writeFileSync(node, Buffer.concat([Buffer.from('#!/bin/sh\necho runtime\n'), fs.readFileSync(process.execPath).subarray(0, 300_001)]), { mode: 0o755 });
  xz = path.join(dir, 'runtime.tar.xz');
  const r = spawnSync('sh', ['-c', 'tar --owner=0 --group=0 --numeric-owner --mode=0755 -C "$1" -cf - node | xz -1 > "$2"', 'sh', dir, xz]);
  assert.equal(r.status, 0, String(r.stderr));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('the .deb: dpkg-deb reads its fields and unpacks the runtime from the same xz stream', () => {
  const deb = path.join(dir, 'runtime.deb');
  debOfXz(xz, deb, node);
  const size = spawnSync('dpkg-deb', ['--field', deb, 'Installed-Size'], { encoding: 'utf8' });
  assert.equal(size.status, 0, size.stderr);
  const kib = Number(size.stdout.trim());
  const bytes = fs.statSync(node).size;
  assert.ok(kib * 1024 >= bytes + 512 && kib * 1024 < bytes + 4096, `Installed-Size ${kib} KiB for ${bytes} bytes: the runtime and its tar header`);
  const out = path.join(dir, 'from-deb');
  fs.mkdirSync(out);
  const x = spawnSync('sh', ['-c', 'dpkg-deb --fsys-tarfile "$1" | tar -xf - -C "$2"', 'sh', deb, out], { encoding: 'utf8' });
  assert.equal(x.status, 0, x.stderr);
  assert.ok(fs.readFileSync(path.join(out, 'node')).equals(fs.readFileSync(node)));
  assert.equal(fs.statSync(path.join(out, 'node')).mode & 0o777, 0o755);
  const members = spawnSync('ar', ['t', deb], { encoding: 'utf8' });
  if (!members.error) assert.equal(members.stdout, 'debian-binary\ncontrol.tar.gz\ndata.tar.xz\n');
});

test('the .tar.gz: node, mode 0755, owned by root, the same bytes', () => {
  const gz = path.join(dir, 'runtime.tar.gz');
  tarGzOfRuntime(node, gz);
  const list = spawnSync('tar', ['-tvzf', gz], { encoding: 'utf8' });
  assert.equal(list.status, 0, list.stderr);
  assert.match(list.stdout, /^-rwxr-xr-x root\/root +\d+ .* node\n$/);
  const out = path.join(dir, 'from-gz');
  fs.mkdirSync(out);
  assert.equal(spawnSync('tar', ['-xzf', gz, '-C', out]).status, 0);
  assert.ok(fs.readFileSync(path.join(out, 'node')).equals(fs.readFileSync(node)));
  const gl = spawnSync('sh', ['-c', 'gzip --list "$1" | { read -r _ && read -r _ u _ && echo "$u"; }', 'sh', gz], { encoding: 'utf8' });
  assert.equal(Number(gl.stdout.trim()) % 512, 0, 'gzip --list: the tar size the launcher reads');
});
