import { defineProvider } from './api.js';
import { count, deleteFilesBelow } from './_shared.js';

/**
 * Pending at(1) jobs were queued on the golden machine and would run on every clone. The job
 * sequence file `.SEQ` is reset to 00000 rather than removed (atd expects it). Only files go: the
 * directories stay, since RHEL's atd keeps its output spool as a directory inside the job directory
 * (/var/spool/at/spool, mode 0700 daemon) and cannot run jobs without it.
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
      const seq = `${dir}/.SEQ`;
      n += deleteFilesBelow(ctx, [dir], (p) => p === seq);
      if (ctx.fs.lstat(seq)?.isFile()) ctx.fs.writeText(seq, '00000\n');
    }
    if (n) ctx.note(`removed ${count(n, 'job')}`);
  },
});
