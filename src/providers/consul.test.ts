import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { at, providerTreeTest, put, read } from '../../test/harness/provider-tree.js';
import { hclOrJsonString } from './_identity.js';

/** /etc/consul.d/consul.hcl as HashiCorp's package ships it, with a builder's settings. */
const CONSUL_HCL = '# Full configuration options can be found at https://www.consul.io/docs/agent/config\n\n' +
  'datacenter = "dc1"\ndata_dir = "/opt/consul"\nencrypt = "pUqJrVyVRj5jsiYEkM/tFQYfWyJIv4s3XkvDwy7Cu5s="\n' +
  'retry_join = ["10.0.0.11", "10.0.0.12"]\n';
/** The agent's data besides its identity: the gossip keyring, the member snapshot, ACL tokens. */
const KEEP: Record<string, string> = {
  'serf/local.keyring': '["pUqJrVyVRj5jsiYEkM/tFQYfWyJIv4s3XkvDwy7Cu5s="]',
  'serf/local.snapshot': 'alive: golden 10.0.0.5:8301\n',
  'acl-tokens.json': '{"agent":"3f2b"}',
};

function layOut(root: string, dataDir: string): void {
  put(root, `${dataDir}/node-id`, 'adf4238a-882b-9ddc-4a9d-5b6758e4159e');
  put(root, `${dataDir}/checkpoint-signature`, '7b0e3d4c-5a6f-4b8e-9c0d-1e2f3a4b5c6d\n\n\nThis signature is a randomly generated UUID used to de-duplicate\nalerts and version information.\n');
  for (const [p, content] of Object.entries(KEEP)) put(root, `${dataDir}/${p}`, content, 0o600);
}

function assertDataKept(root: string, dataDir: string): void {
  for (const [p, content] of Object.entries(KEEP)) assert.equal(read(root, `${dataDir}/${p}`), content, `${p} stays`);
}

test('consul: data_dir from HCL and from JSON', () => {
  assert.equal(hclOrJsonString(CONSUL_HCL, 'data_dir'), '/opt/consul');
  assert.equal(hclOrJsonString('{\n  "datacenter": "dc1",\n  "data_dir": "/var/lib/consul"\n}\n', 'data_dir'), '/var/lib/consul');
  assert.equal(hclOrJsonString('# data_dir = "/nope"\n', 'data_dir'), undefined);
});

providerTreeTest('consul', [
  {
    name: 'node-id and checkpoint-signature go from data_dir; configuration, keyring, ACL tokens stay',
    prepare(root) {
      put(root, '/etc/consul.d/consul.hcl', CONSUL_HCL, 0o640);
      layOut(root, '/opt/consul');
    },
    expect: { removed: ['/opt/consul/node-id', '/opt/consul/checkpoint-signature'] },
    check(root) {
      assert.equal(read(root, '/etc/consul.d/consul.hcl'), CONSUL_HCL);
      assertDataKept(root, '/opt/consul');
    },
  },
  {
    name: 'data_dir set in a JSON file: only that directory is looked at',
    prepare(root) {
      put(root, '/etc/consul.d/agent.json', '{\n  "data_dir": "/srv/consul",\n  "server": false\n}\n');
      layOut(root, '/srv/consul');
      layOut(root, '/var/lib/consul'); // not this agent's data directory: left
    },
    expect: { removed: ['/srv/consul/node-id', '/srv/consul/checkpoint-signature'] },
    check(root) {
      assert.equal(read(root, '/etc/consul.d/agent.json'), '{\n  "data_dir": "/srv/consul",\n  "server": false\n}\n');
      assertDataKept(root, '/srv/consul');
      assert.equal(read(root, '/var/lib/consul/node-id'), 'adf4238a-882b-9ddc-4a9d-5b6758e4159e');
    },
  },
  {
    name: 'no configuration: both default data directories',
    prepare(root) {
      layOut(root, '/opt/consul');
      layOut(root, '/var/lib/consul');
    },
    expect: {
      removed: ['/opt/consul/node-id', '/opt/consul/checkpoint-signature', '/var/lib/consul/node-id', '/var/lib/consul/checkpoint-signature'],
    },
    check(root) {
      assertDataKept(root, '/opt/consul');
      assertDataKept(root, '/var/lib/consul');
    },
  },
  {
    name: 'a node-id directory where the file should be is left, with a warning',
    prepare(root) {
      put(root, '/etc/consul.d/consul.hcl', CONSUL_HCL, 0o640);
      put(root, '/opt/consul/node-id/keep', 'x');
    },
    expect: {},
    check(root, report) {
      assert.equal(read(root, '/opt/consul/node-id/keep'), 'x');
      assert.ok(report.warnings.some((w: string) => w.includes('/opt/consul/node-id')));
    },
  },
  {
    name: 'no Consul: nothing to do',
    expect: {},
  },
]);
