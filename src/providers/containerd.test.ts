import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { at, providerTreeTest, put, read } from '../../test/harness/provider-tree.js';
import { tomlRoot } from './containerd.js';

const UUID = 'io.containerd.grpc.v1.introspection/uuid';
/** containerd's config.toml as `containerd config default` writes it, shortened. */
const CONFIG = 'disabled_plugins = []\nimports = []\noom_score = 0\nroot = "/var/lib/containerd"\nstate = "/run/containerd"\nversion = 2\n\n' +
  '[grpc]\n  address = "/run/containerd/containerd.sock"\n\n[plugins]\n  [plugins."io.containerd.grpc.v1.cri"]\n' +
  '    sandbox_image = "registry.k8s.io/pause:3.6"\n    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\n      SystemdCgroup = true\n';
/** Content and snapshots: the images, which stay. */
const STORE: Record<string, string> = {
  'io.containerd.content.v1.content/blobs/sha256/4f1c': 'layer',
  'io.containerd.metadata.v1.bolt/meta.db': 'metadata',
  'io.containerd.snapshotter.v1.overlayfs/metadata.db': 'snapshots',
};

function layOut(root: string, containerdRoot: string): void {
  put(root, `${containerdRoot}/${UUID}`, '2c6a8e3a-6f7b-4d0e-9a51-2b3c4d5e6f70');
  for (const [p, content] of Object.entries(STORE)) put(root, `${containerdRoot}/${p}`, content);
}

test('containerd: root of config.toml is read before the first table only', () => {
  assert.equal(tomlRoot(CONFIG), '/var/lib/containerd');
  assert.equal(tomlRoot("root = '/data/containerd'\n"), '/data/containerd');
  assert.equal(tomlRoot('version = 2\n[plugins.x]\n  root = "/elsewhere"\n'), undefined);
});

providerTreeTest('containerd', [
  {
    name: 'the instance UUID goes; config.toml, content and snapshots stay',
    prepare(root) {
      put(root, '/etc/containerd/config.toml', CONFIG);
      layOut(root, '/var/lib/containerd');
    },
    expect: { removed: [`/var/lib/containerd/${UUID}`] },
    check(root) {
      assert.equal(read(root, '/etc/containerd/config.toml'), CONFIG);
      for (const [p, content] of Object.entries(STORE)) assert.equal(read(root, `/var/lib/containerd/${p}`), content);
      assert.ok(fs.statSync(at(root, '/var/lib/containerd/io.containerd.grpc.v1.introspection')).isDirectory(), 'the plugin directory stays');
    },
  },
  {
    name: 'root moved in config.toml; the containerd K3s embeds',
    prepare(root) {
      put(root, '/etc/containerd/config.toml', CONFIG.replace('root = "/var/lib/containerd"', 'root = "/data/containerd"'));
      layOut(root, '/data/containerd');
      layOut(root, '/var/lib/rancher/k3s/agent/containerd');
    },
    expect: { removed: [`/data/containerd/${UUID}`, `/var/lib/rancher/k3s/agent/containerd/${UUID}`] },
    check(root) {
      for (const [p, content] of Object.entries(STORE)) {
        assert.equal(read(root, `/data/containerd/${p}`), content);
        assert.equal(read(root, `/var/lib/rancher/k3s/agent/containerd/${p}`), content);
      }
    },
  },
  {
    name: 'the uuid a link to another file of the image: only the link goes',
    prepare(root) {
      put(root, '/etc/containerd/config.toml', CONFIG);
      layOut(root, '/var/lib/containerd');
      fs.rmSync(at(root, `/var/lib/containerd/${UUID}`));
      fs.symlinkSync('/etc/machine-id', at(root, `/var/lib/containerd/${UUID}`));
    },
    expect: { removed: [`/var/lib/containerd/${UUID}`] },
    check(root) {
      assert.ok(fs.existsSync(at(root, '/etc/machine-id')), 'what the link named stays');
    },
  },
  {
    name: 'no containerd: nothing to do',
    expect: {},
  },
]);
