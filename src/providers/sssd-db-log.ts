import { defineProvider } from './api.js';
import { globRemover } from './_shared.js';

/** Remove SSSD's logs and cache databases */
export default defineProvider({
  id: 'sssd-db-log',
  summary: "Remove SSSD's logs and cache databases",
  pass: 'cleanup',
  defaultEnabled: true,
  run: globRemover({ patterns: ['/var/log/sssd/*', '/var/lib/sss/db/*'], files: true, noun: 'file' }),
});
