import { defineProvider } from './api.js';
import { globRemover } from './_shared.js';

/** Remove yum's installation UUID */
export default defineProvider({
  id: 'yum-uuid',
  summary: "Remove yum's installation UUID",
  pass: 'generalize',
  identity: ['/var/lib/yum/uuid'],
  defaultEnabled: true,
  run: globRemover({ patterns: ['/var/lib/yum/uuid'], noun: 'file' }),
});
