import { defineProvider } from './api.js';
import { removeFile } from './_identity.js';

/**
 * RabbitMQ's Erlang cookie, /var/lib/rabbitmq/.erlang.cookie: rabbitmq-server's postinst makes it for
 * this machine (`openssl rand -base64 -out … 42` under umask 077, "just to make sure we don't leave the
 * job to erlang that doesn't do it with enough entropy"). Whoever holds it can join the node's Erlang
 * cluster and run anything on it (RabbitMQ, "Clustering Guide: How CLI Tools Authenticate to Nodes").
 *
 * At generalize it goes; at first boot the clone makes its own as the postinst does (owner rabbitmq,
 * mode 0400), before rabbitmq-server. The nodes of one cluster must share a cookie: like MUNGE's key,
 * that is configuration a cluster's deployment gives its nodes, not something an image should carry
 * (`--providers -rabbitmq-cookie` keeps it).
 */
const COOKIE = '/var/lib/rabbitmq/.erlang.cookie';
const OPENSSL = '/usr/bin/openssl';

export default defineProvider({
  id: 'rabbitmq-cookie',
  summary: "Remove RabbitMQ's Erlang cookie; the clone makes its own (openssl rand) at first boot",
  pass: 'generalize',
  defaultEnabled: true,
  identity: [COOKIE],
  run(ctx) {
    if (removeFile(ctx, 'rabbitmq-cookie', COOKIE, 'Erlang cookie')) ctx.note("removed RabbitMQ's Erlang cookie; the clone makes its own at first boot");
  },
  regenerate(fs) {
    if (fs.exists(COOKIE) || !fs.isFile('/usr/sbin/rabbitmq-server') || !fs.isFile(OPENSSL) || !fs.isDirectory('/var/lib/rabbitmq')) return [];
    return [{
      id: 'rabbitmq-cookie',
      out: COOKIE,
      argv: ['/bin/sh', '-c', `umask 077 && ${OPENSSL} rand -base64 -out "$1" 42 && chown rabbitmq:rabbitmq "$1" && chmod 0400 "$1"`, 'rabbitmq-cookie', '@out'],
      before: ['rabbitmq-server.service'],
    }];
  },
});
