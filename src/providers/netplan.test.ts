import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { GOLDEN_MAC } from '../../test/fixtures/lived-in.js';
import { CACHE_DIR } from '../../test/fixtures/roots.js';
import { overlayRoot, usedRoot } from '../../test/fixtures/used-root.js';
import { at, providerTreeTest, read } from '../../test/harness/provider-tree.js';
import { sysprep } from '../../test/harness/sysprep.js';
import { diff, isSysprepOwn, snapshot } from '../../test/harness/tree.js';

const CLOUD_INIT = '/etc/netplan/50-cloud-init.yaml';
const STATIC = 'network:\n  version: 2\n  ethernets:\n    ens3:\n      addresses: [10.0.0.9/24]\n';
const UNPINNED =
  '# written by cloud-init\nnetwork:\n  version: 2\n  ethernets:\n    eth0:\n' +
  '      match:\n        name: eth0\n      dhcp4: true\n';
const PINNED = `network:\n  version: 2\n  ethernets:\n    lan:\n      match:\n        macaddress: "${GOLDEN_MAC}"\n      set-name: lan0\n`;

/** Files on the host, outside the image, that links in the image name; they must stay untouched. */
const HOST = path.join(CACHE_DIR, 'work', `host-netplan-${process.pid}`);
after(() => fs.rmSync(HOST, { recursive: true, force: true }));
function hostFile(name: string, content: string): string {
  fs.mkdirSync(path.dirname(path.join(HOST, name)), { recursive: true });
  fs.writeFileSync(path.join(HOST, name), content);
  return path.join(HOST, name);
}

providerTreeTest('netplan', [
  {
    expect: { changed: [CLOUD_INIT] },
    check(root, report) {
      // the MAC match becomes a match on the name set-name gave; set-name goes; the comment stays
      assert.equal(read(root, CLOUD_INIT), UNPINNED);
      assert.equal(fs.statSync(at(root, CLOUD_INIT)).mode & 0o777, 0o600, 'netplan files stay private');
      assert.equal(read(root, '/etc/netplan/01-static.yaml'), STATIC);
      assert.equal(report.providers[0].changes[0].detail, 'unpinned eth0');
    },
  },
  {
    name: 'nothing to do: no MAC match anywhere',
    prepare(root) {
      fs.writeFileSync(at(root, CLOUD_INIT), 'network:\n  version: 2\n  ethernets:\n    eth0:\n      dhcp4: true\n');
    },
    expect: {},
    check(root, report) {
      assert.equal(report.providers[0].status, 'done');
      assert.equal(read(root, CLOUD_INIT), 'network:\n  version: 2\n  ethernets:\n    eth0:\n      dhcp4: true\n');
    },
  },
  {
    name: 'a config that is a link to a host file is not read or written',
    prepare(root) {
      fs.symlinkSync(hostFile('60-host.yaml', PINNED), at(root, '/etc/netplan/60-host.yaml'));
    },
    expect: { changed: [CLOUD_INIT] },
    check(root) {
      assert.equal(fs.readFileSync(path.join(HOST, '60-host.yaml'), 'utf8'), PINNED);
      assert.equal(fs.readlinkSync(at(root, '/etc/netplan/60-host.yaml')), path.join(HOST, '60-host.yaml'));
    },
  },
]);

test('netplan: a config that is not valid YAML is refused at validation (exit 4), nothing changed', () => {
  const scratch = overlayRoot(usedRoot('bookworm'), 'netplan-invalid');
  try {
    fs.writeFileSync(at(scratch.root, '/etc/netplan/70-broken.yaml'), 'network:\n  ethernets:\n    eth0: [unclosed\n', { mode: 0o600 });
    const before = snapshot(scratch.root);
    const r = sysprep(['--root', scratch.root, '--providers', 'netplan', '/generalize', '/quit', '--json']);
    assert.equal(r.status, 4, r.stderr);
    assert.match(r.stderr, /70-broken\.yaml/);
    assert.deepEqual(diff(before, snapshot(scratch.root), isSysprepOwn), { removed: [], added: [], changed: [] });
  } finally {
    scratch.dispose();
  }
});
