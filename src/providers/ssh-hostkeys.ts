import type { RootFs } from '../rootfs/rootfs.js';
import { sshHostKeyFiles } from '../system/host.js';
import { defineProvider, type Regeneration } from './api.js';
import { count, removeGlobs } from './_shared.js';

/**
 * Host keys (and their certificates) of OpenSSH and Dropbear. Debian and Ubuntu do not regenerate
 * missing OpenSSH keys by themselves; the first-boot agent's specialize pass does, before sshd starts.
 *
 * Nor does Debian's dropbear.service (`dropbear -EF -p 22`, no `-R`): without its keys it fails. So
 * the clone makes them as dropbear's postinst does, in the same unit right after the OpenSSH keys:
 * for rsa, ecdsa and ed25519, the clone's new OpenSSH key of that type converted (`dropbearconvert
 * openssh dropbear`, so both servers show one host key, as on a machine where both were installed)
 * or, where sshd has no key of that type, a new one (`dropbearkey -t TYPE`).
 */
const DROPBEAR_TYPES = ['rsa', 'ecdsa', 'ed25519'] as const;

function dropbearKeys(fs: RootFs): Regeneration[] {
  if (!fs.isDirectory('/etc/dropbear') || !fs.isFile('/usr/sbin/dropbear') || !fs.isFile('/usr/bin/dropbearkey')) return [];
  if (DROPBEAR_TYPES.some((t) => fs.exists(`/etc/dropbear/dropbear_${t}_host_key`))) return [];
  const openssh = fs.isFile('/usr/sbin/sshd') && fs.isDirectory('/etc/ssh') ? sshHostKeyFiles(fs) : [];
  return DROPBEAR_TYPES.map((type) => {
    const out = `/etc/dropbear/dropbear_${type}_host_key`;
    const ssh = openssh.find((k) => k.type === type && k.file === `/etc/ssh/ssh_host_${type}_key`);
    const argv = ssh && fs.isFile('/usr/bin/dropbearconvert')
      ? ['/usr/bin/dropbearconvert', 'openssh', 'dropbear', ssh.file, '@out']
      : ['/usr/bin/dropbearkey', '-t', type, '-f', '@out'];
    return { id: `dropbear-${type}-host-key`, out, argv, before: ['dropbear.service'] };
  });
}

export default defineProvider({
  id: 'ssh-hostkeys',
  summary: 'Remove the SSH host keys (OpenSSH, Dropbear); the clone makes its own at first boot',
  pass: 'generalize',
  defaultEnabled: true,
  identity: ['/etc/dropbear/dropbear_*_host_key'],
  run(ctx) {
    const n = removeGlobs(ctx, ['/etc/ssh/*_host_*', '/etc/dropbear/dropbear_*_host_key']);
    if (n) ctx.note(`removed ${count(n, 'host key file')}`);
  },
  regenerate: dropbearKeys,
});
