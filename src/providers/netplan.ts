import { parseDocument, isMap, YAMLMap } from 'yaml';
import { defineProvider } from './api.js';

/**
 * Netplan configs that match an interface by the golden machine's MAC address (`match: macaddress`,
 * often with `set-name`, as cloud-init and subiquity write them) leave a clone's NIC unconfigured
 * (cloud-init #3611). The MAC match becomes a match on the name the interface was given (set-name),
 * or on the config's own id, so the same config applies to the clone's NIC. Comments and layout are
 * kept (the yaml library edits the document, not a re-serialised copy). Kept as is when the answer
 * file says PersistAllDeviceInstalls.
 */
export function unpinNetplan(text: string): { text: string; unpinned: string[] } {
  const doc = parseDocument(text);
  const unpinned: string[] = [];
  const network = doc.get('network');
  if (!isMap(network)) return { text, unpinned };
  for (const kind of ['ethernets', 'wifis', 'bonds', 'bridges', 'vlans']) {
    const group = network.get(kind);
    if (!isMap(group)) continue;
    for (const item of group.items) {
      const id = String((item.key as { value?: unknown })?.value ?? item.key);
      const def = item.value;
      if (!isMap(def)) continue;
      const match = def.get('match');
      const hasMatchMac = isMap(match) && match.has('macaddress');
      if (!hasMatchMac) continue;
      const setName = def.get('set-name');
      (match as YAMLMap).delete('macaddress');
      if (typeof setName === 'string') {
        (match as YAMLMap).set('name', setName);
        def.delete('set-name');
      } else if ((match as YAMLMap).items.length === 0) {
        (match as YAMLMap).set('name', id);
      }
      unpinned.push(id);
    }
  }
  // keep the layout people write: no folding of long lines, `[a, b]` not `[ a, b ]`
  return { text: unpinned.length ? doc.toString({ lineWidth: 0, flowCollectionPadding: false }) : text, unpinned };
}

export default defineProvider({
  id: 'netplan',
  summary: "Replace netplan's MAC-address matches with interface-name matches",
  pass: 'generalize',
  defaultEnabled: true,
  families: ['debian'],
  validate(ctx) {
    for (const f of ctx.fs.glob('/etc/netplan/*.yaml')) {
      const doc = parseDocument(ctx.fs.readText(f) ?? '');
      if (doc.errors.length) throw new Error(`${f}: not valid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
    }
  },
  run(ctx) {
    if (ctx.options.persistAllDeviceInstalls) {
      ctx.note('kept: PersistAllDeviceInstalls is set');
      return;
    }
    const all: string[] = [];
    for (const f of ctx.fs.glob('/etc/netplan/*.yaml')) {
      const { text, unpinned } = unpinNetplan(ctx.fs.readText(f) ?? '');
      if (unpinned.length && ctx.fs.writeText(f, text, { detail: `unpinned ${unpinned.join(', ')}` })) all.push(...unpinned);
    }
    if (all.length) ctx.note(`unpinned ${all.join(', ')} from their MAC addresses`);
  },
});
