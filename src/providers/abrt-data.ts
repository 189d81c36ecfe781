import { defineProvider } from './api.js';
import { globRemover } from './_shared.js';

/** Remove crash data collected by ABRT */
export default defineProvider({
  id: 'abrt-data',
  summary: 'Remove crash data collected by ABRT',
  pass: 'cleanup',
  defaultEnabled: true,
  run: globRemover({ patterns: ['/var/spool/abrt/*'], dot: true, noun: 'crash report' }),
});
