import { defineProvider } from './api.js';

/**
 * systemd's rules (machine-id(5)): a missing or `uninitialized` /etc/machine-id makes the next boot a
 * first boot (ConditionFirstBoot, presets, first-boot-complete.target) and systemd commits a fresh
 * id. An *empty* file gets a new id but no first boot, and a deleted one breaks read-only /etc. So
 * write `uninitialized`, as cloud-init does; never a fixed new id (virt-sysprep's customize step
 * refills the file it just emptied, and every clone shares the result).
 */
export default defineProvider({
  id: 'machine-id',
  summary: 'Reset /etc/machine-id to "uninitialized" so each clone gets its own at first boot',
  pass: 'generalize',
  identity: ['/etc/machine-id', '/var/lib/dbus/machine-id'],
  defaultEnabled: true,
  run(ctx) {
    const { fs } = ctx;
    const st = fs.lstat('/etc/machine-id');
    if (st?.isSymbolicLink()) fs.remove('/etc/machine-id');
    if (fs.writeText('/etc/machine-id', 'uninitialized\n', { mode: 0o444, detail: 'uninitialized' })) {
      ctx.note('reset /etc/machine-id to uninitialized');
    }
    // D-Bus reads /etc/machine-id when its own copy is missing; a copy (not a link) would keep the
    // old identity alive in every clone.
    const dbus = fs.lstat('/var/lib/dbus/machine-id');
    if (dbus && !dbus.isSymbolicLink() && fs.remove('/var/lib/dbus/machine-id', 'old D-Bus machine id')) {
      ctx.note('removed /var/lib/dbus/machine-id');
    }
  },
});
