import { defineProvider, ProviderContext } from './api.js';
import { cleanPath, configFiles, configText, distinct, removeFilesIn, yamlValue } from './_identity.js';
import { count } from './_shared.js';

/**
 * A Salt minion's identity ("Configuring the Salt Minion",
 * https://docs.saltproject.io/en/latest/ref/configuration/minion.html):
 * - /etc/salt/minion_id: the minion ID cached at the first start (`minion_id_caching`, on by
 *   default), the golden machine's FQDN; a clone would keep answering to it.
 * - minion.pem / minion.pub in `pki_dir` (default /etc/salt/pki/minion): the key pair the master
 *   accepted for that ID. Two minions with one key are one minion to the master.
 * - minion_master.pub in the same directory: the master's key, cached on first contact. A clone
 *   learns it again on its first authentication; a builder who wants it pinned sets master.pub,
 *   master_sign.pub or `master_finger`, which are configuration and stay.
 * /etc/salt/minion and minion.d/ stay as they are. An `id:` set there is configuration too: kept,
 * with a warning, since every clone then registers under that one ID.
 */
const DEFAULT_PKI = '/etc/salt/pki/minion';

export function saltConfigs(ctx: ProviderContext): string[] {
  return configFiles(ctx, ['/etc/salt/minion', '/etc/salt/minion.d/*.conf']);
}

export default defineProvider({
  id: 'salt-minion',
  summary: "Remove the Salt minion's cached ID, its key pair and the cached master key (config stays)",
  pass: 'generalize',
  identity: ['/etc/salt/minion_id', '/etc/salt/pki/minion/minion.pem', '/etc/salt/pki/minion/minion.pub'],
  defaultEnabled: true,
  run(ctx) {
    const configs = saltConfigs(ctx);
    const pkiDirs = distinct([...configs.map((f) => cleanPath(yamlValue(configText(ctx, f) ?? '', 'pki_dir'))), DEFAULT_PKI]);
    let n = removeFilesIn(ctx, 'salt-minion', '/etc/salt', ['minion_id']);
    for (const dir of pkiDirs) n += removeFilesIn(ctx, 'salt-minion', dir, ['minion.pem', 'minion.pub', 'minion_master.pub']);
    for (const f of configs) {
      const id = yamlValue(configText(ctx, f) ?? '', 'id');
      if (id) ctx.log.warn(`salt-minion: ${f} sets id: ${id}; every clone of this image registers as that minion`);
    }
    if (n) ctx.note(`removed ${count(n, 'minion identity file')}`);
  },
});
