import { defineProvider } from './api.js';
import { count } from './_shared.js';

/**
 * What `cloud-init clean --logs` removes: the instance cache under /var/lib/cloud (except the seed
 * directory, which is configuration the builder put there) and cloud-init's logs. Without this, a
 * clone trusts the golden machine's cached instance and skips per-instance modules, host keys
 * included (libguestfs RFE #119).
 */
export default defineProvider({
  id: 'cloud-init',
  summary: "Remove cloud-init's instance state and logs, like `cloud-init clean --logs` (the seed is kept)",
  pass: 'generalize',
  identity: ['/var/lib/cloud/data/instance-id', '/var/lib/cloud/data/previous-instance-id'],
  defaultEnabled: true,
  run(ctx) {
    let n = 0;
    if (ctx.fs.lstat('/var/lib/cloud')?.isDirectory()) {
      n += ctx.fs.emptyDirectory('/var/lib/cloud', { keep: (name) => name === 'seed' });
    }
    for (const p of ctx.fs.glob('/var/log/cloud-init*')) if (ctx.fs.remove(p)) n++;
    if (n) ctx.note(`removed ${count(n, 'path')}`);
  },
});
