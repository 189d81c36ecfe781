import { defineProvider } from './api.js';
import { count, editLines } from './_shared.js';

/** HOSTNAME= and DHCP_HOSTNAME= in RHEL's ifcfg files (virt-sysprep's net-hostname). */
export default defineProvider({
  id: 'net-hostname',
  summary: 'Remove HOSTNAME and DHCP_HOSTNAME from ifcfg network scripts',
  pass: 'generalize',
  defaultEnabled: true,
  run(ctx) {
    let n = 0;
    const files = [...ctx.fs.glob('/etc/sysconfig/network-scripts/ifcfg-*'), ...ctx.fs.glob('/etc/sysconfig/network/ifcfg-*')];
    for (const f of files) {
      if (editLines(ctx, f, (lines) => lines.filter((l) => !/^\s*(DHCP_)?HOSTNAME=/.test(l)))) n++;
    }
    if (n) ctx.note(`edited ${count(n, 'ifcfg file')}`);
  },
});
