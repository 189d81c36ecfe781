import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { at, providerTreeTest, read } from '../../test/harness/provider-tree.js';
import { packageFile } from '../../test/harness/debian-package.js';

function put(root: string, p: string, content: string | Buffer = '', mode = 0o644): void {
  fs.mkdirSync(path.dirname(at(root, p)), { recursive: true });
  fs.writeFileSync(at(root, p), content, { mode });
}

/** netdata.conf as Debian's netdata-core package ships it (a laid-out copy when offline). */
const netdataConf = () => packageFile('netdata-core', '/etc/netdata/netdata.conf') ??
  Buffer.from('# NETDATA CONFIGURATION\n[global]\n\trun as user = netdata\n\tweb files owner = root\n');
const CLAIM_CONF = '[global]\n   url = https://app.netdata.cloud\n   token = SPACE_TOKEN\n   rooms = ROOM_ID\n';
const GUID = '/var/lib/netdata/registry/netdata.public.unique.id';
const STATUS = ['/var/lib/netdata/status-netdata.json', '/var/cache/netdata/status-netdata.json'];
const META = '/var/cache/netdata/netdata-meta.db';
const CLAIM = ['claimed_id', 'private.pem', 'public.pem'].map((f) => `/var/lib/netdata/cloud.d/${f}`);
/** Recorded metrics and their metadata: data, kept. */
const KEEP: Record<string, string> = {
  '/var/cache/netdata/context-meta.db': 'sqlite',
  '/var/cache/netdata/dbengine/journalfile-1-0000000001.njf': 'metrics',
  '/var/lib/netdata/cloud.d/cloud.conf': '[global]\n  enabled = yes\n',
  '/etc/netdata/stream.conf': '[stream]\n  enabled = yes\n  destination = parent.example.com\n  api key = 11111111-2222-3333-4444-555555555555\n',
};

function layOut(root: string, prefix = ''): void {
  put(root, `${prefix}/etc/netdata/netdata.conf`, netdataConf());
  put(root, `${prefix}/etc/netdata/claim.conf`, CLAIM_CONF, 0o640);
  put(root, `${prefix}${GUID}`, '1c5a8f2e-3b4d-11ee-9f0a-525400123456');
  for (const p of STATUS) put(root, `${prefix}${p}`, '{"agent":{"id":"1c5a8f2e-3b4d-11ee-9f0a-525400123456"}}');
  for (const p of CLAIM) put(root, `${prefix}${p}`, `${path.basename(p)} of golden`, 0o600);
  put(root, `${prefix}${META}`, 'sqlite: host 1c5a8f2e-3b4d-11ee-9f0a-525400123456');
  for (const [p, content] of Object.entries(KEEP)) put(root, `${prefix}${p}`, content);
}

function assertConfigKept(root: string, prefix = ''): void {
  assert.deepEqual(fs.readFileSync(at(root, `${prefix}/etc/netdata/netdata.conf`)), netdataConf(), 'netdata.conf byte for byte');
  assert.equal(read(root, `${prefix}/etc/netdata/claim.conf`), CLAIM_CONF, 'claim.conf (auto-claiming of clones) stays');
  for (const [p, content] of Object.entries(KEEP)) assert.equal(read(root, `${prefix}${p}`), content, `${p} stays`);
}

providerTreeTest('netdata', [
  {
    name: 'machine GUID, its status-file backups and the claim identity go; configuration and metrics stay',
    prepare(root) {
      layOut(root);
      put(root, '/tmp/status-netdata.json', '{}');
      put(root, '/run/status-netdata.json', '{}');
    },
    expect: { removed: [GUID, ...STATUS, ...CLAIM, META, '/tmp/status-netdata.json', '/run/status-netdata.json'] },
    check(root) {
      assertConfigKept(root);
      assert.ok(fs.statSync(at(root, '/var/lib/netdata/cloud.d')).isDirectory(), 'cloud.d stays');
    },
  },
  {
    name: 'a static install below /opt/netdata',
    prepare: (root) => layOut(root, '/opt/netdata'),
    expect: { removed: [GUID, ...STATUS, ...CLAIM, META].map((p) => `/opt/netdata${p}`) },
    check: (root) => assertConfigKept(root, '/opt/netdata'),
  },
  {
    name: 'the GUID a link to /etc/machine-id: only the link goes',
    prepare(root) {
      layOut(root);
      fs.rmSync(at(root, GUID));
      fs.symlinkSync('/etc/machine-id', at(root, GUID));
    },
    expect: { removed: [GUID, ...STATUS, ...CLAIM, META] },
    check(root) {
      assertConfigKept(root);
      assert.ok(fs.existsSync(at(root, '/etc/machine-id')));
    },
  },
  {
    name: 'no Netdata: nothing to do',
    expect: {},
  },
]);
