import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lvmId, rewriteIds } from './devices.js';

test('rewriteIds: every spelling of an old id, in the case it was written in; nothing else', () => {
  const ids = new Map([
    ['3f1c2a4e-0b1d-4c6e-9a55-0000000000a2', '9e8d7c6b-5a49-4838-a726-150403020100'],
    ['12AB-34CD', 'F00D-BEEF'],
  ]);
  const grub = 'search --fs-uuid --set=root 3F1C2A4E-0B1D-4C6E-9A55-0000000000A2\n' +
    '\tlinux /vmlinuz root=UUID=3f1c2a4e-0b1d-4c6e-9a55-0000000000a2 ro\n# 3f1c2a4e-0b1d-4c6e-9a55-0000000000a3 is another disk\n' +
    'UUID=12ab-34cd /boot/efi vfat umask=0077 0 1\nUUID=12AB-34CD\n';
  assert.equal(rewriteIds(grub, ids),
    'search --fs-uuid --set=root 9E8D7C6B-5A49-4838-A726-150403020100\n' +
    '\tlinux /vmlinuz root=UUID=9e8d7c6b-5a49-4838-a726-150403020100 ro\n# 3f1c2a4e-0b1d-4c6e-9a55-0000000000a3 is another disk\n' +
    'UUID=f00d-beef /boot/efi vfat umask=0077 0 1\nUUID=F00D-BEEF\n');
  assert.equal(rewriteIds('nothing here\n', ids), 'nothing here\n');
  assert.equal(rewriteIds('x', new Map()), 'x');
});

test('lvmId: 32 characters of LVM\'s alphabet, grouped 6-4-4-4-4-4-6, never twice the same', () => {
  const a = lvmId();
  assert.match(a, /^[A-Za-z0-9]{6}(-[A-Za-z0-9]{4}){5}-[A-Za-z0-9]{6}$/);
  assert.notEqual(lvmId(), a);
});
