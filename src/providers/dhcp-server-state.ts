import { defineProvider } from './api.js';
import { globRemover } from './_shared.js';

/** Remove the leases a DHCP server handed out */
export default defineProvider({
  id: 'dhcp-server-state',
  summary: 'Remove the leases a DHCP server handed out',
  pass: 'generalize',
  defaultEnabled: true,
  run: globRemover({ patterns: ['/var/lib/dhcpd/*', '/var/lib/dhcp/dhcpd.leases', '/var/lib/dhcp/dhcpd.leases~', '/var/lib/dhcp/dhcpd6.leases', '/var/lib/dhcp/dhcpd6.leases~', '/var/lib/kea/*.csv', '/var/lib/misc/dnsmasq.leases', '/var/lib/misc/dnsmasq.*.leases'], dot: true, noun: 'lease file' }),
});
