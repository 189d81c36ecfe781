import { defineProvider } from './api.js';
import { count } from './_shared.js';

/**
 * Saved entropy: every clone would start its kernel RNG from the same seed. systemd's
 * BUILDING_IMAGES.md asks image builders to remove these; systemd-random-seed makes a new one at boot.
 * virt-sysprep instead *writes* a seed from the host, so all clones share it.
 */
const SEEDS = [
  '/var/lib/systemd/random-seed',
  '/var/lib/urandom/random-seed',
  '/var/lib/random-seed',
  '/var/lib/misc/random-seed',
  '/etc/random-seed',
  '/boot/efi/loader/random-seed',
  '/efi/loader/random-seed',
  '/boot/loader/random-seed',
];

export default defineProvider({
  id: 'random-seed',
  summary: 'Remove saved random seeds (systemd, urandom, the ESP loader seed)',
  pass: 'generalize',
  identity: ['/var/lib/systemd/random-seed', '/var/lib/urandom/random-seed'],
  defaultEnabled: true,
  run(ctx) {
    let n = 0;
    for (const p of SEEDS) if (ctx.fs.remove(p)) n++;
    if (n) ctx.note(`removed ${count(n, 'seed')}`);
  },
});
