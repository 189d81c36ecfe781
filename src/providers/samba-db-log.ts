import { defineProvider } from './api.js';
import { globRemover } from './_shared.js';

/**
 * Samba's logs and databases, as virt-sysprep's samba-db-log: /var/lib/samba holds the machine SID
 * (secrets.tdb), made at the first start and made again when missing. Its caches in /var/cache/samba
 * go too: browse.dat lists the golden machine by name.
 */
export default defineProvider({
  id: 'samba-db-log',
  summary: "Remove Samba's logs and databases",
  pass: 'cleanup',
  defaultEnabled: true,
  run: globRemover({ patterns: ['/var/log/samba/old/*', '/var/log/samba/*', '/var/lib/samba/*/*', '/var/lib/samba/*', '/var/cache/samba/*'], files: true, noun: 'file' }),
});
