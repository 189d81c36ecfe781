import { defineProvider } from './api.js';
import { globRemover } from './_shared.js';

/** Remove Samba's logs and databases */
export default defineProvider({
  id: 'samba-db-log',
  summary: "Remove Samba's logs and databases",
  pass: 'cleanup',
  defaultEnabled: true,
  run: globRemover({ patterns: ['/var/log/samba/old/*', '/var/log/samba/*', '/var/lib/samba/*/*', '/var/lib/samba/*'], files: true, noun: 'file' }),
});
