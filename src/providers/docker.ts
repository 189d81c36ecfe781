import { defineProvider, ProviderContext } from './api.js';
import { cleanPath, configText, distinct, removeDirectory, removeFile } from './_identity.js';
import { count } from './_shared.js';

/**
 * Docker Engine's machine identity, which every clone of an image with Docker installed shares:
 * - `engine-id` in the daemon's data root: the ID `docker info` shows, generated at the daemon's
 *   first start and kept for good (moby daemon/id.go, `loadOrCreateID`). Swarm managers, Portainer,
 *   Dozzle and friends tell engines apart by it, so clones "flap" as one engine (moby/moby#13278).
 * - `/etc/docker/key.json`, the libtrust key that held the ID before Docker 23; Docker 23+ migrates
 *   it into a missing `engine-id` (`migrateTrustKeyID`), so leaving it would bring the old ID back.
 * - `swarm/` in the data root: swarm mode state, with the node's cryptographic identity (node
 *   certificate and key), raft logs and the keys that encrypt them ("Back up Docker Swarm",
 *   https://docs.docker.com/ee/admin/backup/back-up-swarm/). A clone must join a swarm as a new node.
 * The data root is `data-root` (old name `graph`) of /etc/docker/daemon.json, default
 * /var/lib/docker ("Docker daemon configuration overview", https://docs.docker.com/config/daemon).
 * Images, containers, volumes, networks and daemon.json itself are the builder's and stay.
 */
export const DOCKER_DEFAULT_ROOT = '/var/lib/docker';

/** The daemon's data roots: the configured one, and the default (state left there before a move). */
export function dockerDataRoots(ctx: ProviderContext): string[] {
  const text = configText(ctx, '/etc/docker/daemon.json');
  let configured: string | undefined;
  if (text !== undefined && text.trim()) {
    try {
      const json = JSON.parse(text) as Record<string, unknown>;
      const v = json['data-root'] ?? json['graph'];
      if (typeof v === 'string') configured = cleanPath(v);
    } catch {
      ctx.log.warn(`docker: /etc/docker/daemon.json is not valid JSON; looking for the engine's state in ${DOCKER_DEFAULT_ROOT}`);
    }
  }
  return distinct([configured, DOCKER_DEFAULT_ROOT]);
}

export default defineProvider({
  id: 'docker',
  summary: "Remove Docker's engine ID (engine-id, the old key.json) and swarm state (images and containers stay)",
  pass: 'generalize',
  identity: ['/etc/docker/key.json', '/var/lib/docker/engine-id'],
  defaultEnabled: true,
  run(ctx) {
    let files = 0;
    let swarm = 0;
    for (const root of dockerDataRoots(ctx)) {
      if (removeFile(ctx, 'docker', `${root}/engine-id`, 'engine ID')) files++;
      if (removeDirectory(ctx, 'docker', `${root}/swarm`)) swarm++;
    }
    if (removeFile(ctx, 'docker', '/etc/docker/key.json', 'pre-23 engine identity key')) files++;
    const parts = [];
    if (files) parts.push(`removed ${count(files, 'engine identity file')}`);
    if (swarm) parts.push('removed the swarm state');
    if (parts.length) ctx.note(parts.join(', '));
  },
});
