import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { at, providerTreeTest, put, read } from '../../test/harness/provider-tree.js';

/** /etc/nomad.d/nomad.hcl as HashiCorp's package ships it, client enabled. */
const NOMAD_HCL = '# Full configuration options can be found at https://developer.hashicorp.com/nomad/docs/configuration\n\n' +
  'data_dir  = "/opt/nomad/data"\nbind_addr = "0.0.0.0"\n\nclient {\n  enabled = true\n  servers = ["10.0.0.21"]\n}\n';
const D = '/opt/nomad/data';
const IDENTITY = [`${D}/client/client-id`, `${D}/client/secret-id`, `${D}/client/state.db`, `${D}/server/node-id`, `${D}/checkpoint-signature`];
const KEEP: Record<string, string> = {
  'server/raft/raft.db': 'raft',
  'server/serf/local.keyring': '["key"]',
  'alloc/4f1c/alloc/data/keep': 'allocation data',
  'plugins/docker.sock': '',
};

function layOut(root: string, dir = D): void {
  put(root, `${dir}/client/client-id`, 'da86421c-7de9-85e4-2f50-3b2bf95102c1', 0o600);
  put(root, `${dir}/client/secret-id`, '5e1c0ffe-0000-4000-8000-000000000001', 0o600);
  put(root, `${dir}/client/state.db`, 'bolt', 0o600);
  put(root, `${dir}/server/node-id`, '0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9', 0o600);
  put(root, `${dir}/checkpoint-signature`, 'b2c3d4e5-f607-4819-8a2b-3c4d5e6f7081');
  for (const [p, content] of Object.entries(KEEP)) put(root, `${dir}/${p}`, content, 0o600);
}

providerTreeTest('nomad', [
  {
    name: 'client ID, secret, state and server node ID go; configuration, raft data, keyring and allocations stay',
    prepare(root) {
      put(root, '/etc/nomad.d/nomad.hcl', NOMAD_HCL);
      layOut(root);
    },
    expect: { removed: IDENTITY },
    check(root) {
      assert.equal(read(root, '/etc/nomad.d/nomad.hcl'), NOMAD_HCL);
      for (const [p, content] of Object.entries(KEEP)) assert.equal(read(root, `${D}/${p}`), content, `${p} stays`);
      assert.ok(fs.statSync(at(root, `${D}/client`)).isDirectory(), 'the client directory stays');
    },
  },
  {
    name: 'no configuration: the default data directories',
    prepare(root) {
      layOut(root, '/var/lib/nomad');
    },
    expect: { removed: IDENTITY.map((p) => p.replace(D, '/var/lib/nomad')) },
  },
  {
    name: 'client-id a link to another file of the image: only the link goes',
    prepare(root) {
      put(root, '/etc/nomad.d/nomad.hcl', NOMAD_HCL);
      layOut(root);
      fs.rmSync(at(root, `${D}/client/client-id`));
      fs.symlinkSync('/etc/machine-id', at(root, `${D}/client/client-id`));
    },
    expect: { removed: IDENTITY },
    check(root) {
      assert.ok(fs.existsSync(at(root, '/etc/machine-id')));
    },
  },
  {
    name: 'no Nomad: nothing to do',
    expect: {},
  },
]);
