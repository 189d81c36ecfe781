/**
 * Reading a root or an image after the work, on the host: files, whether a password verifies against
 * its shadow hash, the SSH host keys, the machine-id in an unmounted ext4 image, and disk usage.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { run } from './run.js';

export const readFile = (root: string, p: string): string => fs.readFileSync(path.join(root, p), 'utf8');

/** The file's text, or '' when it does not exist. */
export const readIfExists = (root: string, p: string): string => (fs.existsSync(path.join(root, p)) ? readFile(root, p) : '');

/** Does `password` verify against a crypt(3) hash (libcrypt through python3's crypt module)? */
export function verifies(hash: string, password: string): boolean {
  const r = spawnSync('python3', ['-W', 'ignore', '-c', 'import crypt,sys; h=sys.argv[1]; print(crypt.crypt(sys.stdin.read(), h) == h)', hash], {
    input: password,
    encoding: 'utf8',
  });
  return r.stdout.trim() === 'True';
}

/** `user`'s password hash in the root's /etc/shadow ('' when none). */
export const shadowHash = (root: string, user: string): string =>
  readFile(root, 'etc/shadow').split('\n').find((l) => l.startsWith(`${user}:`))?.split(':')[1] ?? '';

/** The public part of each host key pair of `types` present in the root, by type. */
export function hostKeys(root: string, types: readonly string[]): Record<string, string> {
  const keys: Record<string, string> = {};
  const ssh = path.join(root, 'etc/ssh');
  for (const t of types) {
    const pub = path.join(ssh, `ssh_host_${t}_key.pub`);
    if (fs.existsSync(pub) && fs.existsSync(path.join(ssh, `ssh_host_${t}_key`))) keys[t] = fs.readFileSync(pub, 'utf8').split(' ')[1] ?? '';
  }
  return keys;
}

/** Does the root's /etc/machine-id still hold `id`? */
export const keepsMachineId = (root: string, id: string): boolean => readIfExists(root, 'etc/machine-id').includes(id);

/** The machine-id file in an ext4 image, read on the host with debugfs. */
export function imageMachineId(img: string): string {
  const r = spawnSync('debugfs', ['-R', 'cat /etc/machine-id', img], { encoding: 'utf8' });
  return r.stdout ?? '';
}

/** Bytes `dir` takes on disk (or its apparent size), on its own file system. */
export function duBytes(dir: string, apparent = false): number {
  return Number(run('du', ['-sx', '-B1', ...(apparent ? ['--apparent-size'] : []), dir]).split(/\s+/)[0]);
}

/** Number of regular files below `dir`. */
export const fileCount = (dir: string): number => Number(run('find', [dir, '-type', 'f']).trim().split('\n').length);
