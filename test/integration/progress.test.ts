/**
 * What a person sees on a terminal (SPEC 2, issue 2 "Progress"): a live line per provider with what
 * it changed and a summary; with /quiet nothing but errors. Run in a real terminal through tmux.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { BUILT_IN_PROVIDERS } from '../../src/providers/index.js';
import { overlayRoot, usedRoot } from '../fixtures/used-root.js';
import { BIN } from '../harness/sysprep.js';
import { hasTmux, Session, shellQuote, tmux } from '../harness/tmux.js';

after(() => {
  try {
    tmux('kill-server');
  } catch {
    /* nothing left */
  }
});

test('on a terminal: a line per provider with what it changed, then a summary', { skip: hasTmux ? false : 'tmux missing' }, async () => {
  const scratch = overlayRoot(usedRoot('bookworm'), 'progress');
  // a terminal taller than the run's output (a line per provider, a few of summary), so every provider
  // line stays on the screen however many providers there are
  const height = BUILT_IN_PROVIDERS.length + 30;
  const session = new Session(`${shellQuote(BIN)} --root ${shellQuote(scratch.root)} /generalize --verify off`, { height, width: 160 });
  try {
    const { code, screen } = await session.exit(60_000);
    assert.equal(code, 0, screen);
    assert.match(screen, /^\[ ?\d+\/\d+\] machine-id +done +reset \/etc\/machine-id to uninitialized/m);
    assert.match(screen, /^\[ ?\d+\/\d+\] bash-history +done +removed 3 history files/m);
    assert.match(screen, /^\[ ?\d+\/\d+\] rh-subscription-manager +n\/a +not for this layout/m);
    assert.match(screen, /^Sysprep succeeded: \d+ providers, \d+ paths changed\. Image state: IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE\./m);
    assert.doesNotMatch(screen, /…/, 'the live "running" line of each provider was replaced by its result');
  } finally {
    session.kill();
    scratch.dispose();
  }
});

test('/quiet on a terminal: nothing on success; the error on failure', { skip: hasTmux ? false : 'tmux missing' }, async () => {
  const scratch = overlayRoot(usedRoot('bookworm'), 'quiet');
  try {
    const ok = new Session(`${shellQuote(BIN)} --root ${shellQuote(scratch.root)} /generalize /quiet --verify off`);
    try {
      const { code, screen } = await ok.exit(60_000);
      assert.equal(code, 0);
      assert.equal(screen.split('\n').filter((l) => l.trim() && !l.startsWith('EXIT=')).length, 0, screen);
    } finally {
      ok.kill();
    }
    const bad = new Session(`${shellQuote(BIN)} --root ${shellQuote(scratch.root)} /generalize /quiet --providers nope`);
    try {
      const { code, screen } = await bad.exit(60_000);
      assert.equal(code, 2);
      assert.match(screen, /sysprep: --providers: unknown provider "nope"/);
    } finally {
      bad.kill();
    }
  } finally {
    scratch.dispose();
  }
});
