import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ASCII_GLYPHS,
  commandLine,
  DialogState,
  dialogOutcome,
  dropDownItems,
  glyphsFor,
  handleKey,
  initialState,
  Key,
  KeyName,
  parseKeys,
  renderDialog,
  screenText,
  tooSmall,
  UNICODE_GLYPHS,
} from './dialog.js';

const k = (name: KeyName): Key => ({ name });
/** Feeds raw terminal input (as a terminal would send it) to the state machine. */
const type = (state: DialogState, ...inputs: string[]): DialogState =>
  inputs.flatMap(parseKeys).reduce(handleKey, state);

const TAB = '\t';
const BTAB = '\x1b[Z';
const UP = '\x1b[A';
const DOWN = '\x1b[B';
const RIGHT = '\x1b[C';
const LEFT = '\x1b[D';
const ENTER = '\r';
const SPACE = ' ';
const ESC = '\x1b';

const running = () => initialState({ target: '/' });
const offline = () => initialState({ target: '/srv/golden' });

describe('dialog state', () => {
  it('starts at OOBE, not generalizing, Quit, focus on the first drop-down', () => {
    const s = running();
    assert.equal(s.action, 'oobe');
    assert.equal(s.generalize, false);
    assert.equal(s.power, 'quit');
    assert.equal(s.focus, 'action');
    assert.equal(s.offline, false);
    assert.equal(offline().offline, true);
    assert.equal(initialState({ target: '/', offline: true }).offline, true);
    assert.equal(dialogOutcome(s), undefined);
  });

  it('Tab and Shift-Tab cycle the focus through every field and wrap', () => {
    let s = running();
    const seen: string[] = [];
    for (let i = 0; i < 5; i++) {
      seen.push(s.focus);
      s = handleKey(s, k('tab'));
    }
    assert.deepEqual(seen, ['action', 'generalize', 'power', 'ok', 'cancel']);
    assert.equal(s.focus, 'action');
    assert.equal(handleKey(s, k('backtab')).focus, 'cancel');
    assert.equal(type(s, BTAB, BTAB).focus, 'ok');
  });

  it('Down and Up move between fields without wrapping', () => {
    const s = running();
    assert.equal(type(s, UP).focus, 'action');
    assert.equal(type(s, DOWN, DOWN).focus, 'power');
    assert.equal(type(s, DOWN, DOWN, DOWN, DOWN, DOWN, DOWN).focus, 'cancel');
    assert.equal(type(s, DOWN, DOWN, UP).focus, 'generalize');
  });

  it('Left and Right change a closed drop-down, clamped at its ends', () => {
    let s = type(running(), RIGHT);
    assert.equal(s.action, 'audit');
    s = type(s, RIGHT);
    assert.equal(s.action, 'audit');
    s = type(s, LEFT);
    assert.equal(s.action, 'oobe');
    s = type(s, TAB, TAB, RIGHT, RIGHT);
    assert.equal(s.power, 'shutdown');
    assert.equal(type(s, LEFT).power, 'reboot');
    assert.equal(s.open, undefined);
  });

  it('Space or Enter opens a list; Up/Down highlight; Enter or Space chooses; Escape closes unchanged', () => {
    let s = type(running(), ENTER);
    assert.deepEqual(s.open, { field: 'action', index: 0 });
    s = type(s, DOWN);
    assert.deepEqual(s.open, { field: 'action', index: 1 });
    assert.equal(s.action, 'oobe', 'only highlighted until chosen');
    s = type(s, ENTER);
    assert.equal(s.open, undefined);
    assert.equal(s.action, 'audit');
    assert.equal(s.focus, 'action');

    s = type(running(), TAB, TAB, SPACE, DOWN, DOWN, DOWN, SPACE);
    assert.equal(s.power, 'shutdown');
    s = type(s, SPACE, UP, ESC);
    assert.equal(s.power, 'shutdown', 'Escape closes the list without choosing');
    assert.equal(s.open, undefined);
    assert.equal(s.done, undefined, 'Escape in an open list does not cancel the dialog');
  });

  it('Tab in an open list takes the highlighted item and moves on', () => {
    const s = type(running(), ENTER, DOWN, TAB);
    assert.equal(s.action, 'audit');
    assert.equal(s.focus, 'generalize');
    assert.equal(s.open, undefined);
  });

  it('Space (and Enter) toggle Generalize', () => {
    let s = type(running(), TAB, SPACE);
    assert.equal(s.generalize, true);
    s = type(s, SPACE);
    assert.equal(s.generalize, false);
    s = type(s, ENTER);
    assert.equal(s.generalize, true);
    assert.equal(s.done, undefined, 'Enter on the checkbox does not run anything');
  });

  it('offline root: Reboot and Shutdown are shown disabled and cannot be chosen', () => {
    const items = dropDownItems(offline(), 'power');
    assert.deepEqual(items.map((i) => [i.value, i.disabled]), [['quit', false], ['reboot', true], ['shutdown', true]]);
    let s = type(offline(), TAB, TAB, RIGHT, RIGHT);
    assert.equal(s.power, 'quit');
    s = type(s, ENTER, DOWN, DOWN, ENTER);
    assert.equal(s.power, 'quit');
    assert.deepEqual(commandLine({ ...offline(), power: 'reboot' }), ['/oobe', '/quit'], 'never a power action offline');
    assert.equal(dropDownItems(running(), 'power').some((i) => i.disabled), false);
  });

  it('Left/Right move between the buttons', () => {
    const s = type(running(), BTAB);
    assert.equal(s.focus, 'cancel');
    assert.equal(type(s, LEFT).focus, 'ok');
    assert.equal(type(s, LEFT, RIGHT).focus, 'cancel');
  });

  it('OK gives the command line of the choices', () => {
    const cases: [string[], string[]][] = [
      [[BTAB, BTAB, ENTER], ['/oobe', '/quit']],
      [[RIGHT, TAB, SPACE, TAB, TAB, ENTER], ['/audit', '/generalize', '/quit']],
      [[TAB, SPACE, TAB, RIGHT, RIGHT, TAB, SPACE], ['/oobe', '/generalize', '/shutdown']],
      [[ENTER, DOWN, ENTER, DOWN, DOWN, RIGHT, DOWN, ENTER], ['/audit', '/reboot']],
    ];
    for (const [keys, expected] of cases) {
      const s = type(running(), ...keys);
      assert.equal(s.done, 'ok', keys.join(' '));
      assert.deepEqual(dialogOutcome(s), expected);
    }
    const s = type(offline(), RIGHT, TAB, SPACE, TAB, TAB, ENTER);
    assert.deepEqual(dialogOutcome(s), ['/audit', '/generalize', '/quit']);
  });

  it('Cancel, Escape and Ctrl-C end with no command line (null → runDialog resolves undefined)', () => {
    assert.equal(dialogOutcome(type(running(), RIGHT, ESC)), null);
    assert.equal(dialogOutcome(type(running(), TAB, SPACE, BTAB, ENTER)), undefined, 'still open');
    assert.equal(dialogOutcome(type(running(), TAB, SPACE, BTAB, TAB, TAB, TAB, TAB, ENTER)), null);
    assert.equal(dialogOutcome(type(running(), '\x03')), null);
    assert.equal(dialogOutcome(type(running(), ENTER, '\x03')), null, 'Ctrl-C works with a list open');
    const done = type(running(), ESC);
    assert.equal(handleKey(done, k('enter')), done, 'a finished dialog ignores keys');
  });

  it('Alt accelerators', () => {
    let s = type(running(), '\x1bg');
    assert.equal(s.generalize, true);
    assert.equal(s.focus, 'generalize');
    s = type(s, '\x1bs');
    assert.equal(s.focus, 'power');
    assert.deepEqual(dialogOutcome(type(s, '\x1bo')), ['/oobe', '/generalize', '/quit']);
    assert.equal(dialogOutcome(type(s, '\x1bc')), null);
  });

  it('handleKey never modifies the state it is given', () => {
    const s = Object.freeze(running());
    assert.doesNotThrow(() => type(s, RIGHT, TAB, SPACE, ENTER, DOWN, ENTER, ESC));
    assert.deepEqual(s, running());
  });
});

