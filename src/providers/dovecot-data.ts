import { defineProvider } from './api.js';
import { globRemover } from './_shared.js';

/** Remove Dovecot's runtime data */
export default defineProvider({
  id: 'dovecot-data',
  summary: "Remove Dovecot's runtime data",
  pass: 'cleanup',
  defaultEnabled: true,
  run: globRemover({ patterns: ['/var/lib/dovecot/*'], files: true, noun: 'file' }),
});
