import { defineProvider } from './api.js';
import { joinTarget } from '../rootfs/rootfs.js';
import { count } from './_shared.js';

/**
 * The Kerberos KDC's database: principals, their lock and log files, and the master key stash
 * (`.k5.REALM`, a dot file, next to the database; Debian's kdc.conf puts it at /etc/krb5kdc/stash). The
 * KDC's configuration (kdc.conf, kadm5.acl, on RHEL in the database's directory) stays, as in
 * virt-sysprep. Opt-in: it destroys a KDC.
 */
const DIRS = ['/var/kerberos/krb5kdc', '/var/lib/krb5kdc'];
const KEEP = new Set(['kdc.conf', 'kadm5.acl']);

export default defineProvider({
  id: 'kerberos-data',
  summary: 'Remove the Kerberos KDC database and master key stash, keeping kdc.conf and kadm5.acl (opt-in: destroys a KDC)',
  pass: 'generalize',
  defaultEnabled: false,
  run(ctx) {
    let n = 0;
    for (const dir of DIRS) {
      if (!ctx.fs.lstat(dir)?.isDirectory()) continue;
      for (const name of ctx.fs.list(dir).sort()) {
        if (!KEEP.has(name) && ctx.fs.remove(joinTarget(dir, name))) n++;
      }
    }
    if (ctx.fs.remove('/etc/krb5kdc/stash')) n++;
    if (n) ctx.note(`removed ${count(n, 'file')}`);
  },
});
