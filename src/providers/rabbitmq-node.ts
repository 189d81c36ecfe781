import { defineProvider } from './api.js';
import { configText, removeDirectory, removeFile } from './_identity.js';
import { count } from './_shared.js';

/**
 * RabbitMQ's node database is named after the host: the node is `rabbit@HOSTNAME` unless
 * RABBITMQ_NODENAME (NODENAME= in /etc/rabbitmq/rabbitmq-env.conf) says otherwise, and its database
 * is /var/lib/rabbitmq/mnesia/rabbit@HOSTNAME (with -feature_flags, -plugins-expand beside it), its
 * logs /var/log/rabbitmq/rabbit@HOSTNAME*.log (RabbitMQ, "File and Directory Locations"; "Clustering:
 * Hostname changes"). A clone has a name of its own, so its node starts a database of its own, and the
 * golden machine's is never read again: it only carries the golden machine's name, cluster membership
 * and users into every clone.
 *
 * At generalize the golden node's database and logs go, when the node name comes from the host name
 * (no NODENAME set). A builder who set up users, vhosts or queues for the clones sets NODENAME (e.g.
 * rabbit@localhost) before sealing, so that the one database serves whatever the clone is called: then
 * nothing is removed.
 */
const MNESIA = '/var/lib/rabbitmq/mnesia';
const LOGS = '/var/log/rabbitmq';

export default defineProvider({
  id: 'rabbitmq-node',
  summary: "Remove the database and logs of RabbitMQ's node named after the golden machine's host name (kept when NODENAME is set)",
  pass: 'generalize',
  // before hostname removes /etc/hostname, which names the node
  order: -10,
  defaultEnabled: true,
  run(ctx) {
    if (!ctx.fs.isDirectory(MNESIA)) return;
    const env = configText(ctx, '/etc/rabbitmq/rabbitmq-env.conf') ?? '';
    if (/^\s*(RABBITMQ_)?NODENAME\s*=/m.test(env)) {
      ctx.log.info('rabbitmq-node: NODENAME is set in /etc/rabbitmq/rabbitmq-env.conf; the node keeps its database whatever the host is called');
      return;
    }
    const host = (ctx.fs.readText('/etc/hostname') ?? '').trim().split('.')[0];
    if (!host || !/^[A-Za-z0-9-]+$/.test(host)) return;
    const node = `rabbit@${host}`;
    let n = 0;
    for (const name of ctx.fs.list(MNESIA)) {
      if (name !== node && !name.startsWith(`${node}-`)) continue;
      const p = `${MNESIA}/${name}`;
      if (ctx.fs.lstat(p)?.isDirectory() ? removeDirectory(ctx, 'rabbitmq-node', p) : removeFile(ctx, 'rabbitmq-node', p)) n++;
    }
    for (const name of ctx.fs.list(LOGS)) {
      if (name.startsWith(`${node}.`) || name.startsWith(`${node}_`)) n += removeFile(ctx, 'rabbitmq-node', `${LOGS}/${name}`) ? 1 : 0;
    }
    if (n) ctx.note(`removed ${count(n, 'path')} of the node ${node}; the clone's node starts its own database`);
  },
});
