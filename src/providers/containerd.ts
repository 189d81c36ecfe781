import { defineProvider, ProviderContext } from './api.js';
import { cleanPath, configText, distinct, removeFile } from './_identity.js';
import { count } from './_shared.js';
import { dockerDataRoots } from './docker.js';
import { rancherDataDirs } from './k3s.js';

/**
 * containerd's instance UUID. The introspection service answers `Server()` with a random UUID it
 * generates on first use and keeps in `<root>/io.containerd.grpc.v1.introspection/uuid` for good
 * (containerd plugins/services/introspection/local.go, `getUUID`/`generateUUID`); clients use it to
 * tell one containerd from another (containerd/containerd#1862), so every clone would claim to be
 * the golden machine's containerd. The root is `root` of /etc/containerd/config.toml, default
 * /var/lib/containerd (containerd docs/ops.md, "containerd for Ops and Admins"). The containerd that
 * K3s and RKE2 embed keeps its root in <data-dir>/agent/containerd, and Docker before 20.10 ran its
 * own with root <data-root>/containerd/daemon. Images, snapshots and the configuration stay.
 */
const UUID = 'io.containerd.grpc.v1.introspection/uuid';

/** `root = "…"` before the first table of a containerd config.toml. */
export function tomlRoot(text: string): string | undefined {
  for (const line of text.split('\n')) {
    if (/^\s*\[/.test(line)) break;
    const m = /^\s*root\s*=\s*(["'])([^"']*)\1/.exec(line);
    if (m) return m[2];
  }
  return undefined;
}

export function containerdRoots(ctx: ProviderContext): string[] {
  const configured = cleanPath(tomlRoot(configText(ctx, '/etc/containerd/config.toml') ?? ''));
  return distinct([
    configured,
    '/var/lib/containerd',
    ...rancherDataDirs(ctx).map((d) => `${d}/agent/containerd`),
    ...dockerDataRoots(ctx).map((d) => `${d}/containerd/daemon`),
  ]);
}

export default defineProvider({
  id: 'containerd',
  summary: "Remove containerd's instance UUID (images, snapshots and config.toml stay)",
  pass: 'generalize',
  defaultEnabled: true,
  run(ctx) {
    let n = 0;
    for (const root of containerdRoots(ctx)) if (removeFile(ctx, 'containerd', `${root}/${UUID}`, 'instance UUID')) n++;
    if (n) ctx.note(`removed ${count(n, 'instance UUID')}`);
  },
});
