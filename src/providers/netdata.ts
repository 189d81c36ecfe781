import { defineProvider } from './api.js';
import { removeFilesIn } from './_identity.js';
import { count } from './_shared.js';

/**
 * The Netdata Agent's identities ("Node Identities", https://learn.netdata.cloud/docs/netdata-agent/node-identities,
 * and "VM Templates and Clones", netdata docs/learn/vm-templates.md):
 * - the Machine GUID, registry/netdata.public.unique.id, generated on the first start. Two agents
 *   with one GUID cannot stream to the same parent, and Netdata Cloud keeps kicking one of them off.
 * - its backups in status-netdata.json (/var/lib/netdata, /var/cache/netdata, /tmp, /run,
 *   /var/run), from which Netdata restores a missing GUID: they must go with it.
 * - the Cloud claim of the node, in cloud.d/: claimed_id and the RSA key pair (private.pem,
 *   public.pem) the agent authenticates to Netdata Cloud with.
 * - the management API key, netdata.api.key, random, made at the first start (it authorizes
 *   /api/v1/manage calls): a secret of this machine that Netdata makes again when it is missing.
 * - the metadata database, /var/cache/netdata/netdata-meta.db (with its -wal and -shm), which names
 *   the host by its GUID (its host table): `sysprep verify` finds the golden GUID there after the
 *   GUID file is gone. Netdata makes it again at start; the metric files stay.
 * Static installs (kickstart's /opt/netdata) keep the same files below /opt/netdata. claim.conf (the
 * space token, with which clones claim themselves), netdata.conf and stream.conf stay. So do the
 * metrics and the context database: that is recorded data, not identity (Netdata's guide deletes
 * them too).
 */
const PREFIXES = ['', '/opt/netdata'];

export default defineProvider({
  id: 'netdata',
  summary: "Remove Netdata's machine GUID (and its backups) and the Cloud claim identity; metrics stay",
  pass: 'generalize',
  identity: ['/var/lib/netdata/registry/netdata.public.unique.id', '/var/lib/netdata/netdata.api.key'],
  defaultEnabled: true,
  run(ctx) {
    let n = 0;
    for (const prefix of PREFIXES) {
      n += removeFilesIn(ctx, 'netdata', `${prefix}/var/lib/netdata/registry`, ['netdata.public.unique.id']);
      for (const dir of ['/var/lib/netdata', '/var/cache/netdata']) n += removeFilesIn(ctx, 'netdata', `${prefix}${dir}`, ['status-netdata.json']);
      n += removeFilesIn(ctx, 'netdata', `${prefix}/var/lib/netdata`, ['netdata.api.key']);
      n += removeFilesIn(ctx, 'netdata', `${prefix}/var/cache/netdata`, ['netdata-meta.db', 'netdata-meta.db-wal', 'netdata-meta.db-shm']);
      n += removeFilesIn(ctx, 'netdata', `${prefix}/var/lib/netdata/cloud.d`, ['claimed_id', 'private.pem', 'public.pem']);
    }
    for (const dir of ['/tmp', '/run', '/var/run']) n += removeFilesIn(ctx, 'netdata', dir, ['status-netdata.json']);
    if (n) ctx.note(`removed ${count(n, 'node identity file')}`);
  },
});
