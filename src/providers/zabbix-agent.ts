import { defineProvider } from './api.js';
import { configFiles } from './_identity.js';
import { editLines } from './_shared.js';
import { currentHostname } from './hostname.js';

/**
 * The Zabbix agent (and agent 2) has no identity file: it identifies itself to the server by
 * `Hostname=`, which "must match hostname as configured on the server"; unset, the value comes from
 * `HostnameItem`, whose default is `system.hostname`, the system's host name ("Zabbix agent (UNIX)",
 * https://www.zabbix.com/documentation/current/en/manual/appendix/config/zabbix_agentd, and
 * ".../config/zabbix_agent2"). An image whose agent configuration spells out the golden machine's
 * own host name makes every clone report as the golden machine.
 *
 * Decision: generalize comments out a `Hostname=` that equals the image's current host name (short
 * or full, compared without case), so the agent falls back to the system host name, which specialize
 * sets for each clone. That needs no specialize-side provider and no knowledge of the old name at
 * first boot (the hostname provider has removed it by then), and a clone that is renamed later keeps
 * following its name. The line stays in the file, commented and marked, so the change is visible and
 * easy to undo. A `Hostname=` that is something else ("Zabbix server", a role name, a list) is the
 * builder's configuration and stays, with a warning, since every clone then reports under it.
 * Runs before the hostname provider (order -1): it needs the name that provider removes.
 */
const CONFIGS = [
  '/etc/zabbix/zabbix_agentd.conf',
  '/etc/zabbix/zabbix_agent2.conf',
  '/etc/zabbix_agentd.conf',
  '/etc/zabbix/zabbix_agentd.d/*.conf',
  '/etc/zabbix/zabbix_agentd.conf.d/*.conf',
  '/etc/zabbix/zabbix_agent2.d/*.conf',
];
const HOSTNAME = /^\s*Hostname\s*=\s*(.*?)\s*$/;
export const ZABBIX_MARK = '# sysprep: the image\'s own host name; the agent now uses the system host name (HostnameItem)';

export default defineProvider({
  id: 'zabbix-agent',
  summary: "Comment out a Zabbix agent Hostname= that is the image's own host name (falls back to the system's)",
  pass: 'generalize',
  order: -1,
  defaultEnabled: true,
  run(ctx) {
    const files = configFiles(ctx, CONFIGS);
    if (!files.length) return; // no agent: the host name is none of this provider's business
    const current = currentHostname(ctx)?.toLowerCase();
    if (!current) {
      ctx.log.warn('zabbix-agent: the image has no host name to compare Hostname= with; the agent configuration is left as it is');
      return;
    }
    const short = current.split('.')[0];
    // the name itself, its short form, or an FQDN of it ("golden.example.com" where /etc/hostname says "golden")
    const own = (v: string) => !v.includes(',') && (v.toLowerCase() === current || v.toLowerCase().split('.')[0] === short);
    const edited: string[] = [];
    for (const file of files) {
      const changed = editLines(ctx, file, (lines) => lines.map((line) => {
        const value = HOSTNAME.exec(line)?.[1];
        if (!value) return line;
        if (own(value)) return `#${line.trim()}    ${ZABBIX_MARK}`;
        if (value.split(',').some((v) => own(v.trim()))) {
          ctx.log.warn(`zabbix-agent: ${file}: Hostname=${value} lists the image's host name among others; left as it is`);
        } else {
          ctx.log.warn(`zabbix-agent: ${file}: Hostname=${value} is not this machine's host name; every clone reports to Zabbix as ${value}`);
        }
        return line;
      }), 'commented out Hostname=');
      if (changed) edited.push(file);
    }
    if (edited.length) ctx.note(`commented out the image's Hostname= in ${edited.join(', ')}`);
  },
});
