import { defineProvider } from './api.js';
import { cleanPath, configFiles, configText, distinct, removeFile } from './_identity.js';
import { count } from './_shared.js';

/**
 * The Chef Infra Client's key: `client_key` of client.rb, default /etc/chef/client.pem ("client.rb",
 * https://docs.chef.io/config_rb_client.html). The server created an API client for this node and gave
 * it that private key at the first run; every request is signed with it. A clone holding it
 * authenticates as the golden node and overwrites its node object. Without it, the next run
 * registers a new client through the validator key (`validation_key`, validation.pem), which is the
 * organisation's shared registration secret, configuration like client.rb itself: both stay. Cinc,
 * the community build, keeps the same files in /etc/cinc. A `node_name` set in client.rb is kept,
 * with a warning, since every clone would register under that one name.
 */
const CONFIG_DIRS = ['/etc/chef', '/etc/cinc'];

/** `client_key "…"` / `node_name '…'` of a client.rb. */
export function rubySetting(text: string, key: string): string | undefined {
  const m = new RegExp(`^\\s*${key}\\s*\\(?\\s*(["'])([^"']*)\\1`, 'm').exec(text);
  return m?.[2];
}

export default defineProvider({
  id: 'chef-client',
  summary: "Remove the Chef/Cinc client key (client.pem); client.rb and the validator key stay",
  pass: 'generalize',
  defaultEnabled: true,
  run(ctx) {
    let n = 0;
    for (const dir of CONFIG_DIRS) {
      const configs = configFiles(ctx, [`${dir}/client.rb`, `${dir}/client.d/*.rb`]);
      const keys = distinct([...configs.map((f) => cleanPath(rubySetting(configText(ctx, f) ?? '', 'client_key'))), `${dir}/client.pem`]);
      for (const key of keys) if (removeFile(ctx, 'chef-client', key, 'client key')) n++;
      for (const f of configs) {
        const name = rubySetting(configText(ctx, f) ?? '', 'node_name');
        if (name) ctx.log.warn(`chef-client: ${f} sets node_name "${name}"; every clone of this image registers as that node`);
      }
    }
    if (n) ctx.note(`removed ${count(n, 'client key')}`);
  },
});
