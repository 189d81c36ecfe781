/**
 * The System Preparation Tool dialog, driven for real: bin/sysprep runs in a detached tmux session
 * (80x24, its own tmux server socket), keys go in with `tmux send-keys`, the screen comes back with
 * `tmux capture-pane -p`. The target is always an overlay of the cached used root (--root).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { overlayRoot, usedRoot } from '../fixtures/used-root.js';
import { BIN } from '../harness/sysprep.js';
import { hasTmux, Session, shellQuote, tmux } from '../harness/tmux.js';
import { diff, snapshot } from '../harness/tree.js';

const dialogShown = (s: string) => s.includes('System Preparation Tool') && s.includes('Cancel');

after(() => {
  if (!hasTmux) return;
  try {
    tmux('kill-server');
  } catch {
    /* no server left: every session was killed */
  }
});

describe('System Preparation Tool dialog (tmux)', { skip: hasTmux ? false : 'tmux is not installed' }, () => {
  it('Enter System Audit Mode + Generalize + OK runs /audit /generalize /quit on the root', async () => {
    const scratch = overlayRoot(usedRoot('bookworm'), 'dialog');
    const session = new Session(`${shellQuote(BIN)} --root ${shellQuote(scratch.root)}`);
    try {
      let screen = await session.waitFor('the dialog', dialogShown);
      assert.ok(screen.includes('Enter System Out-of-Box Experience (OOBE)'), screen);
      assert.ok(screen.includes('[ ] Generalize'), screen);

      session.keys('Right'); // System Cleanup Action → Enter System Audit Mode
      screen = await session.waitFor('audit mode chosen', (s) => s.includes('Enter System Audit Mode'));
      session.keys('Tab', 'Space'); // Generalize
      screen = await session.waitFor('Generalize ticked', (s) => s.includes('[x] Generalize'));
      assert.ok(screen.includes('Enter System Audit Mode'), screen);
      assert.ok(/\[Quit\s/.test(screen), screen);
      session.keys('Tab', 'Tab'); // → OK
      await session.waitFor('OK focused', (s) => /OK ◄|> OK </.test(s));
      session.keys('Enter');

      const { code, screen: end } = await session.exit();
      assert.equal(code, 0, end);
      assert.ok(!end.includes('System Cleanup Action'), `the dialog is gone after OK:\n${end}`);

      const stateIni = fs.readFileSync(path.join(scratch.root, 'var/lib/sysprep/state/State.ini'), 'utf8');
      assert.match(stateIni, /IMAGE_STATE_GENERALIZE_RESEAL_TO_AUDIT/);
      assert.equal(fs.readFileSync(path.join(scratch.root, 'etc/machine-id'), 'utf8').trim(), 'uninitialized');
    } finally {
      session.kill();
      scratch.dispose();
    }
  });

  it('shows the fields, and Escape cancels without changing anything', async () => {
    const scratch = overlayRoot(usedRoot('bookworm'), 'dialog');
    const before = snapshot(scratch.root);
    const session = new Session(`${shellQuote(BIN)} --root ${shellQuote(scratch.root)}`);
    try {
      const screen = await session.waitFor('the dialog', dialogShown);
      for (const text of ['System Preparation Tool', 'Target:', 'System Cleanup Action',
        'Enter System Out-of-Box Experience (OOBE)', 'Generalize', 'Shutdown Options', 'Quit', 'OK', 'Cancel',
        'Reboot and Shutdown: only for the running system']) {
        assert.ok(screen.includes(text), `'${text}' on the screen:\n${screen}`);
      }
      assert.ok(screen.includes(path.basename(path.dirname(scratch.root))) || screen.includes(scratch.root),
        `the target root is shown:\n${screen}`);
      const lines = screen.split('\n');
      assert.ok(lines.every((l) => [...l].length <= 80));
      assert.match(lines.filter((l) => l.trim()).at(-1)!, /Esc: cancel/, 'key hint at the bottom');

      // change some things first: Cancel must drop them
      session.keys('Right', 'Tab', 'Space');
      await session.waitFor('Generalize ticked', (s) => s.includes('[x] Generalize'));
      session.keys('Escape');
      const { code, screen: end } = await session.exit(30_000);
      assert.equal(code, 0, end);
      assert.ok(end.includes('Cancelled; nothing was changed.'), end);
      assert.ok(!end.includes('System Cleanup Action'), `the terminal is restored:\n${end}`);
      assert.deepEqual(diff(before, snapshot(scratch.root)), { removed: [], added: [], changed: [] });
    } finally {
      session.kill();
      scratch.dispose();
    }
  });

  it('Cancel button cancels too', async () => {
    const scratch = overlayRoot(usedRoot('bookworm'), 'dialog');
    const session = new Session(`${shellQuote(BIN)} --root ${shellQuote(scratch.root)}`);
    try {
      await session.waitFor('the dialog', dialogShown);
      session.keys('Tab', 'Space', 'BTab', 'BTab'); // tick Generalize, then Shift-Tab back round to Cancel
      await session.waitFor('Cancel focused', (s) => /Cancel◄|>Cancel</.test(s));
      session.keys('Enter');
      const { code, screen } = await session.exit(30_000);
      assert.equal(code, 0, screen);
      assert.ok(screen.includes('Cancelled; nothing was changed.'), screen);
      assert.equal(fs.existsSync(path.join(scratch.root, 'var/lib/sysprep/state/State.ini')), false);
    } finally {
      session.kill();
      scratch.dispose();
    }
  });
});

describe('no terminal', () => {
  it('prints the usage and exits 2 (nothing changed)', () => {
    const scratch = overlayRoot(usedRoot('bookworm'), 'dialog');
    try {
      const before = snapshot(scratch.root);
      // stdin is /dev/null and stdout a pipe; --root keeps even a broken build away from this machine
      const r = spawnSync(BIN, ['--root', scratch.root], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: 60_000 });
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /Usage:/);
      assert.match(r.stderr, /sysprep +on a terminal: the System Preparation Tool dialog/);
      assert.equal(r.stdout, '');
      assert.deepEqual(diff(before, snapshot(scratch.root)), { removed: [], added: [], changed: [] });
    } finally {
      scratch.dispose();
    }
  });
});
