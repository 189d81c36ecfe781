/**
 * The System Preparation Tool dialog (SPEC 2.3, Windows reference 1.4): a text-mode re-make of
 * Sysprep's window, drawn with plain ANSI escapes on the terminal's alternate screen.
 *
 * Three layers, so that everything but the last is a pure function and unit-testable:
 *  - the state machine: `initialState`, `handleKey`, `dialogOutcome`, `commandLine`;
 *  - input decoding: `parseKeys` (raw terminal bytes → keys);
 *  - rendering: `renderDialog` (state + terminal size → a character grid) and `screenText`
 *    (grid → the escape sequences that paint it);
 * and `runDialog`, the input loop that owns the terminal and restores it on every way out.
 */

// ---------------------------------------------------------------------------------------------
// State

export type CleanupAction = 'oobe' | 'audit';
export type ShutdownOption = 'quit' | 'reboot' | 'shutdown';
export type Field = 'action' | 'generalize' | 'power' | 'ok' | 'cancel';
export type DropDown = 'action' | 'power';

/** Tab order */
export const FIELDS: readonly Field[] = ['action', 'generalize', 'power', 'ok', 'cancel'];

export const ACTIONS: readonly { value: CleanupAction; label: string }[] = [
  { value: 'oobe', label: 'Enter System Out-of-Box Experience (OOBE)' },
  { value: 'audit', label: 'Enter System Audit Mode' },
];

export const SHUTDOWN_OPTIONS: readonly { value: ShutdownOption; label: string }[] = [
  { value: 'quit', label: 'Quit' },
  { value: 'reboot', label: 'Reboot' },
  { value: 'shutdown', label: 'Shutdown' },
];

export interface DialogState {
  /** the target root: "/" is the running system */
  readonly target: string;
  /** an offline root: Reboot and Shutdown are not allowed (usage errors with --root) */
  readonly offline: boolean;
  readonly action: CleanupAction;
  readonly generalize: boolean;
  readonly power: ShutdownOption;
  readonly focus: Field;
  /** an opened drop-down list and its highlighted item */
  readonly open?: { readonly field: DropDown; readonly index: number };
  /** set once the dialog is finished */
  readonly done?: 'ok' | 'cancel';
}

export interface DialogOptions {
  /** the target shown in the dialog ("/" = this running system) */
  target: string;
  /**
   * Whether the target is an offline root (given with --root): then only Quit is offered.
   * Default: any target other than "/".
   */
  offline?: boolean;
}

export function initialState(options: DialogOptions): DialogState {
  return {
    target: options.target,
    offline: options.offline ?? options.target !== '/',
    action: 'oobe',
    generalize: false,
    power: 'quit',
    focus: 'action',
  };
}

interface Item {
  value: string;
  label: string;
  disabled: boolean;
}

/** The items of a drop-down in this state (disabled ones are shown but cannot be chosen). */
export function dropDownItems(state: DialogState, field: DropDown): Item[] {
  if (field === 'action') return ACTIONS.map((a) => ({ ...a, disabled: false }));
  return SHUTDOWN_OPTIONS.map((o) => ({ ...o, disabled: state.offline && o.value !== 'quit' }));
}

function selectedIndex(state: DialogState, field: DropDown): number {
  const value = field === 'action' ? state.action : state.power;
  return Math.max(0, dropDownItems(state, field).findIndex((i) => i.value === value));
}

/** The nearest enabled item from `from` in direction `step`, or `from` when there is none. */
function stepEnabled(items: Item[], from: number, step: 1 | -1): number {
  for (let i = from + step; i >= 0 && i < items.length; i += step) if (!items[i]!.disabled) return i;
  return from;
}

function choose(state: DialogState, field: DropDown, index: number): DialogState {
  const item = dropDownItems(state, field)[index];
  if (!item || item.disabled) return state;
  return field === 'action'
    ? { ...state, action: item.value as CleanupAction }
    : { ...state, power: item.value as ShutdownOption };
}

function withoutOpen(state: DialogState): DialogState {
  const { open: _open, ...rest } = state;
  return rest;
}

export type KeyName =
  | 'tab' | 'backtab' | 'up' | 'down' | 'left' | 'right' | 'home' | 'end'
  | 'enter' | 'space' | 'escape' | 'ctrl-c' | 'char';

