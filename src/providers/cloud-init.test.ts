import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after } from 'node:test';
import { CACHE_DIR } from '../../test/fixtures/roots.js';
import { at, providerTreeTest, put, read } from '../../test/harness/provider-tree.js';

const STATE = ['/var/lib/cloud/data', '/var/lib/cloud/instance', '/var/lib/cloud/instances'];
const LOGS = ['/var/log/cloud-init.log', '/var/log/cloud-init-output.log'];

const HOST = path.join(CACHE_DIR, 'work', `host-cloud-init-${process.pid}`);
after(() => fs.rmSync(HOST, { recursive: true, force: true }));

function assertSeedKept(root: string): void {
  assert.deepEqual(fs.readdirSync(at(root, '/var/lib/cloud')), ['seed'], 'only the seed is left in /var/lib/cloud');
  assert.equal(read(root, '/var/lib/cloud/seed/nocloud/user-data'), '#cloud-config\nhostname: seeded\n');
}

providerTreeTest('cloud-init', [
  {
    name: 'instance cache and logs go, the seed stays',
    expect: { removed: [...STATE, ...LOGS] },
    check: assertSeedKept,
  },
  {
    name: 'rotated logs, the rest of the cache; the whole seed stays',
    prepare(root) {
      put(root, '/var/log/cloud-init.log.1', 'old\n');
      put(root, '/var/log/cloud-init-output.log.2.gz', 'gz');
      put(root, '/var/lib/cloud/handlers/README', '');
      put(root, '/var/lib/cloud/sem/config_scripts_per_once.once', '');
      put(root, '/var/lib/cloud/scripts/per-boot/.keep', '');
      put(root, '/var/lib/cloud/seed/nocloud/meta-data', 'instance-id: seeded\n');
      put(root, '/var/lib/cloud/seed/nocloud/network-config', 'version: 2\n');
    },
    expect: {
      removed: [...STATE, ...LOGS, '/var/log/cloud-init.log.1', '/var/log/cloud-init-output.log.2.gz',
        '/var/lib/cloud/handlers', '/var/lib/cloud/sem', '/var/lib/cloud/scripts'],
    },
    check(root) {
      assertSeedKept(root);
      assert.equal(read(root, '/var/lib/cloud/seed/nocloud/meta-data'), 'instance-id: seeded\n');
    },
  },
  {
    name: 'instance links to a host directory: the link goes, the host directory stays',
    prepare(root) {
      fs.mkdirSync(path.join(HOST, 'i-host/sem'), { recursive: true });
      fs.writeFileSync(path.join(HOST, 'i-host/sem/config_ssh'), 'host\n');
      fs.rmSync(at(root, '/var/lib/cloud/instance'));
      fs.symlinkSync(path.join(HOST, 'i-host'), at(root, '/var/lib/cloud/instance'));
    },
    expect: { removed: [...STATE, ...LOGS] },
    check(root) {
      assertSeedKept(root);
      assert.equal(fs.readFileSync(path.join(HOST, 'i-host/sem/config_ssh'), 'utf8'), 'host\n');
    },
  },
  {
    name: 'a clean image (seed only, no logs): nothing to do',
    prepare(root) {
      for (const p of [...STATE, ...LOGS]) fs.rmSync(at(root, p), { recursive: true });
    },
    expect: {},
    check: assertSeedKept,
  },
]);
