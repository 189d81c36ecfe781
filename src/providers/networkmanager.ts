import { defineProvider } from './api.js';
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

/**
 * Take the machine-specific keys out of a keyfile profile: `uuid` of [connection] (unless `keepUuid`:
 * another profile names this one by it) and every `*mac-address*` pin of the device sections.
 * `cloned-mac-address` (what MAC to use: preserve, random, stable) is configuration and stays.
 */
export function unpinKeyfile(text: string, options: { keepUuid?: boolean } = {}): { text: string; removed: string[] } {
  const removed: string[] = [];
  let section = '';
  const out = text.split('\n').filter((line) => {
    const sec = /^\s*\[([^\]]+)\]/.exec(line);
    if (sec) section = sec[1]!;
    const pinned = PINNED_KEYS.test(line) &&
      (section === 'connection' ? !options.keepUuid && /^\s*uuid\s*=/.test(line) : /mac-address/.test(line));
    if (pinned) removed.push(`${section}.${line.split('=')[0]!.trim()}`);
    return !pinned;
  });
  return { text: out.join('\n'), removed };
}

/** The [connection] uuid of a keyfile profile, if it has one. */
export function keyfileUuid(text: string): string | undefined {
  let section = '';
  for (const line of text.split('\n')) {
    const sec = /^\s*\[([^\]]+)\]/.exec(line);
    if (sec) section = sec[1]!;
    const m = /^\s*uuid\s*=\s*(\S+)\s*$/.exec(line);
    if (m && section === 'connection') return m[1]!;
  }
  return undefined;
}

/**
 * Profiles that other profiles name: a bond or bridge port's `master=`/`controller=`, a VLAN's or
 * MACsec's `parent=` may hold the uuid of another profile. Such a uuid must stay, or the reference
 * dangles (NetworkManager derives a new uuid from the file name when there is none).
 */
export function referencedValues(texts: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const text of texts) {
    for (const line of text.split('\n')) {
      const m = /^\s*(master|controller|parent)\s*=\s*(\S+)\s*$/.exec(line);
      if (m) out.add(m[2]!);
    }
  }
  return out;
}

export default defineProvider({
  id: 'networkmanager',
  summary: "Remove NetworkManager's MAC pins, profile UUIDs, leases and IPv6 secret key (profiles are kept)",
  pass: 'generalize',
  defaultEnabled: true,
  run(ctx) {
    let unpinned = 0;
    if (!ctx.options.persistAllDeviceInstalls) {
      const profiles: { path: string; text: string }[] = [];
      for (const f of ctx.fs.glob('/etc/NetworkManager/system-connections/*')) {
        const text = ctx.fs.readText(f);
        if (text !== undefined) profiles.push({ path: f, text });
      }
      const referenced = referencedValues(profiles.map((p) => p.text));
      for (const { path, text } of profiles) {
        const uuid = keyfileUuid(text);
        const r = unpinKeyfile(text, { keepUuid: uuid !== undefined && referenced.has(uuid) });
        if (r.removed.length && ctx.fs.writeText(path, r.text, { detail: `removed ${r.removed.join(', ')}` })) unpinned++;
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
    if (unpinned) parts.push(`unpinned ${count(unpinned, 'profile')}`);
    if (state) parts.push(`removed ${count(state, 'state file')}`);
    if (parts.length) ctx.note(parts.join(', '));
  },
});
