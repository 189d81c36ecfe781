import { defineProvider } from './api.js';
import { refreshCaStore } from './_ca-store.js';
import { count } from './_shared.js';

/**
 * Locally issued certificates and private keys under /etc/pki (virt-sysprep's ca-certificates, off by
 * default there too: removing them can break services configured to use them). The distribution's
 * bundles are kept; the CA store is rebuilt afterwards, as virt-sysprep does, so no removed local CA
 * stays in it.
 */
const KEEP = new Set(['/etc/pki/tls/certs/ca-bundle.crt', '/etc/pki/tls/certs/ca-bundle.trust.crt']);

export default defineProvider({
  id: 'ca-certificates',
  summary: 'Remove locally issued certificates and keys under /etc/pki (opt-in)',
  pass: 'generalize',
  defaultEnabled: false,
  run(ctx) {
    let n = 0;
    for (const pattern of [
      '/etc/pki/CA/certs/*.crt',
      '/etc/pki/CA/crl/*.crt',
      '/etc/pki/CA/newcerts/*.crt',
      '/etc/pki/CA/private/*.key',
      '/etc/pki/tls/private/*.key',
      '/etc/pki/tls/certs/*.crt',
    ]) {
      for (const p of ctx.fs.glob(pattern)) if (!KEEP.has(p) && ctx.fs.remove(p)) n++;
    }
    if (n) {
      ctx.note(`removed ${count(n, 'file')}`);
      refreshCaStore(ctx, `removing ${count(n, 'file')} under /etc/pki`);
    }
  },
});