export interface Key {
  name: KeyName;
  /** the character, for 'char' */
  ch?: string;
  /** typed with Alt (ESC prefix) */
  alt?: boolean;
}

function moveFocus(state: DialogState, step: 1 | -1, wrap: boolean): DialogState {
  const i = FIELDS.indexOf(state.focus);
  let j = i + step;
  if (wrap) j = (j + FIELDS.length) % FIELDS.length;
  else j = Math.min(FIELDS.length - 1, Math.max(0, j));
  return { ...state, focus: FIELDS[j]! };
}

/** The dialog's reaction to one key: a new state (the old one is never modified). */
export function handleKey(state: DialogState, key: Key): DialogState {
  if (state.done) return state;
  if (key.name === 'ctrl-c') return { ...withoutOpen(state), done: 'cancel' };

  // Alt+letter accelerators (the underlined letters of the Windows dialog)
  if (key.alt && key.name === 'char' && key.ch) {
    switch (key.ch.toLowerCase()) {
      case 'a': return { ...withoutOpen(state), focus: 'action' };
      case 'g': return { ...withoutOpen(state), focus: 'generalize', generalize: !state.generalize };
      case 's': return { ...withoutOpen(state), focus: 'power' };
      case 'o': return { ...withoutOpen(state), focus: 'ok', done: 'ok' };
      case 'c': return { ...withoutOpen(state), focus: 'cancel', done: 'cancel' };
      default: return state;
    }
  }

  if (state.open) {
    const { field, index } = state.open;
    const items = dropDownItems(state, field);
    switch (key.name) {
      case 'up':
      case 'left':
        return { ...state, open: { field, index: stepEnabled(items, index, -1) } };
      case 'down':
      case 'right':
        return { ...state, open: { field, index: stepEnabled(items, index, 1) } };
      case 'home':
        return { ...state, open: { field, index: stepEnabled(items, -1, 1) } };
      case 'end':
        return { ...state, open: { field, index: stepEnabled(items, items.length, -1) } };
      case 'enter':
      case 'space':
        return withoutOpen(choose(state, field, index));
      case 'escape':
        return withoutOpen(state);
      case 'tab':
        return moveFocus(withoutOpen(choose(state, field, index)), 1, true);
      case 'backtab':
        return moveFocus(withoutOpen(choose(state, field, index)), -1, true);
      default:
        return state;
    }
  }

  switch (key.name) {
    case 'escape':
      return { ...state, done: 'cancel' };
    case 'tab':
      return moveFocus(state, 1, true);
    case 'backtab':
      return moveFocus(state, -1, true);
    case 'down':
      return moveFocus(state, 1, false);
    case 'up':
      return moveFocus(state, -1, false);
    default:
      break;
  }

  switch (state.focus) {
    case 'action':
    case 'power': {
      const field = state.focus;
      const items = dropDownItems(state, field);
      const current = selectedIndex(state, field);
      switch (key.name) {
        case 'left': return choose(state, field, stepEnabled(items, current, -1));
        case 'right': return choose(state, field, stepEnabled(items, current, 1));
        case 'home': return choose(state, field, stepEnabled(items, -1, 1));
        case 'end': return choose(state, field, stepEnabled(items, items.length, -1));
        case 'enter':
        case 'space': return { ...state, open: { field, index: current } };
        default: return state;
      }
    }
    case 'generalize':
      // Enter toggles too: on this dialog Enter never runs anything unless OK has the focus
      return key.name === 'space' || key.name === 'enter' ? { ...state, generalize: !state.generalize } : state;
    case 'ok':
    case 'cancel':
      if (key.name === 'enter' || key.name === 'space') return { ...state, done: state.focus };
      if (key.name === 'left') return { ...state, focus: 'ok' };
      if (key.name === 'right') return { ...state, focus: 'cancel' };
      return state;
  }
}

/** The command line the dialog's choices stand for (OK runs exactly this). */
export function commandLine(state: DialogState): string[] {
  const power = state.offline ? 'quit' : state.power;
  return [`/${state.action}`, ...(state.generalize ? ['/generalize'] : []), `/${power}`];
}

