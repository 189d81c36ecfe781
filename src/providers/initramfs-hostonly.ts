import { runInTarget } from '../system/chroot.js';
import { defineProvider, ProviderContext } from './api.js';

/**
 * A host-only initramfs holds only the drivers of the golden machine's hardware: a clone on other
 * hardware (another disk controller, another hypervisor) cannot find its root. The answer file's
 * PersistAllDeviceInstalls keeps it (clones on identical hardware), and so does /mode:vm (clones on
 * the same hypervisor, whose virtual devices the initramfs was made for); otherwise generalize switches the
 * image to a generic initramfs and rebuilds it, with the image's own tool:
 *  - initramfs-tools (Debian, Ubuntu): MODULES=dep is host-only (initramfs.conf(5)); a conf.d drop-in
 *    sets MODULES=most, then `update-initramfs -u -k all`;
 *  - dracut (RHEL, Fedora, SUSE): hostonly="yes" (dracut.conf(5)); a dracut.conf.d drop-in sets
 *    hostonly="no", then `dracut --regenerate-all --force`.
 */
const INITRAMFS_TOOLS_DROPIN = '/etc/initramfs-tools/conf.d/90-sysprep-generic';
const DRACUT_DROPIN = '/etc/dracut.conf.d/90-sysprep-generic.conf';

/** The last value a shell-style config list assigns to `key`. */
function lastAssignment(ctx: ProviderContext, files: string[], key: string): string | undefined {
  let value: string | undefined;
  const re = new RegExp(`^\\s*${key}\\s*[+]?=\\s*"?([^"\\s#]*)"?`, 'gm');
  for (const f of files) for (const m of (ctx.fs.readText(f) ?? '').matchAll(re)) value = m[1];
  return value;
}

export type InitramfsKind = { tool: 'initramfs-tools' | 'dracut'; hostOnly: boolean };

export function initramfsKind(ctx: ProviderContext): InitramfsKind | undefined {
  if (ctx.fs.isFile('/etc/initramfs-tools/initramfs.conf')) {
    const files = ['/etc/initramfs-tools/initramfs.conf', ...ctx.fs.glob('/etc/initramfs-tools/conf.d/*').sort()];
    return { tool: 'initramfs-tools', hostOnly: lastAssignment(ctx, files, 'MODULES') === 'dep' };
  }
  if (ctx.fs.isFile('/etc/dracut.conf') || ctx.fs.isDirectory('/usr/lib/dracut')) {
    const files = [...ctx.fs.glob('/usr/lib/dracut/dracut.conf.d/*.conf'), '/etc/dracut.conf', ...ctx.fs.glob('/etc/dracut.conf.d/*.conf')];
    const v = lastAssignment(ctx, files, 'hostonly');
    return { tool: 'dracut', hostOnly: v === 'yes' || v === 'true' };
  }
  return undefined;
}

export default defineProvider({
  id: 'initramfs-hostonly',
  summary: 'Make a host-only initramfs generic (and rebuild it) unless PersistAllDeviceInstalls or /mode:vm keeps it',
  pass: 'generalize',
  order: 90,
  defaultEnabled: true,
  run(ctx) {
    const kind = initramfsKind(ctx);
    if (!kind?.hostOnly) return;
    if (ctx.options.persistAllDeviceInstalls) {
      ctx.note(`kept the host-only ${kind.tool} initramfs: PersistAllDeviceInstalls is set`);
      return;
    }
    if (ctx.options.vm) {
      ctx.note(`kept the host-only ${kind.tool} initramfs: /mode:vm (the clones run on the same hypervisor)`);
      return;
    }
    const [dropin, text, rebuild] = kind.tool === 'initramfs-tools'
      ? [INITRAMFS_TOOLS_DROPIN, '# written by sysprep /generalize: clones may run on other hardware\nMODULES=most\n', ['update-initramfs', '-u', '-k', 'all']]
      : [DRACUT_DROPIN, '# written by sysprep /generalize: clones may run on other hardware\nhostonly="no"\n', ['dracut', '--regenerate-all', '--force']];
    ctx.fs.makeDirectory(dropin.slice(0, dropin.lastIndexOf('/')), 0o755);
    ctx.fs.writeText(dropin, text, { mode: 0o644, detail: 'generic initramfs' });
    if (ctx.options.dryRun) {
      ctx.note(`would rebuild the initramfs generic (${rebuild.join(' ')})`);
      return;
    }
    const before = new Map(ctx.fs.glob('/boot/initr*').map((p) => [p, ctx.fs.stat(p)?.mtimeMs]));
    const r = runInTarget(ctx.fs, rebuild, { timeoutMs: 900_000 });
    for (const line of r.output.trim().split('\n').filter(Boolean)) ctx.log.info(`initramfs-hostonly: ${line}`);
    if (r.status !== 0) throw new Error(`${rebuild.join(' ')} failed with exit code ${r.status}`);
    const rebuilt = ctx.fs.glob('/boot/initr*').filter((p) => ctx.fs.stat(p)?.mtimeMs !== before.get(p));
    for (const p of rebuilt) ctx.fs.recordExternal(p, before.has(p) ? 'modified' : 'created', `rebuilt by ${rebuild[0]}`);
    ctx.note(`rebuilt ${rebuilt.length ? rebuilt.join(', ') : 'the initramfs'} generic (was host-only ${kind.tool})`);
  },
});
