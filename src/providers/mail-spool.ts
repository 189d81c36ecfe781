import { defineProvider } from './api.js';
import { joinTarget } from '../rootfs/rootfs.js';
import { count } from './_shared.js';

const SPOOLS = ['/var/spool/mail', '/var/mail'];

/**
 * Remove local mail spools. /var/spool/mail and /var/mail are usually one directory reached two ways
 * (Debian: /var/spool/mail -> ../mail; RHEL: /var/mail -> spool/mail); each mailbox is removed at its
 * real location, so the report names the file that went.
 */
export default defineProvider({
  id: 'mail-spool',
  summary: 'Remove local mail spools',
  pass: 'cleanup',
  defaultEnabled: true,
  run(ctx) {
    let n = 0;
    for (const spool of SPOOLS) {
      if (!ctx.fs.isDirectory(spool)) continue;
      const real = ctx.fs.realTargetPath(spool);
      if (!SPOOLS.includes(real)) {
        ctx.log.warn(`mail-spool: left ${spool} alone: it is a link to ${real}, not a mail spool`);
        continue;
      }
      for (const name of ctx.fs.list(real).sort()) if (ctx.fs.remove(joinTarget(real, name))) n++;
    }
    if (n) ctx.note(`removed ${count(n, 'mailbox')}`);
  },
});
