import { defineProvider } from './api.js';
import { count } from './_shared.js';

/**
 * Leases and DUIDs of every DHCP client, so clones do not ask for the golden machine's address:
 * dhclient (Debian /var/lib/dhcp, RHEL /var/lib/dhclient), dhcpcd, systemd-networkd, wicked (SUSE).
 * virt-sysprep covers dhclient only. NetworkManager's leases are the networkmanager provider's.
 */
const PATTERNS = [
  '/var/lib/dhclient/*',
  '/var/lib/dhcp/dhclient*',
  '/var/lib/dhcpcd/*',
  '/var/lib/dhcpcd5/*',
  '/var/db/dhclient*',
  '/var/db/dhcpcd/*',
  '/var/lib/systemd/netif/leases/*',
  '/var/lib/wicked/lease-*',
  '/var/lib/wicked/duid.xml',
  '/var/lib/wicked/iaid.xml',
];

export default defineProvider({
  id: 'dhcp-client-state',
  summary: 'Remove DHCP client leases and DUIDs (dhclient, dhcpcd, systemd-networkd, wicked)',
  pass: 'generalize',
  defaultEnabled: true,
  run(ctx) {
    let n = 0;
    for (const pattern of PATTERNS) for (const p of ctx.fs.glob(pattern, { dot: true })) if (ctx.fs.remove(p)) n++;
    if (n) ctx.note(`removed ${count(n, 'lease file')}`);
  },
});
