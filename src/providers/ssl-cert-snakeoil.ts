import { X509Certificate } from 'node:crypto';
import type { RootFs } from '../rootfs/rootfs.js';
import { defineProvider } from './api.js';
import { removeFile } from './_identity.js';

/**
 * The "snakeoil" TLS key pair of Debian's ssl-cert package. Its postinst runs `make-ssl-cert
 * generate-default-snakeoil`, which makes a self-signed certificate for `hostname -f` with a new
 * 2048-bit RSA key, for this machine: every service that ships a TLS default points at it (Apache's
 * default-ssl site, Postfix, Dovecot, PostgreSQL's `ssl_cert_file`, xrdp's cert.pem link …). Left in an
 * image, every clone serves the golden machine's private key, under the golden machine's name.
 *
 * At generalize the pair goes, with make-ssl-cert's hash link to it (/etc/ssl/certs/HASH.0), but only when the certificate is self-signed (subject = issuer): a
 * certificate an authority issued, put in place of the snakeoil one by the builder, is deliberate and
 * stays. At first boot the clone makes its own pair the way the package does, `make-ssl-cert
 * generate-default-snakeoil --force-overwrite`, once the clone's host name is set, before the units
 * that use it start.
 */
export const SNAKEOIL_KEY = '/etc/ssl/private/ssl-cert-snakeoil.key';
export const SNAKEOIL_CERT = '/etc/ssl/certs/ssl-cert-snakeoil.pem';
const MAKE_SSL_CERT = '/usr/sbin/make-ssl-cert';

/** The services Debian ships with the snakeoil pair as their TLS default: they start after the new pair exists. */
export const SNAKEOIL_USERS = [
  'apache2.service', 'nginx.service', 'lighttpd.service', 'postfix.service', 'postfix@-.service', 'exim4.service',
  'dovecot.service', 'courier-imap-ssl.service', 'xrdp.service', 'slapd.service', 'cockpit.service', 'stunnel4.service',
];

/** postgresql@VERSION-CLUSTER.service of each cluster the image has (they read the pair when they start). */
function postgresqlUnits(fs: RootFs): string[] {
  return fs.glob('/etc/postgresql/*/*/postgresql.conf').map((p) => {
    const [, , , version, cluster] = p.split('/');
    return `postgresql@${version}-${cluster}.service`;
  });
}

function selfSigned(pem: string): boolean {
  try {
    const cert = new X509Certificate(pem);
    return cert.subject === cert.issuer && cert.checkIssued(cert);
  } catch {
    return false;
  }
}

export default defineProvider({
  id: 'ssl-cert-snakeoil',
  summary: "Remove ssl-cert's self-signed snakeoil key pair; the clone makes its own (make-ssl-cert) at first boot",
  pass: 'generalize',
  defaultEnabled: true,
  identity: [SNAKEOIL_KEY, SNAKEOIL_CERT],
  run(ctx) {
    const st = ctx.fs.lstat(SNAKEOIL_CERT);
    if (!st) {
      if (ctx.fs.lstat(SNAKEOIL_KEY) && removeFile(ctx, 'ssl-cert-snakeoil', SNAKEOIL_KEY, 'snakeoil key without its certificate')) ctx.note('removed the snakeoil key');
      return;
    }
    if (!st.isFile() || !selfSigned(ctx.fs.readText(SNAKEOIL_CERT) ?? '')) {
      ctx.log.info(`ssl-cert-snakeoil: ${SNAKEOIL_CERT} is not a self-signed certificate in a file of its own; it and its key stay`);
      return;
    }
    let n = 0;
    if (removeFile(ctx, 'ssl-cert-snakeoil', SNAKEOIL_CERT, 'self-signed snakeoil certificate')) n++;
    if (removeFile(ctx, 'ssl-cert-snakeoil', SNAKEOIL_KEY, 'its private key')) n++;
    // make-ssl-cert's hash link (openssl x509 -hash of the golden machine's subject): the clone's differs
    for (const link of ctx.fs.glob('/etc/ssl/certs/*.[0-9]', { throughLinks: false })) {
      const to = ctx.fs.lstat(link)?.isSymbolicLink() ? ctx.fs.readLink(link) : undefined;
      if (to === 'ssl-cert-snakeoil.pem' || to === SNAKEOIL_CERT) ctx.fs.remove(link, 'hash link to the snakeoil certificate');
    }
    if (n) ctx.note('removed the snakeoil key pair; the clone makes its own at first boot');
  },
  regenerate(fs) {
    if (fs.exists(SNAKEOIL_CERT) || !fs.isFile(MAKE_SSL_CERT)) return [];
    return [{
      id: 'ssl-cert-snakeoil',
      out: '',
      argv: [MAKE_SSL_CERT, 'generate-default-snakeoil', '--force-overwrite'],
      before: [...SNAKEOIL_USERS, ...postgresqlUnits(fs)],
    }];
  },
});
