import { defineProvider } from './api.js';
import { globRemover } from './_shared.js';

/** Remove the RPM database's host-specific environment files */
export default defineProvider({
  id: 'rpm-db',
  summary: "Remove the RPM database's host-specific environment files",
  pass: 'cleanup',
  defaultEnabled: true,
  families: ['rhel', 'suse'],
  run: globRemover({ patterns: ['/var/lib/rpm/__db.*'], noun: 'file' }),
});
