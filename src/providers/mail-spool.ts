import { defineProvider } from '../core/provider.js';
import { globRemover } from './_shared.js';

/** Remove local mail spools */
export default defineProvider({
  id: 'mail-spool',
  summary: 'Remove local mail spools',
  pass: 'cleanup',
  defaultEnabled: true,
  run: globRemover({ patterns: ['/var/spool/mail/*', '/var/mail/*'], dot: true, noun: 'mailbox' }),
});
