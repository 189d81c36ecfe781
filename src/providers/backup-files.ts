import { defineProvider } from './api.js';
import { count } from './_shared.js';

/**
 * Editor and tool backups (`*.bak`, `*~`). virt-sysprep walks /etc /root /srv /tmp /var; /srv, /home,
 * /opt, /var/lib and /var/www are left out here on purpose: there a `.bak` is somebody's data (a
 * database dump, a site backup), and SPEC 8 says user data is never touched.
 */
const ROOTS = ['/etc', '/root', '/tmp', '/var/tmp', '/var/backups', '/var/cache', '/var/log'];

export default defineProvider({
  id: 'backup-files',
  summary: 'Remove *.bak and *~ backup files from /etc, /root, /tmp, /var/tmp, /var/backups, /var/cache and /var/log',
  pass: 'cleanup',
  defaultEnabled: true,
  run(ctx) {
    const found: string[] = [];
    for (const root of ROOTS) {
      // a real directory only (as virt-sysprep): /var/tmp -> /srv/scratch would lead the walk into data
      if (!ctx.fs.lstat(root)?.isDirectory()) continue;
      ctx.fs.walk(root, (p, st) => {
        if (st.isFile() && (p.endsWith('.bak') || p.endsWith('~'))) found.push(p);
      });
    }
    let n = 0;
    for (const p of found) if (ctx.fs.remove(p)) n++;
    if (n) ctx.note(`removed ${count(n, 'backup file')}`);
  },
});
