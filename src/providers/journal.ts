import { spawnSync } from 'node:child_process';
import { defineProvider } from './api.js';
import { count } from './_shared.js';

/**
 * The systemd journal, kept in a directory named after the machine-id. /var/log/journal itself stays:
 * its presence is what makes journald store logs persistently.
 */
export default defineProvider({
  id: 'journal',
  summary: "Remove the systemd journal's files (keeping /var/log/journal, so storage stays persistent)",
  pass: 'cleanup',
  defaultEnabled: true,
  run(ctx) {
    if (ctx.target.running && !ctx.options.dryRun) {
      // a live journald writes into /var/log/journal: have it switch to /run until the next boot,
      // or it loses its persistent journal ("Failed to create new system journal")
      const r = spawnSync('journalctl', ['--relinquish-var'], { encoding: 'utf8' });
      if (r.status !== 0) ctx.log.warn(`journal: journalctl --relinquish-var failed: ${(r.stderr || r.error?.message || '').trim()}`);
    }
    let n = 0;
    for (const dir of ['/var/log/journal', '/run/log/journal']) {
      if (ctx.fs.lstat(dir)?.isDirectory()) n += ctx.fs.emptyDirectory(dir);
    }
    if (n) ctx.note(`removed ${count(n, 'journal directory')}`);
  },
});
