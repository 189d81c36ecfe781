import { defineProvider, type ProviderContext } from './api.js';
import { configFiles, removeFilesIn } from './_identity.js';
import { count } from './_shared.js';

/**
 * i2pd's router identity and its client tunnels' keys, all made at the first start in its data
 * directory, /var/lib/i2pd (i2pd docs, "Configuration: data directory"): router.keys (the router's
 * private keys, its identity on the network), router.info (the signed record it publishes), ntcp2.keys
 * and ssu2.keys (its transports' static keys), and, for each *client* tunnel of tunnels.conf and
 * tunnels.d/ (Debian ships IRC ones), the `keys =` file of its local destination. Clones sharing them
 * are one router seen from many places, which is exactly what an anonymity network must not see; and
 * each holds the others' keys.
 *
 * At generalize these go; i2pd makes them again at its next start, as on the golden machine. The
 * keys of a *server* tunnel are its .i2p address, which the builder published on purpose: they stay.
 */
const DATA = '/var/lib/i2pd';
const ROUTER = ['router.keys', 'router.info', 'ntcp2.keys', 'ssu2.keys'];
const TUNNELS = ['/etc/i2pd/tunnels.conf', '/etc/i2pd/tunnels.d/*.conf'];

/** The `keys =` files of the client tunnels (ini sections whose `type = client`), plain names only. */
export function clientTunnelKeys(ctx: Pick<ProviderContext, 'fs'>): string[] {
  const out: string[] = [];
  for (const file of configFiles(ctx, TUNNELS)) {
    let type = '';
    let keys = '';
    const flush = () => {
      if (type === 'client' && /^[A-Za-z0-9_.-]+\.dat$/.test(keys) && !out.includes(keys)) out.push(keys);
      type = keys = '';
    };
    for (const raw of (ctx.fs.readText(file) ?? '').split('\n')) {
      const line = raw.replace(/[#;].*$/, '').trim();
      if (/^\[.*\]$/.test(line)) flush();
      const m = /^(type|keys)\s*=\s*(.*)$/.exec(line);
      if (m?.[1] === 'type') type = m[2]!.trim();
      if (m?.[1] === 'keys') keys = m[2]!.trim();
    }
    flush();
  }
  return out;
}

export default defineProvider({
  id: 'i2pd-keys',
  summary: "Remove i2pd's router identity and its client tunnels' keys; i2pd makes new ones at the clone's first start",
  pass: 'generalize',
  defaultEnabled: true,
  identity: ROUTER.map((n) => `${DATA}/${n}`),
  run(ctx) {
    const n = removeFilesIn(ctx, 'i2pd-keys', DATA, [...ROUTER, ...clientTunnelKeys(ctx)]);
    if (n) ctx.note(`removed ${count(n, 'i2pd key file')}; i2pd makes them anew at its first start`);
  },
});
