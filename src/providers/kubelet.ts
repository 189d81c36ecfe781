import { defineProvider } from './api.js';
import { configText, removeFile, removeFilesIn } from './_identity.js';
import { count } from './_shared.js';

/**
 * A Kubernetes node's own credentials, as the kubelet keeps them (kubeadm, and any setup with TLS
 * bootstrapping). Sources: "Configuring each kubelet in your cluster using kubeadm"
 * (https://kubernetes.io/docs/setup/production-environment/tools/kubeadm/kubelet-integration/) and
 * the kubelet's bootstrap package (k8s.io/kubernetes/pkg/kubelet/certificate/bootstrap,
 * `LoadClientCert`/`LoadClientConfig`).
 * - /var/lib/kubelet/pki/kubelet-client-*.pem: the client certificate and key the cluster issued
 *   to `system:node:<name>`, with `kubelet-client-current.pem` linking to the newest;
 *   `kubelet-server-*.pem` (serverTLSBootstrap) and the self-signed `kubelet.crt`/`kubelet.key` are
 *   its serving certificates for its own name. The kubelet makes new ones.
 * - /etc/kubernetes/kubelet.conf (and /var/lib/kubelet/kubeconfig, where other installers put it):
 *   the kubeconfig that authenticates as this node. It is removed only when it is the node's own
 *   credential (embedded client certificate data, a client certificate in the kubelet's pki
 *   directory, or a `system:node:` user): the kubelet writes a new one through TLS bootstrapping
 *   when bootstrap-kubelet.conf is there, and `kubeadm join` refuses to run while it exists.
 *   Anything else (a shared token, say) is configuration: left, with a warning.
 * The cluster's configuration stays: bootstrap-kubelet.conf (a shared bootstrap token, like a Chef
 * validator key), /etc/kubernetes/pki/ca.crt, config.yaml, kubeadm-flags.env, the static pods.
 *
 * containerd has a node identity of its own; the containerd provider removes it.
 */
const PKI = '/var/lib/kubelet/pki';
const KUBECONFIGS = ['/etc/kubernetes/kubelet.conf', '/var/lib/kubelet/kubeconfig'];

/** Is this kubeconfig the credential of one node (rather than shared configuration)? */
export function isNodeCredential(text: string): boolean {
  return /^\s*client-(certificate|key)-data\s*:/m.test(text) ||
    new RegExp(`^\\s*client-(certificate|key)\\s*:\\s*["']?${PKI}/`, 'm').test(text) ||
    /^\s*-?\s*name\s*:\s*["']?system:node:/m.test(text);
}

export default defineProvider({
  id: 'kubelet',
  summary: "Remove the kubelet's node credentials: client and serving certificates, the node's kubelet.conf",
  pass: 'generalize',
  defaultEnabled: true,
  run(ctx) {
    let n = removeFilesIn(ctx, 'kubelet', PKI, ['kubelet-client-*', 'kubelet-server-*', 'kubelet.crt', 'kubelet.key']);
    for (const kubeconfig of KUBECONFIGS) {
      const st = ctx.fs.lstat(kubeconfig);
      if (!st) continue;
      const text = configText(ctx, kubeconfig);
      if (text === undefined) {
        ctx.log.warn(`kubelet: left ${kubeconfig} alone: it is not a regular file`);
      } else if (isNodeCredential(text)) {
        if (removeFile(ctx, 'kubelet', kubeconfig, "the node's credentials")) n++;
      } else {
        ctx.log.warn(`kubelet: left ${kubeconfig} alone: it holds no node certificate (configuration, not this node's identity)`);
      }
    }
    if (ctx.fs.exists('/etc/kubernetes/manifests/kube-apiserver.yaml')) {
      ctx.log.warn('kubelet: this image is a control-plane node (kube-apiserver static pod); the cluster\'s certificates and etcd data are left as they are');
    }
    if (n) ctx.note(`removed ${count(n, 'node credential file')}`);
  },
});
