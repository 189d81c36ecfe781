import { defineProvider } from '../core/provider.js';
import { globRemover } from './_shared.js';

/** Remove PAM's runtime data (console locks, faillock tallies) */
export default defineProvider({
  id: 'pam-data',
  summary: "Remove PAM's runtime data (console locks, faillock tallies)",
  pass: 'cleanup',
  defaultEnabled: true,
  run: globRemover({ patterns: ['/var/run/console/*', '/var/run/faillock/*', '/var/run/sepermit/*', '/var/lib/faillock/*'], dot: true, noun: 'file' }),
});
