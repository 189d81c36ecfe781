import { defineProvider } from '../core/provider.js';
import { count } from './_shared.js';

/**
 * Pending at(1) jobs were queued on the golden machine and would run on every clone. The job
 * sequence file `.SEQ` is reset to 00000 rather than removed (atd expects it).
 */
const SPOOLS = ['/var/spool/cron/atjobs', '/var/spool/cron/atspool', '/var/spool/atjobs', '/var/spool/atspool', '/var/spool/at'];

export default defineProvider({
  id: 'at-spool',
  summary: 'Remove queued at(1) jobs and reset the job sequence',
  pass: 'cleanup',
  defaultEnabled: true,
  run(ctx) {
    let n = 0;
    for (const dir of SPOOLS) {
      if (!ctx.fs.lstat(dir)?.isDirectory()) continue;
      n += ctx.fs.emptyDirectory(dir, { keep: (name) => name === '.SEQ' });
      const seq = `${dir}/.SEQ`;
      if (ctx.fs.isFile(seq)) ctx.fs.writeText(seq, '00000\n');
    }
    if (n) ctx.note(`removed ${count(n, 'job')}`);
  },
});