/** undefined while the dialog is open; then the command line (OK) or null (Cancel). */
export function dialogOutcome(state: DialogState): string[] | null | undefined {
  if (!state.done) return undefined;
  return state.done === 'ok' ? commandLine(state) : null;
}

// ---------------------------------------------------------------------------------------------
// Input

/** Decodes a chunk of raw-mode terminal input into keys (unknown sequences are dropped). */
export function parseKeys(data: string): Key[] {
  const keys: Key[] = [];
  let i = 0;
  while (i < data.length) {
    const c = data[i]!;
    if (c === '\x1b') {
      const next = data[i + 1];
      if (next === undefined || next === '\x1b') {
        keys.push({ name: 'escape' });
        i += 1;
        continue;
      }
      if (next === '[' || next === 'O') {
        // CSI: ESC [ params final; SS3: ESC O final
        let j = i + 2;
        if (next === '[') while (j < data.length && /[0-9;?<>=]/.test(data[j]!)) j++;
        const final = data[j];
        if (final === undefined) {
          i = data.length;
          continue;
        }
        const params = data.slice(i + 2, j);
        const key = decodeSequence(next, params, final);
        if (key) keys.push(key);
        i = j + 1;
        continue;
      }
      // ESC + key = Alt+key
      const [alt] = parseKeys(next);
      if (alt) keys.push({ ...alt, alt: true });
      i += 2;
      continue;
    }
    i += 1;
    if (c === '\t') keys.push({ name: 'tab' });
    else if (c === '\r' || c === '\n') keys.push({ name: 'enter' });
    else if (c === ' ') keys.push({ name: 'space' });
    else if (c === '\x03') keys.push({ name: 'ctrl-c' });
    else if (c >= ' ' && c !== '\x7f') keys.push({ name: 'char', ch: c });
  }
  return keys;
}

function decodeSequence(kind: string, params: string, final: string): Key | undefined {
  switch (final) {
    case 'A': return { name: 'up' };
    case 'B': return { name: 'down' };
    case 'C': return { name: 'right' };
    case 'D': return { name: 'left' };
    case 'H': return { name: 'home' };
    case 'F': return { name: 'end' };
    case 'Z': return kind === '[' ? { name: 'backtab' } : undefined;
    case 'M': return kind === 'O' ? { name: 'enter' } : undefined; // keypad Enter
    case '~': {
      const n = params.split(';')[0];
      if (n === '1' || n === '7') return { name: 'home' };
      if (n === '4' || n === '8') return { name: 'end' };
      return undefined;
    }
    default: return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Rendering

export type Style = 'normal' | 'reverse' | 'bold' | 'dim';

export interface Glyphs {
  tl: string; tr: string; bl: string; br: string; h: string; v: string;
  /** the drop-down button */
  arrow: string;
  /** the focus marker in front of a field, and around a button's label */
  focus: string;
  focusEnd: string;
  ellipsis: string;
  upDown: string;
  leftRight: string;
}

export const UNICODE_GLYPHS: Glyphs = {
  tl: '┌', tr: '┐', bl: '└', br: '┘', h: '─', v: '│', arrow: '▼', focus: '►', focusEnd: '◄', ellipsis: '…', upDown: '↑↓', leftRight: '←→',
};
export const ASCII_GLYPHS: Glyphs = {
  tl: '+', tr: '+', bl: '+', br: '+', h: '-', v: '|', arrow: 'v', focus: '>', focusEnd: '<', ellipsis: '~', upDown: 'Up/Down', leftRight: 'Left/Right',
};

/** Unicode box drawing when the locale is UTF-8, else plain ASCII. */
export function glyphsFor(env: NodeJS.ProcessEnv): Glyphs {
  const locale = env.LC_ALL || env.LC_CTYPE || env.LANG || '';
  return /utf-?8/i.test(locale) ? UNICODE_GLYPHS : ASCII_GLYPHS;
}

/** A grid of characters with a style each. */
export class Canvas {
  readonly chars: string[][];
  readonly styles: Style[][];
  constructor(readonly cols: number, readonly rows: number) {
    this.chars = Array.from({ length: rows }, () => Array<string>(cols).fill(' '));
    this.styles = Array.from({ length: rows }, () => Array<Style>(cols).fill('normal'));
  }
  /** Writes text at (x, y), clipped to the canvas (one cell per character). */
  put(x: number, y: number, text: string, style: Style = 'normal'): void {
    if (y < 0 || y >= this.rows) return;
    [...text].forEach((ch, k) => {
      const cx = x + k;
      if (cx < 0 || cx >= this.cols) return;
      this.chars[y]![cx] = ch;
      this.styles[y]![cx] = style;
    });
  }
  fill(x: number, y: number, width: number, ch = ' ', style: Style = 'normal'): void {
    this.put(x, y, ch.repeat(Math.max(0, width)), style);
  }
  /** The plain text of each row, trailing blanks trimmed. */
  lines(): string[] {
    return this.chars.map((row) => row.join('').trimEnd());
  }
  /** The plain text of the cells that have `style`, per row (for tests: what is highlighted). */
  styled(style: Style): string[] {
    return this.chars.map((row, y) => row.filter((_, x) => this.styles[y]![x] === style).join(''));
  }
}

/** Box geometry: the fields' rows relative to the top of the box. */
const ROW = { target: 2, actionLabel: 4, action: 5, generalize: 7, powerLabel: 9, power: 10, note: 11, buttons: 13 } as const;
const BOX_HEIGHT = 16;
const MIN_WIDTH = 52;
const MAX_WIDTH = 64;
const BUTTON_WIDTH = 10;

export const MIN_SIZE = { cols: MIN_WIDTH, rows: BOX_HEIGHT + 1 } as const;

/** Too small to show the dialog: then only Escape and Ctrl-C do anything (no blind OK). */
export function tooSmall(size: { cols: number; rows: number }): boolean {
  return size.cols < MIN_SIZE.cols || size.rows < MIN_SIZE.rows;
}

function truncateStart(text: string, width: number, ellipsis: string): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  return ellipsis + chars.slice(chars.length - width + 1).join('');
}

function truncateEnd(text: string, width: number, ellipsis: string): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  return chars.slice(0, Math.max(0, width - 1)).join('') + ellipsis;
}

