import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { at, providerTreeTest, put, read } from '../../test/harness/provider-tree.js';
import { isNodeCredential } from './kubelet.js';

const PKI = '/var/lib/kubelet/pki';
const CLUSTER = 'apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t\n' +
  '    server: https://10.0.0.10:6443\n  name: default-cluster\ncontexts:\n- context:\n    cluster: default-cluster\n' +
  '    namespace: default\n    user: default-auth\n  name: default-context\ncurrent-context: default-context\nkind: Config\npreferences: {}\n';
/** kubelet.conf after `kubeadm join` and TLS bootstrapping: the credential is the rotated certificate. */
const KUBELET_CONF = `${CLUSTER}users:\n- name: default-auth\n  user:\n    client-certificate: ${PKI}/kubelet-client-current.pem\n    client-key: ${PKI}/kubelet-client-current.pem\n`;
/** bootstrap-kubelet.conf: the shared bootstrap token, configuration. */
const BOOTSTRAP_CONF = `${CLUSTER}users:\n- name: tls-bootstrap-token-user\n  user:\n    token: abcdef.0123456789abcdef\n`;
/** The rest of a kubeadm node's configuration, which all stays. */
const NODE_CONFIG: Record<string, string> = {
  '/etc/kubernetes/bootstrap-kubelet.conf': BOOTSTRAP_CONF,
  '/etc/kubernetes/pki/ca.crt': '-----BEGIN CERTIFICATE-----\nCLUSTER CA\n-----END CERTIFICATE-----\n',
  '/var/lib/kubelet/config.yaml': 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: systemd\nrotateCertificates: true\n',
  '/var/lib/kubelet/kubeadm-flags.env': 'KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock"\n',
  '/etc/systemd/system/kubelet.service.d/10-kubeadm.conf': '[Service]\nEnvironment="KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf"\n',
};
const CERTS = [`${PKI}/kubelet-client-2024-05-01-10-00-00.pem`, `${PKI}/kubelet-client-current.pem`, `${PKI}/kubelet.crt`, `${PKI}/kubelet.key`];

function layOut(root: string, kubeletConf = KUBELET_CONF): void {
  for (const [p, content] of Object.entries(NODE_CONFIG)) put(root, p, content);
  put(root, '/etc/kubernetes/kubelet.conf', kubeletConf, 0o600);
  put(root, `${PKI}/kubelet-client-2024-05-01-10-00-00.pem`, 'CERT+KEY system:node:golden', 0o600);
  fs.symlinkSync(`${PKI}/kubelet-client-2024-05-01-10-00-00.pem`, at(root, `${PKI}/kubelet-client-current.pem`));
  put(root, `${PKI}/kubelet.crt`, 'SELF-SIGNED golden');
  put(root, `${PKI}/kubelet.key`, 'KEY', 0o600);
}

function assertConfigKept(root: string): void {
  for (const [p, content] of Object.entries(NODE_CONFIG)) assert.equal(read(root, p), content, `${p} byte for byte`);
  assert.ok(fs.statSync(at(root, PKI)).isDirectory(), 'the pki directory stays');
}

test('kubelet: which kubeconfigs are a node credential', () => {
  assert.ok(isNodeCredential(KUBELET_CONF));
  assert.ok(isNodeCredential(`${CLUSTER}users:\n- name: system:node:golden\n  user:\n    client-certificate-data: LS0t\n    client-key-data: LS0t\n`));
  assert.ok(!isNodeCredential(BOOTSTRAP_CONF));
});

providerTreeTest('kubelet', [
  {
    name: 'client and serving certificates and kubelet.conf go; bootstrap config, CA and kubelet config stay',
    prepare: (root) => layOut(root),
    expect: { removed: [...CERTS, '/etc/kubernetes/kubelet.conf'] },
    check: assertConfigKept,
  },
  {
    name: 'kubeadm init: kubelet.conf with embedded certificate data, serverTLSBootstrap certificates',
    prepare(root) {
      layOut(root, `${CLUSTER}users:\n- name: system:node:golden\n  user:\n    client-certificate-data: LS0tQ0VSVA==\n    client-key-data: LS0tS0VZ\n`);
      put(root, `${PKI}/kubelet-server-2024-05-01-10-00-05.pem`, 'SERVING golden', 0o600);
      fs.symlinkSync(`${PKI}/kubelet-server-2024-05-01-10-00-05.pem`, at(root, `${PKI}/kubelet-server-current.pem`));
      put(root, '/etc/kubernetes/manifests/kube-apiserver.yaml', 'kind: Pod\n');
    },
    expect: {
      removed: [...CERTS, '/etc/kubernetes/kubelet.conf', `${PKI}/kubelet-server-2024-05-01-10-00-05.pem`, `${PKI}/kubelet-server-current.pem`],
    },
    check(root, report) {
      assertConfigKept(root);
      assert.equal(read(root, '/etc/kubernetes/manifests/kube-apiserver.yaml'), 'kind: Pod\n');
      assert.ok(report.warnings.some((w: string) => w.includes('control-plane')), 'a control plane is named');
    },
  },
  {
    name: 'a kubelet.conf with a shared token is configuration: left, with a warning',
    prepare: (root) => layOut(root, BOOTSTRAP_CONF),
    expect: { removed: CERTS },
    check(root, report) {
      assert.equal(read(root, '/etc/kubernetes/kubelet.conf'), BOOTSTRAP_CONF);
      assert.ok(report.warnings.some((w: string) => w.includes('/etc/kubernetes/kubelet.conf')));
    },
  },
  {
    name: 'kubelet.conf a link: neither read nor followed',
    prepare(root) {
      layOut(root);
      fs.rmSync(at(root, '/etc/kubernetes/kubelet.conf'));
      fs.symlinkSync('/etc/kubernetes/bootstrap-kubelet.conf', at(root, '/etc/kubernetes/kubelet.conf'));
    },
    expect: { removed: CERTS },
    check(root) {
      assertConfigKept(root);
      assert.equal(fs.readlinkSync(at(root, '/etc/kubernetes/kubelet.conf')), '/etc/kubernetes/bootstrap-kubelet.conf');
    },
  },
  {
    name: 'not a Kubernetes node: nothing to do',
    expect: {},
  },
]);
