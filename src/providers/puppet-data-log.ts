import { defineProvider } from './api.js';
import { globRemover } from './_shared.js';

/** Remove Puppet's logs and cached data */
export default defineProvider({
  id: 'puppet-data-log',
  summary: "Remove Puppet's logs and cached data",
  pass: 'cleanup',
  defaultEnabled: true,
  run: globRemover({ patterns: ['/var/log/puppet/*', '/var/lib/puppet/*/*', '/var/lib/puppet/*/*/*'], files: true, noun: 'file' }),
});
