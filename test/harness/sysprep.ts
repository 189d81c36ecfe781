/** Running bin/sysprep as a process, the way people and CI do. */
import { spawnSync, SpawnSyncOptions } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const BIN = path.join(REPO, 'bin/sysprep');

export interface Result {
  status: number;
  stdout: string;
  stderr: string;
  /** parsed stdout when --json was given */
  json?: any;
}

/**
 * A seal ends with a verify of the whole image (SPEC 9), seconds on a root of a thousand MiB: the
 * tests of other things seal with `--verify off`; those of the seal's verify say `--verify` themselves.
 */
export function withoutVerify(args: readonly string[]): string[] {
  const sealing = args.some((a) => /^(--|-|\/)generalize$/i.test(a));
  const chosen = args.some((a) => /^(--|-|\/)verify([=:]|$)/i.test(a));
  return sealing && !chosen ? [...args, '--verify', 'off'] : [...args];
}

export function sysprep(args: string[], options: SpawnSyncOptions = {}): Result {
  const r = spawnSync(BIN, withoutVerify(args), { encoding: 'utf8', timeout: 300_000, ...options });
  const stdout = String(r.stdout ?? '');
  const result: Result = { status: r.status ?? -1, stdout, stderr: String(r.stderr ?? '') };
  if (args.some((a) => /^(--|-|\/)json$/i.test(a))) {
    try {
      result.json = JSON.parse(stdout);
    } catch {
      /* left undefined: the test asserting on it fails with the raw output */
    }
  }
  return result;
}