export function targetLabel(state: DialogState): string {
  return state.target === '/' && !state.offline ? 'This system' : state.target;
}

export function keyHint(state: DialogState, g: Glyphs): string {
  if (state.open) return `${g.upDown}: choose   Enter/Space: select   Esc: close the list`;
  switch (state.focus) {
    case 'action':
    case 'power':
      return `Tab/${g.upDown}: move   ${g.leftRight}: change   Space: open list   Esc: cancel`;
    case 'generalize':
      return `Tab/${g.upDown}: move   Space: tick/untick   Esc: cancel`;
    case 'ok':
      return `Tab/${g.upDown}: move   Enter: run sysprep with these choices   Esc: cancel`;
    case 'cancel':
      return `Tab/${g.upDown}: move   Enter: cancel (nothing is changed)   Esc: cancel`;
  }
}

/** The whole screen for a state, as a character grid (pure: same input, same grid). */
export function renderDialog(state: DialogState, size: { cols: number; rows: number }, g: Glyphs = UNICODE_GLYPHS): Canvas {
  const cols = Math.max(1, size.cols);
  const rows = Math.max(1, size.rows);
  const c = new Canvas(cols, rows);
  if (tooSmall({ cols, rows })) {
    const msg = [
      'System Preparation Tool',
      `The terminal is too small (${cols}x${rows}).`,
      `Make it at least ${MIN_SIZE.cols}x${MIN_SIZE.rows},`,
      'or press Esc to cancel.',
    ];
    msg.forEach((m, k) => c.put(0, k, truncateEnd(m, cols, g.ellipsis), k === 0 ? 'bold' : 'normal'));
    return c;
  }

  const width = Math.min(MAX_WIDTH, cols - 2 >= MIN_WIDTH ? cols - 2 : cols);
  const left = Math.floor((cols - width) / 2);
  const top = Math.max(0, Math.floor((rows - 1 - BOX_HEIGHT) / 2));
  const inner = left + 3; // content column
  const innerWidth = width - 6; // content width (border, marker, space on each side)

  // frame and title
  const title = ' System Preparation Tool ';
  const bar = width - 2 - [...title].length;
  c.put(left, top, g.tl + g.h.repeat(Math.floor(bar / 2)), 'normal');
  c.put(left + 1 + Math.floor(bar / 2), top, title, 'bold');
  c.put(left + 1 + Math.floor(bar / 2) + [...title].length, top, g.h.repeat(Math.ceil(bar / 2)) + g.tr);
  for (let y = top + 1; y < top + BOX_HEIGHT - 1; y++) {
    c.put(left, y, g.v);
    c.put(left + width - 1, y, g.v);
  }
  c.put(left, top + BOX_HEIGHT - 1, g.bl + g.h.repeat(width - 2) + g.br);

  const marker = (field: Field, y: number) => {
    if (state.focus === field && !state.open) c.put(inner - 2, top + y, g.focus, 'bold');
  };

  // target
  const prefix = 'Target: ';
  c.put(inner, top + ROW.target, prefix);
  c.put(inner + prefix.length, top + ROW.target, truncateStart(targetLabel(state), innerWidth - prefix.length, g.ellipsis), 'bold');

  // drop-downs
  const dropDown = (field: DropDown, labelRow: number, row: number, label: string) => {
    c.put(inner, top + labelRow, label);
    const value = dropDownItems(state, field)[selectedIndex(state, field)]!.label;
    const textWidth = innerWidth - 4; // "[" text " ▼]"
    const text = '[' + truncateEnd(value, textWidth, g.ellipsis).padEnd(textWidth) + ' ' + g.arrow + ']';
    c.put(inner, top + row, text, state.focus === field ? 'reverse' : 'normal');
    marker(field, row);
  };
  dropDown('action', ROW.actionLabel, ROW.action, 'System Cleanup Action');
  dropDown('power', ROW.powerLabel, ROW.power, 'Shutdown Options');

  // checkbox
  const box = `[${state.generalize ? 'x' : ' '}]`;
  c.put(inner, top + ROW.generalize, box, state.focus === 'generalize' ? 'reverse' : 'normal');
  c.put(inner + box.length + 1, top + ROW.generalize, 'Generalize', state.focus === 'generalize' ? 'bold' : 'normal');
  marker('generalize', ROW.generalize);

  if (state.offline) {
    c.put(inner, top + ROW.note, truncateEnd('Reboot and Shutdown: only for the running system', innerWidth, g.ellipsis), 'dim');
  }

  // buttons, right-aligned like Windows
  const button = (field: 'ok' | 'cancel', label: string, x: number) => {
    const focused = state.focus === field && !state.open;
    const room = BUTTON_WIDTH - 2;
    const padded = !focused ? label
      : label.length + 4 <= room ? `${g.focus} ${label} ${g.focusEnd}` : `${g.focus}${label}${g.focusEnd}`;
    const before = Math.floor((room - [...padded].length) / 2);
    const text = '[' + ' '.repeat(before) + padded + ' '.repeat(room - before - [...padded].length) + ']';
    c.put(x, top + ROW.buttons, text, focused ? 'reverse' : 'normal');
  };
  const cancelX = inner + innerWidth - BUTTON_WIDTH;
  button('cancel', 'Cancel', cancelX);
  button('ok', 'OK', cancelX - 2 - BUTTON_WIDTH);

  // an open drop-down list, drawn over what is below its field
  if (state.open) {
    const field = state.open.field;
    const row = top + (field === 'action' ? ROW.action : ROW.power);
    const items = dropDownItems(state, field);
    const w = innerWidth;
    items.forEach((item, k) => {
      const y = row + 1 + k;
      const note = item.disabled ? '(running system only)' : '';
      const label = truncateEnd(item.label, w - 2 - (note ? note.length + 1 : 0), g.ellipsis);
      const text = label.padEnd(w - 2 - note.length) + note;
      const style: Style = k === state.open!.index ? 'reverse' : item.disabled ? 'dim' : 'normal';
      c.put(inner, y, g.v);
      c.put(inner + 1, y, text, style);
      c.put(inner + w - 1, y, g.v);
    });
    c.put(inner, row + 1 + items.length, g.bl + g.h.repeat(w - 2) + g.br);
  }

  // key hint on the last line
  c.put(0, rows - 1, truncateEnd(keyHint(state, g), cols, g.ellipsis), 'dim');
  return c;
}

