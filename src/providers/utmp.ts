import { defineProvider } from './api.js';
import { globRemover } from './_shared.js';

/** Remove the record of who is logged in now */
export default defineProvider({
  id: 'utmp',
  summary: 'Remove the record of who is logged in now',
  pass: 'cleanup',
  defaultEnabled: true,
  run: globRemover({ patterns: ['/var/run/utmp', '/run/utmp'], noun: 'file' }),
});
