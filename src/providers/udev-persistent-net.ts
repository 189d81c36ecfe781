import { defineProvider } from './api.js';
import { count } from './_shared.js';

/**
 * Rules that pin interface names to the golden machine's MAC addresses (old udev's generator; some
 * images still carry them). Kept when the answer file says PersistAllDeviceInstalls, and kept when the
 * file is a link to /dev/null (the mask that stops the generator from writing it). /mode:vm keeps the
 * CD rules (device state of the same hypervisor's virtual drives) but not the network rules: a MAC
 * address is identity, and each clone gets its own.
 */
export default defineProvider({
  id: 'udev-persistent-net',
  summary: 'Remove udev rules that pin network interface names to MAC addresses',
  pass: 'generalize',
  defaultEnabled: true,
  run(ctx) {
    if (ctx.options.persistAllDeviceInstalls || ctx.options.doNotCleanUpNonPresentDevices) {
      ctx.note(`kept: ${ctx.options.persistAllDeviceInstalls ? 'PersistAllDeviceInstalls' : 'DoNotCleanUpNonPresentDevices'} is set`);
      return;
    }
    let n = 0;
    const cd = '/etc/udev/rules.d/70-persistent-cd.rules';
    if (ctx.options.vm && ctx.fs.lstat(cd)) ctx.note(`kept ${cd}: /mode:vm keeps device state (the network rules pin MAC addresses, identity: removed)`);
    for (const p of ['/etc/udev/rules.d/70-persistent-net.rules', ...(ctx.options.vm ? [] : [cd])]) {
      // a link to /dev/null is how builders mask the generator (Vagrant and Packer templates): removing it
      // would bring the pinning back on the clones
      if (ctx.fs.lstat(p)?.isSymbolicLink() && ctx.fs.readLink(p) === '/dev/null') {
        ctx.note(`kept ${p}: a link to /dev/null masks the generator`);
        continue;
      }
      if (ctx.fs.remove(p)) n++;
    }
    if (n) ctx.note(`removed ${count(n, 'rule file')}`);
  },
});
