import { defineProvider } from './api.js';
import { count, deleteFilesBelow } from './_shared.js';

/**
 * Users' crontabs. virt-sysprep removes them by default; here it is opt-in, because a crontab in a
 * golden image is usually a job the builder set up on purpose (backups, renewals), i.e. configuration
 * every clone should keep.
 */
export default defineProvider({
  id: 'cron-spool',
  summary: "Remove users' crontabs (opt-in: they are usually deliberate configuration)",
  pass: 'cleanup',
  defaultEnabled: false,
  run(ctx) {
    const n = deleteFilesBelow(ctx, ['/var/spool/cron/crontabs', '/var/spool/cron/tabs'], (p) => p.endsWith('/.SEQ'));
    let m = 0;
    // RHEL keeps crontabs straight in /var/spool/cron (Debian's subdirectories are other spools)
    for (const p of ctx.fs.glob('/var/spool/cron/*', { dot: true })) {
      const st = ctx.fs.lstat(p);
      if (st && !st.isDirectory() && !p.endsWith('/.SEQ') && ctx.fs.remove(p)) m++;
    }
    if (n + m) ctx.note(`removed ${count(n + m, 'crontab')}`);
  },
});
