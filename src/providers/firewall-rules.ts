import { defineProvider } from './api.js';
import { globRemover } from './_shared.js';

/** Remove firewall rules (opt-in: may leave clones exposed) */
export default defineProvider({
  id: 'firewall-rules',
  summary: 'Remove firewall rules (opt-in: may leave clones exposed)',
  pass: 'generalize',
  defaultEnabled: false,
  run: globRemover({ patterns: ['/etc/sysconfig/iptables', '/etc/sysconfig/ip6tables', '/etc/firewalld/services/*', '/etc/firewalld/zones/*', '/etc/iptables/rules.v4', '/etc/iptables/rules.v6'], noun: 'rule file' }),
});
