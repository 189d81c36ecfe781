import { defineProvider } from './api.js';
import { count, editLines } from './_shared.js';

/**
 * ifcfg files (RHEL network-scripts, SUSE sysconfig) pinned to the golden machine's NICs: HWADDR,
 * MACADDR and the profile UUID on RHEL, LLADDR on SUSE. The loopback's file is left alone.
 */
export default defineProvider({
  id: 'net-hwaddr',
  summary: 'Remove MAC addresses and UUIDs from ifcfg network scripts',
  pass: 'generalize',
  defaultEnabled: true,
  run(ctx) {
    if (ctx.options.persistAllDeviceInstalls) {
      ctx.note('kept: PersistAllDeviceInstalls is set');
      return;
    }
    let n = 0;
    const files = [...ctx.fs.glob('/etc/sysconfig/network-scripts/ifcfg-*'), ...ctx.fs.glob('/etc/sysconfig/network/ifcfg-*')];
    for (const f of files) {
      if (f.endsWith('ifcfg-lo')) continue;
      if (editLines(ctx, f, (lines) => lines.filter((l) => !/^\s*(HWADDR|MACADDR|UUID|LLADDR)=/.test(l)))) n++;
    }
    if (n) ctx.note(`unpinned ${count(n, 'ifcfg file')}`);
  },
});
