import { defineProvider } from '../core/provider.js';
import { globRemover } from './_shared.js';

/** Remove the Kerberos KDC database (opt-in: destroys a KDC) */
export default defineProvider({
  id: 'kerberos-data',
  summary: 'Remove the Kerberos KDC database (opt-in: destroys a KDC)',
  pass: 'generalize',
  defaultEnabled: false,
  run: globRemover({ patterns: ['/var/kerberos/krb5kdc/*', '/var/lib/krb5kdc/*'], noun: 'file' }),
});
