import { defineProvider } from './api.js';
import { globRemover } from './_shared.js';

/** Remove the RHN system ID */
export default defineProvider({
  id: 'rhn-systemid',
  summary: 'Remove the RHN system ID',
  pass: 'generalize',
  identity: ['/etc/sysconfig/rhn/systemid'],
  defaultEnabled: true,
  run: globRemover({ patterns: ['/etc/sysconfig/rhn/systemid', '/etc/sysconfig/rhn/osad-auth.conf'], noun: 'file' }),
});