const SGR: Record<Style, string> = { normal: '\x1b[0m', reverse: '\x1b[0;7m', bold: '\x1b[0;1m', dim: '\x1b[0;2m' };

/** The escape sequences that paint a canvas over the whole screen. */
export function screenText(canvas: Canvas): string {
  let out = '';
  for (let y = 0; y < canvas.rows; y++) {
    out += `\x1b[${y + 1};1H`;
    const chars = canvas.chars[y]!;
    const styles = canvas.styles[y]!;
    let end = chars.length;
    while (end > 0 && chars[end - 1] === ' ' && styles[end - 1] === 'normal') end--;
    let current: Style | undefined;
    for (let x = 0; x < end; x++) {
      if (styles[x] !== current) {
        current = styles[x]!;
        out += SGR[current];
      }
      out += chars[x];
    }
    out += '\x1b[0m\x1b[K';
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The terminal

const ENTER_SCREEN = '\x1b[?1049h\x1b[?25l\x1b[2J';
const LEAVE_SCREEN = '\x1b[0m\x1b[2J\x1b[?25h\x1b[?1049l';

/**
 * Shows the dialog on the terminal (stdin and stdout must be TTYs). Resolves to the chosen command
 * line (e.g. ['/oobe', '/generalize', '/quit']) when OK is pressed, or undefined on Cancel, Escape or
 * Ctrl-C. The terminal is restored on every way out: OK, Cancel, end of input, an error, a signal.
 */
export async function runDialog(options: DialogOptions): Promise<string[] | undefined> {
  const stdin = process.stdin;
  const stdout = process.stdout;
  if (!stdin.isTTY || !stdout.isTTY) throw new Error('the System Preparation Tool dialog needs a terminal');
  const glyphs = glyphsFor(process.env);
  let state = initialState(options);

  return new Promise<string[] | undefined>((resolve, reject) => {
    const wasRaw = stdin.isRaw;
    let restored = false;

    const size = () => ({ cols: stdout.columns || 80, rows: stdout.rows || 24 });
    const draw = (clear = false) => {
      stdout.write((clear ? '\x1b[2J' : '') + screenText(renderDialog(state, size(), glyphs)));
    };

    const restore = () => {
      if (restored) return;
      restored = true;
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      stdin.off('error', onError);
      stdout.off('resize', onResize);
      for (const [signal, handler] of signalHandlers) process.off(signal, handler);
      process.off('exit', restore);
      try {
        stdin.setRawMode(wasRaw);
      } catch {
        /* the terminal is gone */
      }
      stdin.pause();
      try {
        stdout.write(LEAVE_SCREEN);
      } catch {
        /* the terminal is gone */
      }
    };

    const finish = (result: string[] | undefined, error?: unknown) => {
      restore();
      if (error !== undefined) reject(error);
      else resolve(result);
    };

    const onData = (chunk: Buffer | string) => {
      try {
        for (const key of parseKeys(typeof chunk === 'string' ? chunk : chunk.toString('utf8'))) {
          if (tooSmall(size()) && key.name !== 'escape' && key.name !== 'ctrl-c') continue;
          state = handleKey(state, key);
          const outcome = dialogOutcome(state);
          if (outcome !== undefined) return finish(outcome ?? undefined);
        }
        draw();
      } catch (err) {
        finish(undefined, err);
      }
    };
    const onEnd = () => finish(undefined);
    const onError = (err: unknown) => finish(undefined, err);
    const onResize = () => {
      try {
        draw(true);
      } catch (err) {
        finish(undefined, err);
      }
    };
    // a signal from outside: put the terminal back, then die of it as if we had not been here
    const signalHandlers = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((signal) => {
      const handler = () => {
        restore();
        process.kill(process.pid, signal);
      };
      return [signal, handler] as const;
    });

    try {
      for (const [signal, handler] of signalHandlers) process.on(signal, handler);
      process.on('exit', restore);
      stdin.setRawMode(true);
      stdin.on('data', onData);
      stdin.on('end', onEnd);
      stdin.on('error', onError);
      stdout.on('resize', onResize);
      stdout.write(ENTER_SCREEN);
      draw();
      stdin.resume();
    } catch (err) {
      finish(undefined, err);
    }
  });
}
