import { defineProvider, ProviderContext } from './api.js';
import { cleanPath, configFiles, configText, distinct, removeFilesIn, yamlValue } from './_identity.js';
import { count } from './_shared.js';

/**
 * The node identity of K3s (and of RKE2, which shares its agent code) on an agent or server node.
 * The agent registers with a random node password it keeps in /etc/rancher/node/password; the server
 * stores a hash of it per node name and refuses any other password for that name ("How Agent Node
 * Registration Works", https://docs.k3s.io/architecture). Every clone would present the golden
 * node's password, and be refused ("Node password rejected, duplicate hostname") or take its place.
 * With `--with-node-id`, /etc/rancher/node/id is the random suffix of the node name. The agent also
 * keeps certificates issued to its node name in <data-dir>/agent: `client-kubelet.*` and
 * `serving-kubelet.*`, and before v1.20 the password in `node-password.txt` (k3s
 * pkg/agent/config/config.go, where these paths are made). All of them are recreated at the next
 * start from the join token, which is configuration and stays, with config.yaml, the registries,
 * the cluster CA files (client-ca.crt, server-ca.crt) and every image.
 *
 * A server's datastore (<data-dir>/server) is the cluster itself, not a node identity: it is left as
 * it is, with a warning, since a clone of a server node is a copy of the cluster.
 */
const PRODUCTS = ['k3s', 'rke2'] as const;
const AGENT_IDENTITY = ['client-kubelet.crt', 'client-kubelet.key', 'serving-kubelet.crt', 'serving-kubelet.key', 'node-password.txt'];

/** The data directories of K3s and RKE2: `data-dir` of their config.yaml (and .d), and the defaults. */
export function rancherDataDirs(ctx: ProviderContext): string[] {
  const dirs: (string | undefined)[] = [];
  for (const product of PRODUCTS) {
    for (const f of configFiles(ctx, [`/etc/rancher/${product}/config.yaml`, `/etc/rancher/${product}/config.yaml.d/*.yaml`])) {
      dirs.push(cleanPath(yamlValue(configText(ctx, f) ?? '', 'data-dir')));
    }
    dirs.push(`/var/lib/rancher/${product}`);
  }
  return distinct(dirs);
}

export default defineProvider({
  id: 'k3s',
  summary: "Remove the K3s/RKE2 node password and the agent's node certificates (token and config stay)",
  pass: 'generalize',
  identity: ['/etc/rancher/node/password'],
  defaultEnabled: true,
  run(ctx) {
    let n = removeFilesIn(ctx, 'k3s', '/etc/rancher/node', ['password', 'id']);
    for (const dir of rancherDataDirs(ctx)) {
      n += removeFilesIn(ctx, 'k3s', `${dir}/agent`, AGENT_IDENTITY);
      // rootless mode keeps the node password below the data directory
      n += removeFilesIn(ctx, 'k3s', `${dir}/agent/etc/rancher/node`, ['password', 'id']);
      if (ctx.fs.exists(`${dir}/server/db`) || ctx.fs.exists(`${dir}/server/cred`)) {
        ctx.log.warn(`k3s: ${dir}/server holds a server's cluster state; it is left as it is, and every clone of this image starts as a copy of that cluster`);
      }
    }
    if (n) ctx.note(`removed ${count(n, 'node identity file')}`);
  },
});
