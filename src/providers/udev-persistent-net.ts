import { defineProvider } from './api.js';
import { count } from './_shared.js';

/**
 * Rules that pin interface names to the golden machine's MAC addresses (old udev's generator; some
 * images still carry them). Kept when the answer file says PersistAllDeviceInstalls, and kept when the
 * file is a link to /dev/null (the mask that stops the generator from writing it).
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
    for (const p of ['/etc/udev/rules.d/70-persistent-net.rules', '/etc/udev/rules.d/70-persistent-cd.rules']) {
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
