import { defineProvider } from './api.js';
import { globRemover } from './_shared.js';

/** Remove the backup copies of passwd, shadow and group */
export default defineProvider({
  id: 'passwd-backups',
  summary: 'Remove the backup copies of passwd, shadow and group',
  pass: 'cleanup',
  defaultEnabled: true,
  run: globRemover({ patterns: ['/etc/group-', '/etc/gshadow-', '/etc/passwd-', '/etc/shadow-', '/etc/subuid-', '/etc/subgid-', '/var/backups/group.bak', '/var/backups/gshadow.bak', '/var/backups/passwd.bak', '/var/backups/shadow.bak'], noun: 'backup' }),
});
