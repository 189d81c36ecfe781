import { SYSPREP_LOG } from '../model/paths.js';
import { defineProvider, ProviderContext } from './api.js';
import { count } from './_shared.js';

/**
 * virt-sysprep's logfiles list (guestfs-tools sysprep_operation_logfiles.ml), plus Debian's syslog
 * files and every `*.log` one level down. The journal and the login records have providers of their
 * own. Unlike virt-sysprep, a live log is truncated rather than removed: its owner and mode (syslog:adm
 * 0640, a daemon's own user) are what the daemon expects when it reopens it; rotated copies go.
 */
export const LOG_PATTERNS = [
  '/var/log/*.log*',
  '/var/log/*/*.log*',
  '/var/log/audit/*',
  '/var/log/cron*',
  '/var/log/dmesg*',
  '/var/log/maillog*',
  '/var/log/mail/*',
  '/var/log/mail.err*',
  '/var/log/mail.warn*',
  '/var/log/messages*',
  '/var/log/secure*',
  '/var/log/spooler*',
  '/var/log/apache2/*_log',
  '/var/log/apache2/*_log-*',
  '/var/log/ntp',
  '/var/log/tuned/tuned.log',
  '/var/log/debug*',
  '/var/log/syslog*',
  '/var/log/firewalld*',
  '/var/log/grubby*',
  '/var/log/xferlog*',
  '/var/log/BackupPC/LOG',
  '/var/log/ceph/*.log',
  '/var/log/chrony/*.log',
  '/var/log/cups/*_log*',
  '/var/log/glusterfs/*glusterd.vol.log',
  '/var/log/glusterfs/glusterfs.log',
  '/var/log/httpd/*log',
  '/var/log/jetty/jetty-console.log',
  '/var/log/libvirt/libxl/*.log',
  '/var/log/libvirt/lxc/*.log',
  '/var/log/libvirt/qemu/*.log',
  '/var/log/libvirt/uml/*.log',
  '/var/log/libvirt/libvirtd.log',
  '/var/named/data/named.run',
  '/var/log/ppp/connect-errors',
  '/var/log/setroubleshoot/*.log',
  '/var/log/squid/*.log',
  '/var/lib/logrotate.status',
  '/var/lib/logrotate/status',
  '/root/install.log',
  '/root/install.log.syslog',
  '/root/anaconda-ks.cfg',
  '/root/anaconda-post.log',
  '/root/initial-setup-ks.cfg',
  '/root/original-ks.cfg',
  '/var/log/anaconda.syslog',
  '/var/log/anaconda/*',
  '/var/log/installer/*',
  '/var/cache/gdm/*',
  '/var/lib/AccountsService/users/*',
  '/var/lib/fprint/*',
  '/var/cache/fontconfig/*',
  '/var/cache/man/*',
  '/var/log/sa/*',
  '/var/log/sysstat/*',
  '/var/log/gdm/*',
  '/var/log/gdm3/*',
  '/var/log/lightdm/*',
  '/var/log/ntpstats/*',
  '/etc/Pegasus/*.cnf',
  '/etc/Pegasus/*.crt',
  '/etc/Pegasus/*.csr',
  '/etc/Pegasus/*.pem',
  '/etc/Pegasus/*.srl',
  '/var/log/rhsm/*',
  '/var/log/aptitude*',
  '/var/log/apt/*',
  '/var/log/exim4/*',
  '/var/log/ConsoleKit/*',
  '/var/log/unattended-upgrades/*',
  '/var/log/nginx/*',
  '/var/log/kern.log*',
  '/var/log/auth.log*',
  '/var/log/daemon.log*',
  '/var/log/user.log*',
  '/var/log/lpr.log*',
  '/var/log/fontconfig.log',
  '/var/log/Xorg.*',
];

