/**
 * The `--providers` grammar, virt-sysprep's `--operations`: a comma-separated list of `defaults`,
 * `all`, `name` (add) and `-name` (remove), applied left to right; several `--providers` options
 * accumulate. The first one starts from the empty set; with none, the defaults are selected.
 */
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
 * The providers a run takes, in the order it runs them: cleanup always, then generalize with
 * /generalize; within a pass by (order, built-in first, id). Usage errors here change nothing (exit 2).
 */
export function planProviders(
  req: { providerLists: string[]; keepUserAccounts: string[]; removeUserAccounts: string[]; generalize: boolean },
  all: readonly Provider[],
): Provider[] {
  const selected = selectProviders(all, req.providerLists);
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
