import { defineProvider } from './api.js';
import { removeFilesIn } from './_identity.js';
import { count } from './_shared.js';
import { hashicorpDataDirs } from './consul.js';

/**
 * The Nomad agent's node identity, in its `data_dir` (/opt/nomad/data in HashiCorp's packages,
 * /opt/nomad or /var/lib/nomad elsewhere; with none configured in /etc/nomad.d, all three are looked
 * at; "client Block in Agent Configuration", https://developer.hashicorp.com/nomad/docs/configuration/client,
 * for what lives below it):
 * - client/client-id and client/secret-id: the client node's ID and the secret it authenticates with,
 *   made once and kept (nomad client/client.go, `ensureNodeID`). Clones sharing them are one node.
 * - client/state.db: the client's local state, which holds the node identity Nomad 1.11+ issues
 *   ("A node's identity is stored within its local database, which is persisted within the
 *   configured data_dir", Nomad's node identity documentation) and the golden node's allocations,
 *   which a clone would otherwise restore and run as its own.
 * - server/node-id: a server's raft node ID (command/agent/agent.go, `setupNodeID`).
 * - checkpoint-signature: the anonymous per-install ID sent with update checks.
 * Configuration, the gossip keyring and a server's raft data stay; allocation directories are data.
 */
const DEFAULT_DIRS = ['/opt/nomad/data', '/opt/nomad', '/var/lib/nomad'];

export default defineProvider({
  id: 'nomad',
  summary: "Remove the Nomad agent's node IDs, client secret and client state from its data_dir",
  pass: 'generalize',
  identity: ['/var/lib/nomad/client/client-id', '/var/lib/nomad/server/node-id'],
  defaultEnabled: true,
  run(ctx) {
    let n = 0;
    const dirs = hashicorpDataDirs(ctx, ['/etc/nomad.d/*.hcl', '/etc/nomad.d/*.json', '/etc/nomad/*.hcl', '/etc/nomad/*.json'], DEFAULT_DIRS);
    for (const dir of dirs) {
      n += removeFilesIn(ctx, 'nomad', `${dir}/client`, ['client-id', 'secret-id', 'state.db']);
      n += removeFilesIn(ctx, 'nomad', `${dir}/server`, ['node-id']);
      n += removeFilesIn(ctx, 'nomad', dir, ['checkpoint-signature']);
    }
    if (n) ctx.note(`removed ${count(n, 'node identity file')}`);
  },
});
