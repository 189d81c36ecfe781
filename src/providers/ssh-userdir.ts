import { defineProvider } from './api.js';
import { homeDirectories } from '../system/target.js';
import { joinTarget } from '../rootfs/rootfs.js';

/**
 * Users' ~/.ssh (private keys, known_hosts, authorized_keys), for root and login accounts wherever
 * their home is. Service accounts' ~/.ssh are left alone: for gitea or gitolite that directory is
 * the application's data.
 */
export default defineProvider({
  id: 'ssh-userdir',
  summary: "Remove root's and login users' ~/.ssh directories",
  pass: 'generalize',
  defaultEnabled: true,
  run(ctx) {
    let n = 0;
    for (const home of homeDirectories(ctx.target, { systemAccounts: false })) {
      if (ctx.fs.remove(joinTarget(home, '.ssh'))) n++;
    }
    if (n) ctx.note(`removed ${n} .ssh director${n === 1 ? 'y' : 'ies'}`);
  },
});
