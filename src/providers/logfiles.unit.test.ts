import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRotated } from './logfiles.js';

test('isRotated: numbered, dated and compressed rotations', () => {
  for (const name of ['syslog.1', 'syslog.2.gz', 'auth.log.10', 'dpkg.log.1.xz', 'kern.log.3.bz2', 'messages.4.zst',
    'access.log.5.lz4', 'messages-20261120', 'secure-20261120.gz', 'maillog-20261120.xz', 'cron-20261120.bz2',
    'sa.old', 'Xorg.0.log.old', 'error_log.gz', 'debug.xz']) {
    assert.equal(isRotated(name), true, name);
  }
});

test('isRotated: live logs, including ones with digits in their names', () => {
  for (const name of ['syslog', 'auth.log', 'messages', 'Xorg.0.log', 'access.log', 'php8.2-fpm.log', 'sssd_example.com.log',
    'log.smbd', 'wtmp', 'lastlog', 'dpkg.log', 'messages-2026', 'error.log-1', 'secure-202611201']) {
    assert.equal(isRotated(name), false, name);
  }
});
