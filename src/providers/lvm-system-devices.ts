import { defineProvider } from './api.js';
import { globRemover } from './_shared.js';

/** Remove LVM's devices file, whose device IDs change on clones */
export default defineProvider({
  id: 'lvm-system-devices',
  summary: "Remove LVM's devices file, whose device IDs change on clones",
  pass: 'generalize',
  defaultEnabled: true,
  run: globRemover({ patterns: ['/etc/lvm/devices/system.devices'], noun: 'file' }),
});
