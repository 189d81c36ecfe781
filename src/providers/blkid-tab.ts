import { defineProvider } from '../core/provider.js';
import { globRemover } from './_shared.js';

/** Remove blkid's cache of block device identities */
export default defineProvider({
  id: 'blkid-tab',
  summary: "Remove blkid's cache of block device identities",
  pass: 'cleanup',
  defaultEnabled: true,
  run: globRemover({ patterns: ['/var/run/blkid.tab', '/var/run/blkid.tab.old', '/etc/blkid/blkid.tab', '/etc/blkid/blkid.tab.old', '/etc/blkid.tab', '/etc/blkid.tab.old', '/dev/.blkid.tab', '/dev/.blkid.tab.old', '/run/blkid/blkid.tab', '/run/blkid/blkid.tab.old'], files: true, noun: 'cache file' }),
});
