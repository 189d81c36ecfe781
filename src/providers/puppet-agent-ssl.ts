import { defineProvider, ProviderContext } from './api.js';
import { cleanPath, configFiles, configText, distinct, removeFilesOf } from './_identity.js';
import { count } from './_shared.js';

/**
 * The Puppet agent's SSL identity: its private and public key, its certificate signing request and
 * the certificate the CA signed for its certname (the golden machine's FQDN, unless `certname` is
 * set). A clone presenting them is the golden node to the Puppet server. This is what `puppet ssl
 * clean` removes; like it without `--localca`, the CA certificate (certs/ca.pem) and the CRL
 * (crl.pem) stay: they are the site's trust, not the node's identity ("Man Page: puppet ssl",
 * https://puppet.com/docs/puppet/8/ssl.html). The directory is `ssldir`: $confdir/ssl, that
 * is /etc/puppetlabs/puppet/ssl for Puppet 7/8 packages, and /var/lib/puppet/ssl for Debian's
 * `puppet-agent` package (its patched puppet/util/run_mode.rb); an `ssldir` set in puppet.conf is
 * honoured too. puppet.conf stays; a `certname` set there
 * is kept, with a warning, since every clone would then ask for that one certificate.
 */
const DEFAULT_SSLDIRS = ['/etc/puppetlabs/puppet/ssl', '/var/lib/puppet/ssl'];
const PUPPET_CONFS = ['/etc/puppetlabs/puppet/puppet.conf', '/etc/puppet/puppet.conf'];

/** `key = value` settings of puppet.conf (any section). */
export function puppetSettings(text: string, key: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const m = new RegExp(`^\\s*${key}\\s*=\\s*(.*?)\\s*$`).exec(line);
    if (m && m[1]) out.push(m[1]);
  }
  return out;
}

export function puppetSslDirs(ctx: ProviderContext): string[] {
  const configured: (string | undefined)[] = [];
  for (const f of configFiles(ctx, PUPPET_CONFS)) {
    for (const v of puppetSettings(configText(ctx, f) ?? '', 'ssldir')) configured.push(cleanPath(v));
  }
  return distinct([...configured, ...DEFAULT_SSLDIRS]);
}

export default defineProvider({
  id: 'puppet-agent-ssl',
  summary: "Remove the Puppet agent's key pair, CSR and certificate, like `puppet ssl clean` (CA cert, CRL stay)",
  pass: 'generalize',
  defaultEnabled: true,
  run(ctx) {
    let n = 0;
    for (const ssldir of puppetSslDirs(ctx)) {
      if (!ctx.fs.lstat(ssldir)) continue;
      if (ctx.fs.lstat(ssldir)?.isSymbolicLink()) {
        ctx.log.warn(`puppet-agent-ssl: left ${ssldir} alone: it is a link to ${ctx.fs.readLink(ssldir)}`);
        continue;
      }
      for (const sub of ['private_keys', 'public_keys', 'certificate_requests']) n += removeFilesOf(ctx, 'puppet-agent-ssl', `${ssldir}/${sub}`);
      n += removeFilesOf(ctx, 'puppet-agent-ssl', `${ssldir}/certs`, (name) => name === 'ca.pem');
    }
    for (const f of configFiles(ctx, PUPPET_CONFS)) {
      for (const v of puppetSettings(configText(ctx, f) ?? '', 'certname')) {
        ctx.log.warn(`puppet-agent-ssl: ${f} sets certname = ${v}; every clone of this image asks for that one certificate`);
      }
    }
    if (n) ctx.note(`removed ${count(n, 'agent SSL file')}`);
  },
});
