import { defineProvider, ProviderContext } from './api.js';
import { PATHS } from '../model/paths.js';

/**
 * A clone's first boot keeps the units its golden image had enabled. systemd applies its presets when
 * it boots with /etc/machine-id "uninitialized" ("systemctl preset-all" on a first boot, machine-id(5),
 * systemd.preset(5)), which machine-id sets up: on Debian 12 that enables systemd-networkd beside
 * ifupdown, ssh.socket beside ssh.service (both want port 22), systemd-network-generator and more; on
 * systemd before 251 (Debian 11) it even disables what the presets say and enables everything else.
 * Neither cloud-init clean nor virt-sysprep guards against it.
 *
 * So this writes a preset file that sorts first and says what is enabled now ("enable" lines) and
 * that nothing else is ("disable *"): the first boot's preset-all then changes nothing, in either of
 * systemd's modes. The specialize pass removes the file (package scripts that run `systemctl preset`
 * later get the distribution's policy again). Deselect this provider to let the presets apply.
 */
const UNIT_DIRS = ['/etc/systemd/system'];
const UNIT_NAME = /^[A-Za-z0-9:_.\\@-]+\.(service|socket|target|timer|path|mount|automount|swap|slice|scope|device)$/;

/** The enabled unit files of the image: targets of the links systemctl enable made, by their names. */
export function enabledUnits(ctx: Pick<ProviderContext, 'fs'>): string[] {
  const { fs } = ctx;
  const enabled = new Map<string, Set<string>>(); // unit file → instances
  const note = (linkName: string, target: string) => {
    if (target === '/dev/null') return; // masked: presets leave masked units alone
    const file = target.split('/').pop()!;
    if (!UNIT_NAME.test(file) || !UNIT_NAME.test(linkName)) return;
    const instances = enabled.get(file) ?? new Set<string>();
    // getty@tty1.service → getty@.service: the instance is enabled, not the template's default
    const m = /^([^@]+)@(.+)\.([a-z]+)$/.exec(linkName);
    if (file.includes('@.') && m) instances.add(m[2]!);
    enabled.set(file, instances);
  };
  for (const dir of UNIT_DIRS) {
    for (const name of fs.list(dir)) {
      const p = `${dir}/${name}`;
      const st = fs.lstat(p);
      if (st?.isSymbolicLink()) note(name, fs.readLink(p) ?? '');
      else if (st?.isDirectory() && /\.(wants|requires|upholds)$/.test(name)) {
        for (const link of fs.list(p)) if (fs.lstat(`${p}/${link}`)?.isSymbolicLink()) note(link, fs.readLink(`${p}/${link}`) ?? '');
      }
    }
  }
  return [...enabled.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([file, instances]) => (instances.size ? `${file} ${[...instances].sort().join(' ')}` : file));
}

export default defineProvider({
  id: 'first-boot-presets',
  summary: "Keep the image's enabled units at the first boot (systemd would apply its presets)",
  pass: 'generalize',
  defaultEnabled: true,
  run(ctx) {
    if (!ctx.fs.isDirectory('/etc/systemd/system')) return; // no systemd configuration: no presets either
    const units = enabledUnits(ctx);
    const text = [
      '# Written by sysprep (the first-boot-presets provider), removed by its specialize pass.',
      '# systemd applies its presets on a first boot; this keeps the units this image had enabled',
      '# when it was sealed, and nothing else, as they are.',
      ...units.map((u) => `enable ${u}`),
      'disable *',
      '',
    ].join('\n');
    ctx.fs.makeDirectory('/etc/systemd/system-preset', 0o755);
    if (ctx.fs.writeText(PATHS.presetGuard, text, { mode: 0o644, detail: `${units.length} enabled units kept` })) {
      ctx.note(`the first boot keeps the ${units.length} enabled units as they are (${PATHS.presetGuard})`);
    }
  },
});
