/**
 * Helpers for first-boot tests: generalize a used root into a bootable image, boot it in QEMU,
 * type on its serial console, check passwords against shadow hashes.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after } from 'node:test';
import { buildImage, WORK_DIR } from '../fixtures/disk-image.js';
import { overlayRoot, usedRoot, type Scratch } from '../fixtures/used-root.js';
import { findKernel, startImage, tail, type Guest } from './qemu.js';
import { sysprep } from './sysprep.js';
import { CREDENTIAL_NAME, SYSTEM_CREDENTIALS_DIR } from '../../src/model/per-clone.js';

export const BOOT_TIMEOUT = Number(process.env.SYSPREP_TEST_BOOT_TIMEOUT ?? 600) * 1000;
export const cleanups: (() => void)[] = [];
after(() => cleanups.reverse().forEach((f) => f()));

export const COMPONENT = (name: string, body: string) =>
  `<component name="${name}" processorArchitecture="amd64" publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS" xmlns:wcm="http://schemas.microsoft.com/WMIConfig/2002/State">${body}</component>`;
export const UNATTEND = (passes: Record<string, string>) =>
  `<?xml version="1.0" encoding="utf-8"?>\n<unattend xmlns="urn:schemas-microsoft-com:unattend">\n` +
  Object.entries(passes).map(([p, body]) => `  <settings pass="${p}">${body}</settings>\n`).join('') + '</unattend>\n';
export const INTERNATIONAL = COMPONENT('Microsoft-Windows-International-Core',
  '<InputLocale>0409:00000409</InputLocale><SystemLocale>en-US</SystemLocale><UILanguage>en-US</UILanguage><UserLocale>en-US</UserLocale>');

/** Generalize a private copy of the used root with these arguments; return an ext4 image of it. */
export function generalizedImage(label: string, args: string[], prepare?: (root: string) => void): { image: string; kernel: string; initrd: string } {
  const view: Scratch = overlayRoot(usedRoot('bookworm'), label);
  try {
    prepare?.(view.root);
    const r = sysprep(['--root', view.root, '/generalize', ...args]);
    assert.equal(r.status, 0, `generalize failed: ${r.stderr}\n${r.stdout}`);
    const dir = fs.mkdtempSync(path.join(WORK_DIR, `${label}-`));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const kernel = findKernel(view.root);
    fs.copyFileSync(kernel.kernel, path.join(dir, 'vmlinuz'));
    fs.copyFileSync(kernel.initrd, path.join(dir, 'initrd.img'));
    const image = buildImage(view.root, path.join(dir, 'disk.raw'), { headroomMiB: 400 });
    return { image, kernel: path.join(dir, 'vmlinuz'), initrd: path.join(dir, 'initrd.img') };
  } finally {
    view.dispose();
  }
}

/**
 * Boot several images at once (the clones of one image: each a single vCPU, so two use this
 * machine's two cores instead of waiting for each other); every boot runs to its end, then the first
 * failure, if any, is thrown.
 */
export async function bootAll(imgs: { image: string; kernel: string; initrd: string }[], drive: (g: Guest) => Promise<void>): Promise<Guest[]> {
  const results = await Promise.allSettled(imgs.map((img) => boot(img, drive)));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<Guest>).value);
}

export function clone(image: string, name: string): string {
  const copy = path.join(path.dirname(image), name);
  execFileSync('cp', ['--sparse=always', image, copy]);
  return copy;
}

export async function boot(img: { image: string; kernel: string; initrd: string }, drive: (g: Guest) => Promise<void>): Promise<Guest> {
  const guest = startImage({ image: img.image, kernel: img.kernel, initrd: img.initrd, timeoutMs: BOOT_TIMEOUT });
  try {
    await drive(guest);
    const result = await guest.done;
    assert.ok(result.exited, `the guest did not power off by itself (timed out: ${result.timedOut}):\n${tail(result.serial, 80)}`);
    process.stderr.write(`# boot of ${path.basename(img.image)}: ${result.seconds} s\n`);
  } catch (err) {
    guest.kill();
    await guest.done;
    throw new Error(`${(err as Error).message}\n--- serial (last lines) ---\n${tail(guest.serial(), 80)}`);
  }
  return guest;
}

/**
 * Log in on the serial console and power the machine off once the boot is complete: the login prompt
 * comes first, while sshd still waits for the clone's host keys (ssh-keygen's RSA key takes a while).
 */
export async function loginAndPowerOff(g: Guest, user: string, password: string): Promise<void> {
  await g.waitFor(/login: $/m, BOOT_TIMEOUT);
  const at = g.serial().length;
  g.type(`${user}\n`);
  await g.waitFor(/Password: ?$/m, 120_000, at);
  g.type(`${password}\n`);
  await g.waitFor(/[#$] $/m, 120_000, at);
  const off = user === 'root' ? 'poweroff' : `echo '${password}' | sudo -S poweroff`;
  g.type(`systemctl is-system-running --wait; ${off}\n`);
}

/** Does `password` verify against the shadow hash (libcrypt through python3's crypt module)? */
export function verifies(hash: string, password: string): boolean {
  const r = spawnSync('python3', ['-W', 'ignore', '-c', 'import crypt,sys; h=sys.argv[1]; print(crypt.crypt(sys.stdin.read(), h) == h)', hash], { input: password, encoding: 'utf8' });
  return r.stdout.trim() === 'True';
}

export const read = (root: string, p: string) => fs.readFileSync(path.join(root, p), 'utf8');

/** Run a command inside a root, in a private UTS namespace, with no terminal and a bare environment. */
export function inRoot(root: string, argv: string[]): { status: number; out: string } {
  const r = spawnSync('unshare', ['--uts', '--fork', 'chroot', root, 'env', '-i', 'PATH=/usr/sbin:/usr/bin:/sbin:/bin', ...argv],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

/** Put `text` where systemd puts the credential sysprep.unattend, as systemd does (0400 in a 0700 directory). */
export function plantCredential(root: string, text: string): void {
  const file = path.join(root, SYSTEM_CREDENTIALS_DIR, CREDENTIAL_NAME);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, text, { mode: 0o400 });
}
export const shadowOf = (root: string, user: string) => read(root, '/etc/shadow').split('\n').find((l) => l.startsWith(`${user}:`))?.split(':')[1] ?? '';
export const hostKeys = (root: string) => fs.readdirSync(path.join(root, 'etc/ssh')).filter((n) => /^ssh_host_.*_key\.pub$/.test(n)).sort()
  .map((n) => read(root, `/etc/ssh/${n}`).split(' ')[1]!);

