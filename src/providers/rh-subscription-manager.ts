import { defineProvider } from './api.js';
import { globRemover } from './_shared.js';

/** Remove the Red Hat subscription-manager identity and entitlements */
export default defineProvider({
  id: 'rh-subscription-manager',
  summary: 'Remove the Red Hat subscription-manager identity and entitlements',
  pass: 'generalize',
  defaultEnabled: true,
  families: ['rhel'],
  run: globRemover({ patterns: ['/etc/pki/consumer/*', '/etc/pki/entitlement/*'], noun: 'certificate' }),
});
