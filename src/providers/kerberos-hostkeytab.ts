import { defineProvider } from './api.js';
import { globRemover } from './_shared.js';

/** Remove the Kerberos host keytab */
export default defineProvider({
  id: 'kerberos-hostkeytab',
  summary: 'Remove the Kerberos host keytab',
  pass: 'generalize',
  identity: ['/etc/krb5.keytab'],
  defaultEnabled: true,
  run: globRemover({ patterns: ['/etc/krb5.keytab'], noun: 'keytab' }),
});