describe('dialog keys', () => {
  it('decodes the keys a terminal sends', () => {
    assert.deepEqual(parseKeys('\t\x1b[Z\r\n \x03'), [k('tab'), k('backtab'), k('enter'), k('enter'), k('space'), k('ctrl-c')]);
    assert.deepEqual(parseKeys('\x1b[A\x1b[B\x1b[C\x1b[D'), [k('up'), k('down'), k('right'), k('left')]);
    assert.deepEqual(parseKeys('\x1bOA\x1bOB\x1bOC\x1bOD\x1bOM'), [k('up'), k('down'), k('right'), k('left'), k('enter')]);
    assert.deepEqual(parseKeys('\x1b[1;2A\x1b[H\x1b[4~\x1b[1~'), [k('up'), k('home'), k('end'), k('home')]);
    assert.deepEqual(parseKeys('\x1b'), [k('escape')]);
    assert.deepEqual(parseKeys('\x1b\x1b[Z'), [k('escape'), k('backtab')]);
    assert.deepEqual(parseKeys('\x1bg'), [{ name: 'char', ch: 'g', alt: true }]);
    assert.deepEqual(parseKeys('x\x7f\x1b[15~'), [{ name: 'char', ch: 'x' }]);
  });
});

describe('dialog rendering', () => {
  const size = { cols: 80, rows: 24 };
  const text = (s: DialogState, sz = size, g = UNICODE_GLYPHS) => renderDialog(s, sz, g).lines().join('\n');

  it('shows the title, the target, the three fields and the buttons in 80x24', () => {
    const screen = renderDialog(running(), size);
    const lines = screen.lines();
    assert.equal(lines.length, 24);
    assert.ok(lines.every((l) => [...l].length <= 80));
    const all = lines.join('\n');
    for (const s of ['System Preparation Tool', 'Target: This system', 'System Cleanup Action',
      'Enter System Out-of-Box Experience (OOBE)', '[ ] Generalize', 'Shutdown Options', '[Quit', 'OK', 'Cancel']) {
      assert.ok(all.includes(s), `${s} in\n${all}`);
    }
    assert.match(lines[23]!, /Tab.*move.*Esc: cancel/, 'key hint on the last line');
    assert.ok(!all.includes('running system only'));
  });

  it('is a pure function of the state', () => {
    const s = type(running(), RIGHT, TAB, SPACE);
    assert.equal(screenText(renderDialog(s, size)), screenText(renderDialog(s, size)));
    assert.notEqual(text(s), text(running()));
  });

  it('shows the choices and the focus', () => {
    const s = type(running(), RIGHT, TAB, SPACE);
    const screen = renderDialog(s, size);
    const all = screen.lines().join('\n');
    assert.ok(all.includes('Enter System Audit Mode'));
    assert.ok(all.includes('[x] Generalize'));
    assert.ok(screen.styled('reverse').join('').includes('[x]'), 'focused checkbox highlighted');
    assert.ok(screen.lines().some((l) => /► \[x\] Generalize/.test(l)), 'focus marker');
    const onOk = renderDialog(type(s, TAB, TAB), size);
    assert.ok(onOk.lines().join('\n').includes('[ ► OK ◄ ]'));
    assert.ok(onOk.styled('reverse').join('').includes('OK'));
    assert.ok(!onOk.styled('reverse').join('').includes('Cancel'));
  });

  it('an open list shows its items over the fields below, the highlighted one in reverse', () => {
    const s = type(running(), TAB, TAB, ENTER, DOWN);
    const screen = renderDialog(s, size);
    const all = screen.lines().join('\n');
    for (const item of ['│Quit', '│Reboot', '│Shutdown']) assert.ok(all.includes(item), item);
    assert.ok(screen.styled('reverse').some((r) => r.startsWith('Reboot')));
    assert.match(screen.lines()[23]!, /choose.*select.*close/);
  });

  it('offline: shows the root path and Reboot/Shutdown as not available', () => {
    const all = text(offline());
    assert.ok(all.includes('Target: /srv/golden'));
    assert.ok(all.includes('Reboot and Shutdown: only for the running system'));
    const open = renderDialog(type(offline(), TAB, TAB, ENTER), size);
    assert.ok(open.lines().some((l) => /Reboot +\(running system only\)/.test(l)));
    assert.ok(open.styled('dim').some((r) => r.includes('Shutdown')));
  });

  it('a long root path is shortened at the start and stays in the box', () => {
    const long = '/mnt/' + 'very-long-directory-name/'.repeat(6) + 'root';
    const lines = renderDialog(initialState({ target: long }), size).lines();
    const line = lines.find((l) => l.includes('Target:'))!;
    assert.ok(line.includes('…'));
    assert.match(line, /\/root +│$/);
  });

  it('fits other sizes and says when the terminal is too small', () => {
    for (const sz of [{ cols: 52, rows: 17 }, { cols: 132, rows: 50 }, { cols: 60, rows: 20 }]) {
      const lines = renderDialog(running(), sz).lines();
      assert.equal(lines.length, sz.rows);
      assert.ok(lines.every((l) => [...l].length <= sz.cols));
      assert.ok(lines.join('\n').includes('Cancel'), JSON.stringify(sz));
    }
    assert.equal(tooSmall({ cols: 80, rows: 24 }), false);
    assert.equal(tooSmall({ cols: 40, rows: 24 }), true);
    assert.match(text(running(), { cols: 40, rows: 10 }), /too small/);
  });

  it('uses ASCII when the locale is not UTF-8', () => {
    assert.equal(glyphsFor({ LANG: 'C' }), ASCII_GLYPHS);
    assert.equal(glyphsFor({ LANG: 'en_US.UTF-8' }), UNICODE_GLYPHS);
    assert.equal(glyphsFor({ LC_ALL: 'C', LANG: 'en_US.UTF-8' }), ASCII_GLYPHS);
    const all = text(running(), size, ASCII_GLYPHS);
    assert.ok(/^[\x20-\x7e\n]*$/.test(all), 'ASCII only');
    assert.ok(all.includes('+--'));
  });

  it('screenText paints every row with plain SGR escapes', () => {
    const out = screenText(renderDialog(type(running(), TAB), size));
    assert.equal(out.match(/\x1b\[\d+;1H/g)?.length, 24);
    assert.ok(out.includes('\x1b[0;7m[ ]'));
    assert.ok(!/\x1b\[[0-9;]*[^0-9;HmK]/.test(out.replace(/\x1b\[\d+;1H/g, '')), 'only cursor moves, SGR and erase-line');
  });
});
