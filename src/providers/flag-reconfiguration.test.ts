import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after } from 'node:test';
import { CACHE_DIR } from '../../test/fixtures/roots.js';
import { FEDORA, at, providerTreeTest } from '../../test/harness/provider-tree.js';

const FLAG = '/.unconfigured';

const HOST = path.join(CACHE_DIR, 'work', `host-flag-reconfiguration-${process.pid}`);
after(() => fs.rmSync(HOST, { recursive: true, force: true }));

function assertFlag(root: string): void {
  const st = fs.lstatSync(at(root, FLAG));
  assert.ok(st.isFile());
  assert.equal(st.size, 0);
  assert.equal(st.mode & 0o7777, 0o644);
}

providerTreeTest('flag-reconfiguration', [
  {
    name: 'opt-in: creates an empty /.unconfigured',
    expect: { added: [FLAG] },
    check: assertFlag,
  },
  {
    name: "Fedora (initial-setup's layout)",
    prepare(root) {
      fs.rmSync(at(root, '/etc/os-release'));
      fs.writeFileSync(at(root, '/etc/os-release'), FEDORA);
    },
    expect: { added: [FLAG] },
    check(root, report) {
      assert.match(report.os, /Fedora/);
      assertFlag(root);
    },
  },
  {
    name: 'already flagged: nothing to do',
    prepare(root) {
      fs.writeFileSync(at(root, FLAG), '');
    },
    expect: {},
  },
  {
    name: 'a dangling link to a host path is not written through',
    prepare(root) {
      fs.mkdirSync(HOST, { recursive: true });
      fs.symlinkSync(path.join(HOST, 'unconfigured'), at(root, FLAG));
    },
    expect: {},
    check(root) {
      assert.equal(fs.readlinkSync(at(root, FLAG)), path.join(HOST, 'unconfigured'));
      assert.ok(!fs.existsSync(path.join(HOST, 'unconfigured')), 'nothing created on the host');
    },
  },
]);
