/**
 * The interactive OOBE on several consoles at once (issue 4: "on the console, tty1 and the serial
 * console"): the agent's console writes every prompt to all of them and reads each answer from the
 * terminal where someone typed it. Two real terminals (tmux panes) stand in for the VGA and serial
 * consoles; SYSPREP_OOBE_CONSOLES names the second one, as /sys/class/tty/console/active would.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { CACHE_DIR } from '../fixtures/roots.js';
import { REPO } from '../harness/sysprep.js';
import { hasTmux, Session, shellQuote, tmux } from '../harness/tmux.js';

after(() => {
  try {
    tmux('kill-server');
  } catch {
    /* gone */
  }
});

test('prompts appear on both consoles; each answer is read where it was typed', { skip: hasTmux ? false : 'tmux missing' }, async () => {
  fs.mkdirSync(path.join(CACHE_DIR, 'work'), { recursive: true });
  const dir = fs.mkdtempSync(path.join(CACHE_DIR, 'work', 'consoles-'));
  const result = path.join(dir, 'answers.json');
  const probe = path.join(dir, 'probe.mjs');
  fs.writeFileSync(probe, `
    import { writeFileSync } from 'node:fs';
    import { ask, processConsole } from ${JSON.stringify(path.join(REPO, 'dist/src/firstboot/prompt.js'))};
    const c = processConsole();
    c.write('=== Welcome ===\\n');
    const name = await ask(c, 'Computer name', { default: 'linux-1' });
    const pw = await ask(c, 'Password', { secret: true });
    c.write('Setup is complete.\\n');
    c.close();
    writeFileSync(${JSON.stringify(result)}, JSON.stringify({ name, pw }));
    process.exit(0);
  `);
  const serial = new Session('sleep 120'); // the second console: a terminal nobody else reads
  try {
    const serialTty = tmux('display-message', '-p', '-t', serial.name, '#{pane_tty}').trim();
    const vga = new Session(`SYSPREP_OOBE_CONSOLES=${shellQuote(serialTty)} node ${shellQuote(probe)}`);
    try {
      await vga.waitFor('the prompt on the first console', (s) => s.includes('Computer name [linux-1]:'));
      await serial.waitFor('the prompt on the second console', (s) => s.includes('Computer name [linux-1]:'));
      serial.keys('kiosk-7', 'Enter');                // answered on the second console
      await vga.waitFor('the next prompt', (s) => s.includes('Password:'));
      await serial.waitFor('the next prompt there too', (s) => s.includes('Password:'));
      vga.keys('s3cret', 'Enter');                    // answered on the first
      const { code, screen } = await vga.exit(30_000);
      assert.equal(code, 0, screen);
      assert.deepEqual(JSON.parse(fs.readFileSync(result, 'utf8')), { name: 'kiosk-7', pw: 's3cret' });
      assert.match(screen, /Computer name \[linux-1\]: kiosk-7/, 'the answer echoed on the other console too');
      assert.ok(!screen.includes('s3cret') && !serial.screen().includes('s3cret'), 'a secret is echoed nowhere');
      assert.match(serial.screen(), /Setup is complete\./);
    } finally {
      vga.kill();
    }
  } finally {
    serial.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
