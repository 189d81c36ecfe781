import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after } from 'node:test';
import { CACHE_DIR } from '../../test/fixtures/roots.js';
import { at, providerTreeTest } from '../../test/harness/provider-tree.js';

const PLANTED = ['/var/crash/_usr_bin_myapp.1000.crash', '/var/lib/systemd/coredump/core.myapp.1000.zst'];

function put(root: string, p: string, content = 'dump\n'): void {
  fs.mkdirSync(path.dirname(at(root, p)), { recursive: true });
  fs.writeFileSync(at(root, p), content);
}

const HOST = path.join(CACHE_DIR, 'work', `host-crash-data-${process.pid}`);
after(() => fs.rmSync(HOST, { recursive: true, force: true }));

function assertDirsKept(root: string, dirs: string[]): void {
  for (const d of dirs) {
    assert.ok(fs.lstatSync(at(root, d)).isDirectory(), `${d} stays`);
    assert.deepEqual(fs.readdirSync(at(root, d)), [], `${d} is empty`);
  }
}

providerTreeTest('crash-data', [
  {
    expect: { removed: PLANTED },
    check: (root) => assertDirsKept(root, ['/var/crash', '/var/lib/systemd/coredump']),
  },
  {
    name: 'kdump directories, dot files, /var/log/dump and apport cores',
    prepare(root) {
      put(root, '/var/crash/127.0.0.1-2026-11-20-10:00:00/vmcore');
      put(root, '/var/crash/127.0.0.1-2026-11-20-10:00:00/vmcore-dmesg.txt');
      put(root, '/var/crash/.lock', '');
      put(root, '/var/log/dump/vmcore');
      put(root, '/var/lib/apport/coredump/core._usr_bin_myapp.1000.abc.1234.1700000000');
    },
    expect: {
      removed: [
        ...PLANTED,
        '/var/crash/127.0.0.1-2026-11-20-10:00:00',
        '/var/crash/.lock',
        '/var/log/dump/vmcore',
        '/var/lib/apport/coredump/core._usr_bin_myapp.1000.abc.1234.1700000000',
      ],
    },
    check: (root) => assertDirsKept(root, ['/var/crash', '/var/lib/systemd/coredump', '/var/log/dump', '/var/lib/apport/coredump']),
  },
  {
    name: '/var/crash links to a host directory: it is not entered',
    prepare(root) {
      fs.mkdirSync(HOST, { recursive: true });
      fs.writeFileSync(path.join(HOST, 'host.crash'), 'host crash\n');
      fs.rmSync(at(root, '/var/crash'), { recursive: true });
      fs.symlinkSync(HOST, at(root, '/var/crash'));
    },
    expect: { removed: ['/var/lib/systemd/coredump/core.myapp.1000.zst'] },
    check(root) {
      assert.equal(fs.readlinkSync(at(root, '/var/crash')), HOST);
      assert.equal(fs.readFileSync(path.join(HOST, 'host.crash'), 'utf8'), 'host crash\n');
    },
  },
]);
