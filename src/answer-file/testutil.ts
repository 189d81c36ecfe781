/** Paths shared by the answer-file tests and the benchmark (not used by the product). */
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The repository root, from the compiled file's place (dist/src/answer-file/… or src/answer-file/…). */
export function repoRoot(): string {
  let dir = fileURLToPath(new URL('.', import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'src'))) return dir;
    dir = join(dir, '..');
  }
  throw new Error('repository root not found');
}

/** The shared corpus of real answer files: ../shared/corpus/unattend from the repository root. */
export function corpusDir(): string {
  return join(repoRoot(), '..', 'shared', 'corpus', 'unattend');
}

export function corpusFiles(): string[] {
  return readdirSync(corpusDir()).filter((f) => f.toLowerCase().endsWith('.xml')).sort();
}

export function fixture(name: string): string {
  return join(repoRoot(), 'test', 'fixtures', 'answer-files', name);
}
