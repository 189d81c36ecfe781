import { defineProvider, ProviderContext } from './api.js';
import { cleanPath, configFiles, configText, distinct, hclOrJsonString, removeFilesIn } from './_identity.js';
import { count } from './_shared.js';

/**
 * The Consul agent's node ID: "If this isn't supplied, which is the most common case, then the agent
 * will generate an identifier at startup and persist it in the data directory" (`node_id`, "Node
 * parameters for Consul agent configuration files",
 * https://developer.hashicorp.com/consul/docs/reference/agent/configuration-file/node), in the file
 * `node-id` (consul agent/nodeid.go). Clones sharing it fight over one catalog entry ("failed
 * inserting node: node ID … conflicts"). Also `checkpoint-signature`, the anonymous per-install ID
 * sent with update checks (`disable_anonymous_signature`). The data directory is `data_dir` of the
 * agent's configuration (/etc/consul.d/*.hcl or *.json; /opt/consul in HashiCorp's packages,
 * /var/lib/consul in distributions'); with none configured, both defaults are looked at.
 * The configuration, the gossip keyring (serf/*.keyring: the cluster's shared key), ACL tokens and a
 * server's raft data stay.
 */
const DEFAULT_DIRS = ['/opt/consul', '/var/lib/consul'];

/** `data_dir` of a HashiCorp agent's configuration files; the defaults when none sets it. */
export function hashicorpDataDirs(ctx: ProviderContext, patterns: readonly string[], defaults: readonly string[]): string[] {
  const configured = configFiles(ctx, patterns).map((f) => cleanPath(hclOrJsonString(configText(ctx, f) ?? '', 'data_dir')));
  const dirs = distinct(configured);
  return dirs.length ? dirs : [...defaults];
}

export default defineProvider({
  id: 'consul',
  summary: "Remove the Consul agent's node ID and checkpoint signature from its data_dir",
  pass: 'generalize',
  identity: ['/var/lib/consul/node-id'],
  defaultEnabled: true,
  run(ctx) {
    let n = 0;
    const dirs = hashicorpDataDirs(ctx, ['/etc/consul.d/*.hcl', '/etc/consul.d/*.json', '/etc/consul/*.hcl', '/etc/consul/*.json'], DEFAULT_DIRS);
    for (const dir of dirs) n += removeFilesIn(ctx, 'consul', dir, ['node-id', 'checkpoint-signature']);
    if (n) ctx.note(`removed ${count(n, 'node identity file')}`);
  },
});
