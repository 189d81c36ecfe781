import { defineProvider } from '../core/provider.js';
import { count } from './_shared.js';

/**
 * NetworkManager keeps the golden machine's identity in three places: connection profiles pinned to
 * its MAC addresses (and carrying a uuid every clone would share), leases and DUIDs under
 * /var/lib/NetworkManager, and `secret_key`, from which it derives stable-privacy IPv6 addresses.
 * virt-sysprep's net-nmconn deletes the profiles outright on RHEL, losing the builder's network
 * configuration; here only the machine-specific keys leave the profiles. Without a uuid NetworkManager
 * derives one from the file name; without `mac-address` the profile applies to whatever NIC matches
 * its interface-name (or to any, as NM does for unpinned profiles).
 */
const PINNED_KEYS = /^\s*(uuid|mac-address|permanent-mac-address|mac-address-blacklist|mac-address-denylist)\s*=/;

export function unpinKeyfile(text: string): { text: string; removed: string[] } {
  const removed: string[] = [];
  let section = '';
  const out = text.split('\n').filter((line) => {
    const sec = /^\s*\[([^\]]+)\]/.exec(line);
    if (sec) section = sec[1]!;
    const keep = !(PINNED_KEYS.test(line) && (section === 'connection' ? /^\s*uuid\s*=/.test(line) : /mac-address/.test(line)));
    if (!keep) removed.push(`${section}.${line.split('=')[0]!.trim()}`);
    return keep;
  });
  return { text: out.join('\n'), removed };
}

export default defineProvider({
  id: 'networkmanager',
  summary: "Remove NetworkManager's MAC pins, profile UUIDs, leases and IPv6 secret key (profiles are kept)",
  pass: 'generalize',
  defaultEnabled: true,
  run(ctx) {
    let profiles = 0;
    if (!ctx.options.persistAllDeviceInstalls) {
      for (const f of ctx.fs.glob('/etc/NetworkManager/system-connections/*')) {
        const text = ctx.fs.readText(f);
        if (text === undefined) continue;
        const r = unpinKeyfile(text);
        if (r.removed.length && ctx.fs.writeText(f, r.text, { detail: `removed ${r.removed.join(', ')}` })) profiles++;
      }
    }
    let state = 0;
    for (const pattern of [
      '/var/lib/NetworkManager/*.lease',
      '/var/lib/NetworkManager/dhclient*',
      '/var/lib/NetworkManager/internal-*',
      '/var/lib/NetworkManager/timestamps',
      '/var/lib/NetworkManager/seen-bssids',
      '/var/lib/NetworkManager/secret_key',
      '/var/lib/NetworkManager/NetworkManager-intern.conf',
    ]) {
      for (const p of ctx.fs.glob(pattern)) if (ctx.fs.remove(p)) state++;
    }
    const parts = [];
    if (profiles) parts.push(`unpinned ${count(profiles, 'profile')}`);
    if (state) parts.push(`removed ${count(state, 'state file')}`);
    if (parts.length) ctx.note(parts.join(', '));
  },
});
