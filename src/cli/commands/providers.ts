/** `sysprep providers [--root DIR] [--json] [--providers LIST]`: the built-in and registered providers, and which run. */
import { DEVICE_OPERATIONS } from '../../model/devices.js';
import { ExitCode, usageError } from '../../model/errors.js';
import { PROVIDER_PASSES } from '../../model/passes.js';
import { appliesTo, compareProviders } from '../../providers/api.js';
import { allProviders } from '../../providers/index.js';
import { selectProviders } from '../../providers/selection.js';
import { openTarget } from '../../seal/run.js';
import { rejectOptions, type ParsedArgs } from '../args.js';

export async function providersCommand(args: ParsedArgs): Promise<number> {
  rejectOptions(args, 'providers', ['root', 'json', 'providers']);
  if (args.positionals.length) throw usageError(`'sysprep providers' takes no argument '${args.positionals[0]}' (or: sysprep providers test ID --root DIR)`);
  const root = args.options.get('root')?.at(-1);
  const target = openTarget(root ?? '/', true);
  const all = allProviders(target.fs);
  const selected = selectProviders(all, args.options.get('providers') ?? []);
  const rows = [...all]
    .sort((a, b) => PROVIDER_PASSES.indexOf(a.pass) - PROVIDER_PASSES.indexOf(b.pass) || compareProviders(a, b))
    .map((p) => ({
      id: p.id,
      pass: p.pass,
      order: p.order ?? 0,
      source: p.source ?? 'built-in',
      defaultEnabled: p.defaultEnabled,
      enabled: selected.has(p.id),
      families: p.families ?? ['all'],
      appliesToTarget: appliesTo(p, target),
      summary: p.summary,
    }));
  // the device phase of --image (fs-uuids, lvm-uuids, part-uuids): selected with the same grammar
  const lists = args.options.get('providers') ?? [];
  const deviceSelected = (id: string, byDefault: boolean) => {
    let on = lists.length ? false : byDefault;
    for (const t of lists.join(',').split(',').map((x) => x.trim())) {
      const [name, off] = t.startsWith('-') ? [t.slice(1), true] : [t, false];
      if (name === id || name === 'all' || (name === 'defaults' && byDefault)) on = !off;
    }
    return on;
  };
  const devices = DEVICE_OPERATIONS.map((o) => ({ id: o.id, pass: 'device', defaultEnabled: o.defaultEnabled, enabled: deviceSelected(o.id, o.defaultEnabled), imageOnly: true, summary: o.summary }));
  if (args.options.has('json')) {
    process.stdout.write(JSON.stringify({ target: root ?? '/', providers: rows, devices }, null, 2) + '\n');
    return ExitCode.ok;
  }
  for (const r of rows) {
    const flag = r.enabled ? '*' : ' ';
    const notes = [r.appliesToTarget ? '' : 'not for this target', r.source === 'built-in' ? '' : `from ${r.source}, order ${r.order}`].filter(Boolean);
    process.stdout.write(`${flag} ${r.id.padEnd(24)} ${r.pass.padEnd(10)} ${r.summary}${notes.length ? ` (${notes.join('; ')})` : ''}\n`);
  }
  for (const d of devices) process.stdout.write(`${d.enabled ? '*' : ' '} ${d.id.padEnd(24)} ${'device'.padEnd(10)} ${d.summary} (--image and /generalize only)\n`);
  const external = rows.filter((r) => r.source !== 'built-in').length;
  process.stdout.write(`\n* = enabled (the defaults, or what --providers selects). ${rows.length - external} built-in, ${external} registered.\n`);
  return ExitCode.ok;
}
