import { defineProvider } from './api.js';
import { count } from './_shared.js';

/**
 * State systemd saved about the golden machine's hardware: backlight levels and rfkill switches are
 * keyed by device paths that name that machine's devices. Clones would restore them onto different
 * hardware. (Not touched by any peer.) Kept with PersistAllDeviceInstalls, and with /mode:vm: the
 * clones run on the same hypervisor, whose virtual devices these paths name.
 */
export default defineProvider({
  id: 'hardware-state',
  summary: "Remove systemd's saved backlight and rfkill state of the golden machine's devices",
  pass: 'generalize',
  defaultEnabled: true,
  run(ctx) {
    if (ctx.options.persistAllDeviceInstalls) {
      ctx.note('kept: PersistAllDeviceInstalls is set');
      return;
    }
    if (ctx.options.vm) {
      ctx.note('kept: /mode:vm (the clones run on the same hypervisor)');
      return;
    }
    let n = 0;
    for (const dir of ['/var/lib/systemd/backlight', '/var/lib/systemd/rfkill']) {
      if (ctx.fs.lstat(dir)?.isDirectory()) n += ctx.fs.emptyDirectory(dir);
    }
    if (n) ctx.note(`removed ${count(n, 'device state file')}`);
  },
});
