/**
 * A program running in a real terminal: a detached tmux session (80x24 by default) on a private tmux
 * server socket, keys sent with `tmux send-keys`, the screen read with `tmux capture-pane -p`.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const hasTmux = spawnSync('tmux', ['-V']).status === 0;
/** a private tmux server: never touches anyone else's sessions */
export const SOCKET = `sysprep-dialog-test-${process.pid}`;
let sessions = 0;

export function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export class Session {
  readonly name = `term-${process.pid}-${++sessions}`;
  constructor(command: string, size: { width?: number; height?: number } = {}) {
    const env = `PATH=${shellQuote(path.dirname(process.execPath))}:"$PATH" LANG=C.UTF-8`;
    tmux('new-session', '-d', '-s', this.name, '-x', String(size.width ?? 80), '-y', String(size.height ?? 24), `${env} ${command}; echo EXIT=$?; sleep 30`);
  }
  screen(): string {
    return tmux('capture-pane', '-p', '-t', this.name);
  }
  keys(...keys: string[]): void {
    tmux('send-keys', '-t', this.name, ...keys);
  }
  /** Polls the screen until `test` passes; fails with the last screen after `timeoutMs`. */
  async waitFor(what: string, test: (screen: string) => boolean, timeoutMs = 30_000): Promise<string> {
    const end = Date.now() + timeoutMs;
    let screen = '';
    for (;;) {
      screen = this.screen();
      if (test(screen)) return screen;
      if (Date.now() > end) assert.fail(`timed out waiting for ${what}; the screen:\n${screen}`);
      await sleep(100);
    }
  }
  /** Waits for the shell's EXIT=N line and returns N with the screen. */
  async exit(timeoutMs = 180_000): Promise<{ code: number; screen: string }> {
    const screen = await this.waitFor('sysprep to exit', (s) => /^EXIT=\d+/m.test(s), timeoutMs);
    return { code: Number(/^EXIT=(\d+)/m.exec(screen)![1]), screen };
  }
  kill(): void {
    try {
      tmux('kill-session', '-t', this.name);
    } catch {
      /* already gone */
    }
  }
}

