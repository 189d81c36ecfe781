/**
 * Line prompts on the console for the interactive OOBE. Plain text, so it works the same on a VGA
 * console, a serial console and a terminal emulator; secrets are read with echo off.
 */
import * as nodefs from 'node:fs';

export interface Console {
  write(text: string): void;
  /** a line the person typed (without the newline); undefined at end of input */
  readLine(options?: { secret?: boolean }): Promise<string | undefined>;
  close(): void;
}

/** The console on stdin/stdout (the OOBE unit gives the agent /dev/console as its TTY). */
export function processConsole(): Console {
  const input = process.stdin;
  let buffer = '';
  let ended = false;
  const waiting: ((v: void) => void)[] = [];
  const wake = () => waiting.splice(0).forEach((w) => w());
  if (input.isTTY) input.setRawMode(true);
  input.setEncoding('utf8');
  input.on('data', (chunk: string) => {
    buffer += chunk;
    wake();
  });
  input.on('end', () => {
    ended = true;
    wake();
  });
  input.resume();
  const out = (s: string) => process.stdout.write(s.replace(/\r?\n/g, '\r\n'));
  return {
    write: out,
    async readLine(options = {}) {
      let line = '';
      for (;;) {
        while (buffer.length === 0) {
          if (ended) return line.length ? line : undefined;
          await new Promise<void>((r) => waiting.push(r));
        }
        const ch = buffer[0]!;
        buffer = buffer.slice(1);
        if (ch === '\r' || ch === '\n') {
          if (ch === '\r' && buffer[0] === '\n') buffer = buffer.slice(1);
          out('\n');
          return line;
        }
        if (ch === '\x7f' || ch === '\b') {
          if (line.length) {
            line = line.slice(0, -1);
            if (!options.secret) out('\b \b');
          }
          continue;
        }
        if (ch === '\x03') throw new Error('interrupted');
        if (ch === '\x15') {
          // Ctrl-U: erase the line
          if (!options.secret) out('\b \b'.repeat(line.length));
          line = '';
          continue;
        }
        if (ch < ' ' || ch === '\x1b') continue;
        line += ch;
        if (!options.secret) out(ch);
      }
    },
    close() {
      if (input.isTTY) input.setRawMode(false);
      input.pause();
    },
  };
}

/** Ask until `check` accepts the answer (it returns an error message or undefined). */
export async function ask(
  c: Console,
  question: string,
  options: { default?: string; secret?: boolean; check?: (v: string) => string | undefined } = {},
): Promise<string> {
  for (;;) {
    c.write(`${question}${options.default !== undefined ? ` [${options.default}]` : ''}: `);
    const line = await c.readLine({ secret: options.secret ?? false });
    if (line === undefined) throw new Error('the console closed before the OOBE was answered');
    const v = line.trim() === '' && options.default !== undefined ? options.default : line.trim();
    const problem = options.check?.(v);
    if (!problem) return v;
    c.write(`  ${problem}\n`);
  }
}

export function fileExists(p: string): boolean {
  try {
    nodefs.accessSync(p);
    return true;
  } catch {
    return false;
  }
}
