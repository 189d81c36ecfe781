import { spawnSync } from 'node:child_process';
import { defineProvider, ProviderContext } from './api.js';
import type { RootFs } from '../rootfs/rootfs.js';
import { configFiles } from './_identity.js';
import { count, editLines } from './_shared.js';
import { WG_KEY_MARKER, WIREGUARD_CONFIGS } from './wireguard-keys.js';

/**
 * The specialize side of wireguard-keys: at first boot, in each /etc/wireguard/*.conf where that
 * provider left its marker, a new private key from the image's own `wg genkey` ("Generates a random
 * private key in base64", wg(8), https://man7.org/linux/man-pages/man8/wg.8.html) takes the
 * marker's place. The rest of the file is untouched, and the file keeps its mode and owner. The new
 * public key (`wg pubkey`) goes to the log, for the builder to give to the peers; the private key
 * is never logged. WireGuard cannot make a key for itself, hence this provider.
 *
 * On by default, since the first-boot agent runs only the default specialize providers: it does
 * nothing where no marker is, that is unless wireguard-keys ran. The command runs in the target:
 * directly on the running clone, chrooted into an offline root. Without wg in the image, the marker
 * stays and a warning says the interface has no key (wg-quick cannot bring it up without wg anyway).
 */
const WG_PATHS = ['/usr/bin/wg', '/usr/sbin/wg', '/bin/wg', '/sbin/wg', '/usr/local/bin/wg', '/usr/local/sbin/wg'];
const KEY = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw480]=$/;

/** Run a program of the target: directly when the target is the running system, chrooted otherwise. */
export function runInTarget(ctx: ProviderContext, argv: string[], input = ''): string {
  const command = ctx.fs.root === '/' ? argv : ['chroot', ctx.fs.root, ...argv];
  const r = spawnSync(command[0]!, command.slice(1), {
    input,
    encoding: 'utf8',
    timeout: 30_000,
    env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' },
  });
  if (r.error || r.status !== 0) {
    throw new Error(`${argv.join(' ')} failed: ${r.error?.message ?? `exit ${r.status}`}${r.stderr ? `: ${r.stderr.trim()}` : ''}`);
  }
  return r.stdout;
}

/** The configurations where wireguard-keys left its marker. */
function pendingConfigs(fs: RootFs): string[] {
  return configFiles({ fs }, WIREGUARD_CONFIGS).filter((f) => (fs.readText(f) ?? '').split('\n').some((l) => l.trim() === WG_KEY_MARKER));
}

export default defineProvider({
  id: 'wireguard-new-keys',
  summary: 'Write a new WireGuard private key (wg genkey) where wireguard-keys removed one',
  pass: 'specialize',
  defaultEnabled: true,
  firstBootWork: (fs) => pendingConfigs(fs).length > 0,
  run(ctx) {
    const pending = pendingConfigs(ctx.fs);
    if (!pending.length) return;
    const wg = WG_PATHS.find((p) => ctx.fs.isFile(p));
    if (!wg) {
      ctx.log.warn(`wireguard-new-keys: wg is not installed in the image; ${pending.join(', ')} keep no private key`);
      return;
    }
    let n = 0;
    for (const file of pending) {
      const key = runInTarget(ctx, [wg, 'genkey']).trim();
      if (!KEY.test(key)) throw new Error(`${wg} genkey did not print a WireGuard key`);
      const publicKey = runInTarget(ctx, [wg, 'pubkey'], `${key}\n`).trim();
      let done = false;
      const edited = editLines(ctx, file, (lines) => lines.map((line) => {
        if (done || line.trim() !== WG_KEY_MARKER) return line;
        done = true;
        return `PrivateKey = ${key}`;
      }), 'new private key');
      if (edited) {
        n++;
        ctx.log.info(`wireguard-new-keys: ${file}: new public key ${publicKey}; give it to this interface's peers`);
      }
    }
    if (n) ctx.note(`generated a new private key for ${count(n, 'WireGuard interface')}`);
  },
});
