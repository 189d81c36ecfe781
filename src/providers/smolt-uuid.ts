import { defineProvider } from './api.js';
import { globRemover } from './_shared.js';

/** Remove the Smolt hardware UUID */
export default defineProvider({
  id: 'smolt-uuid',
  summary: 'Remove the Smolt hardware UUID',
  pass: 'generalize',
  identity: ['/etc/smolt/uuid', '/etc/smolt/hw-uuid', '/etc/sysconfig/hw-uuid'],
  defaultEnabled: true,
  run: globRemover({ patterns: ['/etc/sysconfig/hw-uuid', '/etc/smolt/uuid', '/etc/smolt/hw-uuid'], noun: 'file' }),
});