/** Files that are the record of a rotation (syslog.1, auth.log.2.gz, messages-20260101), or compressed. */
export function isRotated(name: string): boolean {
  return /\.\d+(\.(gz|xz|bz2|zst|lz4))?$/.test(name) || /-\d{8}(\.(gz|xz|bz2|zst))?$/.test(name) ||
    /\.(gz|xz|bz2|zst|lz4|old)$/.test(name);
}

/** Paths another provider owns. */
function ownedElsewhere(p: string): boolean {
  return p.startsWith('/var/log/journal') || p.startsWith(SYSPREP_LOG) ||
    /^\/var\/log\/(wtmp|btmp|lastlog|faillog|tallylog)/.test(p) || p.startsWith('/var/log/cloud-init');
}

function parentOf(p: string): string {
  return p.slice(0, p.lastIndexOf('/')) || '/';
}

/**
 * Clean one log path, given as its real location in the target (no symlink above it). A live log
 * (a regular file in a log directory, not a rotation) is emptied in place; a rotated copy, and
 * anything logfiles matches outside log directories, is removed. A log directory is kept and what is
 * inside is cleaned. Symlinks are left alone, at any depth: a log path that is a link (to /dev/null to
 * silence a daemon, to another volume, or to /etc/shadow) is configuration, not a log, and following it
 * would truncate whatever it names. Sockets and FIFOs (xconsole) are left alone too.
 */
export function cleanLog(ctx: ProviderContext, p: string, tally: { removed: number; truncated: number }): void {
  const st = ctx.fs.lstat(p);
  if (!st) return;
  const name = p.slice(p.lastIndexOf('/') + 1);
  if (st.isDirectory()) {
    // a log directory is kept (a daemon owns it); what is inside is cleaned
    for (const child of ctx.fs.list(p).sort()) cleanLog(ctx, `${p === '/' ? '' : p}/${child}`, tally);
  } else if (!st.isFile()) {
    return;
  } else if (!isRotated(name) && !p.startsWith('/var/cache/') && !p.startsWith('/root/') &&
    !p.startsWith('/etc/') && !p.startsWith('/var/lib/')) {
    if (ctx.fs.truncate(p)) tally.truncated++;
  } else if (ctx.fs.remove(p)) {
    tally.removed++;
  }
}

export default defineProvider({
  id: 'logfiles',
  summary: 'Remove rotated logs and empty the live ones (syslog, auth, apt, dpkg, audit, installer, …)',
  pass: 'cleanup',
  defaultEnabled: true,
  run(ctx) {
    const tally = { removed: 0, truncated: 0 };
    const seen = new Set<string>();
    // where /var/log really is (it may itself be a link, e.g. to a separate volume)
    const logDir = ctx.fs.realTargetPath('/var/log');
    for (const pattern of LOG_PATTERNS) {
      for (const p of ctx.fs.glob(pattern)) {
        if (ownedElsewhere(p)) continue;
        // the match's real location: a directory link on the way (/var/log/apt -> /etc) must not take
        // the cleaning out of the log directory, and the report names the file that really changed
        const spelledParent = parentOf(p);
        const realParent = ctx.fs.realTargetPath(spelledParent);
        const real = `${realParent === '/' ? '' : realParent}/${p.slice(p.lastIndexOf('/') + 1)}`;
        const inside = p.startsWith('/var/log/')
          ? real.startsWith(logDir === '/' ? '/' : logDir + '/')
          : realParent === spelledParent;
        if (!inside) {
          ctx.log.warn(`logfiles: left ${p} alone: it is reached through a symlink to ${real}`);
          continue;
        }
        if (seen.has(real)) continue;
        seen.add(real);
        cleanLog(ctx, real, tally);
      }
    }
    const parts = [];
    if (tally.truncated) parts.push(`emptied ${count(tally.truncated, 'log')}`);
    if (tally.removed) parts.push(`removed ${count(tally.removed, 'file')}`);
    if (parts.length) ctx.note(parts.join(', '));
  },
});
