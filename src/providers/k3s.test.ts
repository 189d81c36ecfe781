import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after } from 'node:test';
import { CACHE_DIR } from '../../test/fixtures/roots.js';
import { at, providerTreeTest, put, read } from '../../test/harness/provider-tree.js';

const HOST = path.join(CACHE_DIR, 'work', `host-k3s-${process.pid}`);
after(() => fs.rmSync(HOST, { recursive: true, force: true }));

const CONFIG_YAML = 'server: https://k3s.example.com:6443\ntoken-file: /etc/rancher/k3s/token\nnode-label:\n  - "role=worker"\nkubelet-arg:\n  - "max-pods=200"\n';
const AGENT = '/var/lib/rancher/k3s/agent';
const IDENTITY = ['client-kubelet.crt', 'client-kubelet.key', 'serving-kubelet.crt', 'serving-kubelet.key'];
/** What the agent keeps besides its identity: cluster CAs, kubeconfigs, containerd config, images. */
const AGENT_KEEP: Record<string, string> = {
  'client-ca.crt': 'CLIENT CA',
  'server-ca.crt': 'SERVER CA',
  'kubelet.kubeconfig': 'apiVersion: v1\nkind: Config\n',
  'client-kube-proxy.crt': 'KUBE-PROXY',
  'etc/containerd/config.toml': 'version = 2\n',
  'images/airgap.tar': 'images',
};

function layOut(root: string, dataDir = '/var/lib/rancher/k3s'): void {
  put(root, '/etc/rancher/k3s/config.yaml', CONFIG_YAML, 0o600);
  put(root, '/etc/rancher/k3s/token', 'K10abc::server:secret\n', 0o600);
  put(root, '/etc/rancher/k3s/registries.yaml', 'mirrors:\n  docker.io:\n    endpoint: ["https://mirror.example.com"]\n');
  put(root, '/etc/rancher/node/password', '5e1c0ffee1f2a3b4c5d6e7f8a9b0c1d2\n', 0o600);
  for (const f of IDENTITY) put(root, `${dataDir}/agent/${f}`, `${f} of golden`, 0o600);
  for (const [f, content] of Object.entries(AGENT_KEEP)) put(root, `${dataDir}/agent/${f}`, content, 0o600);
}

function assertConfigKept(root: string, dataDir = '/var/lib/rancher/k3s'): void {
  assert.equal(read(root, '/etc/rancher/k3s/token'), 'K10abc::server:secret\n');
  assert.equal(read(root, '/etc/rancher/k3s/registries.yaml'), 'mirrors:\n  docker.io:\n    endpoint: ["https://mirror.example.com"]\n');
  for (const [f, content] of Object.entries(AGENT_KEEP)) assert.equal(read(root, `${dataDir}/agent/${f}`), content, `${f} stays`);
  assert.ok(fs.statSync(at(root, '/etc/rancher/node')).isDirectory(), '/etc/rancher/node stays');
}

providerTreeTest('k3s', [
  {
    name: 'node password and the agent\'s node certificates go; token, config.yaml, CAs, images stay',
    prepare: (root) => layOut(root),
    expect: { removed: ['/etc/rancher/node/password', ...IDENTITY.map((f) => `${AGENT}/${f}`)] },
    check(root) {
      assertConfigKept(root);
      assert.equal(read(root, '/etc/rancher/k3s/config.yaml'), CONFIG_YAML);
    },
  },
  {
    name: 'data-dir in config.yaml, --with-node-id, a pre-1.20 password file, RKE2 next to it',
    prepare(root) {
      layOut(root, '/srv/k3s');
      fs.writeFileSync(at(root, '/etc/rancher/k3s/config.yaml'), `${CONFIG_YAML}data-dir: "/srv/k3s"\nwith-node-id: true\n`);
      put(root, '/etc/rancher/node/id', '9f3a2b1c\n');
      put(root, '/srv/k3s/agent/node-password.txt', 'old password\n', 0o600);
      put(root, '/var/lib/rancher/rke2/agent/client-kubelet.crt', 'rke2 golden', 0o600);
      put(root, '/etc/rancher/rke2/config.yaml', 'server: https://rke2.example.com:9345\n', 0o600);
    },
    expect: {
      removed: ['/etc/rancher/node/password', '/etc/rancher/node/id', '/srv/k3s/agent/node-password.txt',
        ...IDENTITY.map((f) => `/srv/k3s/agent/${f}`), '/var/lib/rancher/rke2/agent/client-kubelet.crt'],
    },
    check(root) {
      assertConfigKept(root, '/srv/k3s');
      assert.equal(read(root, '/etc/rancher/k3s/config.yaml'), `${CONFIG_YAML}data-dir: "/srv/k3s"\nwith-node-id: true\n`);
      assert.equal(read(root, '/etc/rancher/rke2/config.yaml'), 'server: https://rke2.example.com:9345\n');
    },
  },
  {
    name: 'a server node: its datastore stays, with a warning',
    prepare(root) {
      layOut(root);
      put(root, '/var/lib/rancher/k3s/server/db/state.db', 'cluster', 0o600);
      put(root, '/var/lib/rancher/k3s/server/token', 'K10abc::server:secret\n', 0o600);
    },
    expect: { removed: ['/etc/rancher/node/password', ...IDENTITY.map((f) => `${AGENT}/${f}`)] },
    check(root, report) {
      assertConfigKept(root);
      assert.equal(read(root, '/var/lib/rancher/k3s/server/db/state.db'), 'cluster');
      assert.ok(report.warnings.some((w: string) => w.includes('/var/lib/rancher/k3s/server')));
    },
  },
  {
    name: 'the node password a link to a host file: only the link goes',
    prepare(root) {
      layOut(root);
      fs.mkdirSync(HOST, { recursive: true });
      fs.writeFileSync(path.join(HOST, 'password'), 'HOST PASSWORD\n');
      fs.rmSync(at(root, '/etc/rancher/node/password'));
      fs.symlinkSync(path.join(HOST, 'password'), at(root, '/etc/rancher/node/password'));
    },
    expect: { removed: ['/etc/rancher/node/password', ...IDENTITY.map((f) => `${AGENT}/${f}`)] },
    check() {
      assert.equal(fs.readFileSync(path.join(HOST, 'password'), 'utf8'), 'HOST PASSWORD\n');
    },
  },
  {
    name: 'no K3s: nothing to do',
    expect: {},
  },
]);
