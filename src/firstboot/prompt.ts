/**
 * Line prompts on the console for the interactive OOBE. Plain text, so it works the same on a VGA
 * console, a serial console and a terminal emulator; secrets are read with echo off.
 */
import * as nodefs from 'node:fs';
import * as tty from 'node:tty';

export interface Console {
  write(text: string): void;
  /** a line the person typed (without the newline); undefined at end of input */
  readLine(options?: { secret?: boolean }): Promise<string | undefined>;
  close(): void;
}

interface Terminal {
  name: string;
  input: NodeJS.ReadStream;
  output: NodeJS.WriteStream;
  buffer: string;
  close(): void;
}

/**
 * The other consoles the kernel writes to besides /dev/console (console=tty0 console=ttyS0: the VGA
 * console and the serial one), or the terminals SYSPREP_OOBE_CONSOLES names (comma-separated device
 * paths). /dev/console is the last active one; tty0 means the first virtual terminal at boot.
 */
export function otherConsoles(): string[] {
  const configured = process.env.SYSPREP_OOBE_CONSOLES;
  if (configured) return configured.split(',').map((s) => s.trim()).filter(Boolean);
  try {
    const active = nodefs.readFileSync('/sys/class/tty/console/active', 'utf8').trim().split(/\s+/);
    return active.slice(0, -1).map((n) => `/dev/${n === 'tty0' ? 'tty1' : n}`);
  } catch {
    return [];
  }
}

/**
 * The OOBE's console: stdin/stdout (the unit gives the agent /dev/console) and every other console,
 * so the person can answer on the VGA console or the serial one. Output goes to all of them; the
 * terminal where someone types first owns the line being read (keys elsewhere are ignored meanwhile).
 */
export function processConsole(): Console {
  const terminals: Terminal[] = [];
  const add = (name: string, input: NodeJS.ReadStream, output: NodeJS.WriteStream, close: () => void) =>
    terminals.push({ name, input, output, buffer: '', close });
  add('console', process.stdin, process.stdout, () => process.stdin.pause());
  for (const dev of otherConsoles()) {
    try {
      const fd = nodefs.openSync(dev, nodefs.constants.O_RDWR | nodefs.constants.O_NOCTTY);
      const input = new tty.ReadStream(fd);
      const output = new tty.WriteStream(fd);
      add(dev, input, output, () => input.destroy());
    } catch {
      /* that console is not there (no VGA, no serial port): the others serve */
    }
  }
  let ended = 0;
  const waiting: (() => void)[] = [];
  const wake = () => waiting.splice(0).forEach((w) => w());
  for (const t of terminals) {
    if (t.input.isTTY) t.input.setRawMode(true);
    t.input.setEncoding('utf8');
    t.input.on('data', (chunk: string) => {
      t.buffer += chunk;
      wake();
    });
    t.input.on('end', () => {
      ended++;
      wake();
    });
    t.input.resume();
  }
  const out = (s: string) => {
    for (const t of terminals) t.output.write(s.replace(/\r?\n/g, '\r\n'));
  };
  return {
    write: out,
    async readLine(options = {}) {
      let line = '';
      let owner: Terminal | undefined;
      for (;;) {
        if (!owner) {
          owner = terminals.find((t) => t.buffer.length > 0);
          for (const t of terminals) if (t !== owner) t.buffer = '';
        }
        if (!owner || owner.buffer.length === 0) {
          if (ended >= terminals.length) return line.length ? line : undefined;
          await new Promise<void>((r) => waiting.push(r));
          continue;
        }
        for (const t of terminals) if (t !== owner) t.buffer = ''; // keys elsewhere wait for the next line
        const ch = owner.buffer[0]!;
        owner.buffer = owner.buffer.slice(1);
        if (ch === '\r' || ch === '\n') {
          if (ch === '\r' && owner.buffer[0] === '\n') owner.buffer = owner.buffer.slice(1);
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
      for (const t of terminals) {
        if (t.input.isTTY) t.input.setRawMode(false);
        t.close();
      }
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
