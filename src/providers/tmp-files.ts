import { defineProvider } from './api.js';
import { count } from './_shared.js';

/** On a running system these belong to live services and X sessions, and the next boot recreates them. */
const LIVE = /^(systemd-private-.*|\.X11-unix|\.ICE-unix|\.XIM-unix|\.font-unix|\.Test-unix)$/;

export default defineProvider({
  id: 'tmp-files',
  summary: 'Empty /tmp and /var/tmp, dotfiles included',
  pass: 'cleanup',
  defaultEnabled: true,
  run(ctx) {
    let n = 0;
    const keep = ctx.target.running ? (name: string) => LIVE.test(name) : undefined;
    for (const dir of ['/tmp', '/var/tmp']) {
      if (ctx.fs.lstat(dir)?.isDirectory()) n += ctx.fs.emptyDirectory(dir, keep ? { keep } : {});
    }
    if (n) ctx.note(`removed ${count(n, 'entry')}`);
  },
});
