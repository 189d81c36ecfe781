/**
 * The `--providers` grammar, virt-sysprep's `--operations`: a comma-separated list of `defaults`,
 * `all`, `name` (add) and `-name` (remove), applied left to right; several `--providers` options
 * accumulate. The first one starts from the empty set; with none, the defaults are selected.
 */
import { DEVICE_OPERATIONS, isDeviceOperation, type DeviceOperationId } from '../model/devices.js';
import { usageError } from '../model/errors.js';
import type { ProviderPass } from '../model/passes.js';
import { compareProviders, type Provider } from './api.js';

export function selectProviders(all: readonly Provider[], lists: readonly string[]): Set<string> {
  const byId = new Map(all.map((p) => [p.id, p]));
  const selected = new Set<string>();
  if (lists.length === 0) {
    for (const p of all) if (p.defaultEnabled) selected.add(p.id);
    return selected;
  }
  for (const list of lists) {
    const tokens = list.split(',').map((t) => t.trim());
    if (tokens.some((t) => t === '')) throw usageError(`--providers "${list}": empty name in the list`);
    for (const token of tokens) {
      const remove = token.startsWith('-');
      const name = remove ? token.slice(1) : token;
      let ids: string[];
      if (name === 'all') ids = all.map((p) => p.id);
      else if (name === 'defaults') ids = all.filter((p) => p.defaultEnabled).map((p) => p.id);
      else if (byId.has(name)) ids = [name];
      else if (isDeviceOperation(name)) continue; // the device phase's (selectDeviceOperations)
      else {
        const near = [...byId.keys()].filter((id) => id.includes(name) || name.includes(id)).slice(0, 3);
        throw usageError(
          `--providers: unknown provider "${name}"` +
            (near.length ? ` (did you mean ${near.join(', ')}?)` : '') +
            `; run "sysprep providers" for the list`,
        );
      }
      for (const id of ids) remove ? selected.delete(id) : selected.add(id);
    }
  }
  return selected;
}

/**
 * The device operations of `--image` (src/model/devices.ts) a request selects, with the same grammar:
 * `defaults` adds those on by default (lvm-uuids), `all` all of them. Naming one explicitly without
 * `--image` or without `/generalize` is a usage error; `defaults` and `all` just select nothing there.
 */
export function selectDeviceOperations(req: { providerLists: readonly string[]; generalize: boolean; imageFile?: string }): DeviceOperationId[] {
  const selected = new Set<DeviceOperationId>();
  if (!req.providerLists.length) DEVICE_OPERATIONS.filter((o) => o.defaultEnabled).forEach((o) => selected.add(o.id));
  for (const list of req.providerLists) {
    for (const token of list.split(',').map((t) => t.trim())) {
      const remove = token.startsWith('-');
      const name = remove ? token.slice(1) : token;
      const ids = name === 'all' ? DEVICE_OPERATIONS.map((o) => o.id)
        : name === 'defaults' ? DEVICE_OPERATIONS.filter((o) => o.defaultEnabled).map((o) => o.id)
        : isDeviceOperation(name) ? [name] : [];
      if (isDeviceOperation(name) && !remove) {
        if (req.imageFile === undefined) throw usageError(`--providers ${name}: a device operation, for disk images only: use --image FILE (with --root, the block devices are not sysprep's to change)`);
        if (!req.generalize) throw usageError(`--providers ${name}: a device operation of /generalize: add /generalize`);
      }
      for (const id of ids) remove ? selected.delete(id) : selected.add(id);
    }
  }
  return req.imageFile !== undefined && req.generalize ? DEVICE_OPERATIONS.filter((o) => selected.has(o.id)).map((o) => o.id) : [];
}

/**
 * The providers a run takes, in the order it runs them: cleanup always, then generalize with
 * /generalize; within a pass by (order, built-in first, id). Usage errors here change nothing (exit 2).
 */
export function planProviders(
  req: { providerLists: string[]; keepUserAccounts: string[]; removeUserAccounts: string[]; generalize: boolean; imageFile?: string },
  all: readonly Provider[],
): Provider[] {
  const selected = selectProviders(all, req.providerLists);
  selectDeviceOperations(req); // a device operation named where it cannot run: exit 2 here
  if ((req.keepUserAccounts.length || req.removeUserAccounts.length) && !selected.has('user-account')) {
    throw usageError(
      '--keep-user-accounts/--remove-user-accounts need the user-account provider; add --providers defaults,user-account',
    );
  }
  const passes: ProviderPass[] = req.generalize ? ['cleanup', 'generalize'] : ['cleanup'];
  return all
    .filter((p) => selected.has(p.id) && passes.includes(p.pass))
    .sort((a, b) => passes.indexOf(a.pass) - passes.indexOf(b.pass) || compareProviders(a, b));
}
