import { defineProvider } from './api.js';
import { globRemover } from './_shared.js';

/** Remove kernel crash dumps, kdump and systemd-coredump cores */
export default defineProvider({
  id: 'crash-data',
  summary: 'Remove kernel crash dumps, kdump and systemd-coredump cores',
  pass: 'cleanup',
  defaultEnabled: true,
  run: globRemover({ patterns: ['/var/crash/*', '/var/log/dump/*', '/var/lib/systemd/coredump/*', '/var/lib/apport/coredump/*'], dot: true, noun: 'dump' }),
});
