import { defineProvider } from './api.js';

/** Fedora/RHEL initial-setup's reconfiguration mode: it runs all its spokes at the next boot. */
export default defineProvider({
  id: 'flag-reconfiguration',
  summary: 'Create /.unconfigured so initial-setup reconfigures the system at next boot (opt-in)',
  pass: 'generalize',
  defaultEnabled: false,
  run(ctx) {
    if (!ctx.fs.exists('/.unconfigured') && ctx.fs.writeText('/.unconfigured', '', { mode: 0o644 })) {
      ctx.note('created /.unconfigured');
    }
  },
});
