import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { test } from 'node:test';
import { overlayRoot, usedRoot } from '../../test/fixtures/used-root.js';
import { at, providerTreeTest, read } from '../../test/harness/provider-tree.js';
import { sysprep } from '../../test/harness/sysprep.js';
import { diff, snapshot } from '../../test/harness/tree.js';

const GUARD = '/etc/systemd/system-preset/00-sysprep-first-boot.preset';

/** What systemd does on a first boot, offline: `systemctl --root R preset-all` in one of its two modes. */
function presetAll(root: string, mode: 'full' | 'enable-only'): string {
  const r = spawnSync('systemctl', [`--root=${root}`, 'preset-all', `--preset-mode=${mode}`], { encoding: 'utf8' });
  assert.ok(r.status === 0 || /is masked/.test(r.stderr), `systemctl preset-all failed: ${r.stderr}`);
  return `${r.stdout}${r.stderr}`;
}
const unitLinks = (root: string) => snapshot(at(root, '/etc/systemd/system'));

providerTreeTest('first-boot-presets', [
  {
    name: 'a preset file of the enabled units, then "disable *"',
    expect: { added: ['/etc/systemd/system-preset'] },
    check(root) {
      const text = read(root, GUARD);
      // the used root's enabled units (debootstrap's and the planted ones), templates with their instances
      for (const u of ['ssh.service', 'cron.service', 'networking.service', 'getty@.service tty1', 'apt-daily.timer']) {
        assert.match(text, new RegExp(`^enable ${u.replace(/[.@]/g, '\\$&')}$`, 'm'), u);
      }
      assert.match(text, /\ndisable \*\n$/, 'nothing else');
      assert.doesNotMatch(text, /systemd-networkd|ssh\.socket/);
    },
  },
  {
    name: 'no /etc/systemd/system (no systemd): nothing',
    prepare(root) {
      fs.rmSync(at(root, '/etc/systemd/system'), { recursive: true });
    },
    expect: {},
  },
]);

test('first-boot-presets: systemd\'s preset-all (both modes) then changes no unit; without the file it does', () => {
  const view = overlayRoot(usedRoot('bookworm'), 'presets');
  try {
    const before = unitLinks(view.root);
    // without the guard: Debian 12's presets enable systemd-networkd and ssh.socket
    const scratch = overlayRoot(usedRoot('bookworm'), 'presets-bare');
    try {
      presetAll(scratch.root, 'enable-only');
      const d = diff(before, unitLinks(scratch.root));
      assert.ok(d.added.some((p) => p.endsWith('/systemd-networkd.service')), `presets enable systemd-networkd: ${JSON.stringify(d)}`);
      assert.ok(fs.lstatSync(at(scratch.root, '/etc/systemd/system/sockets.target.wants/ssh.socket'), { throwIfNoEntry: false })?.isSymbolicLink(), 'and ssh.socket beside ssh.service');
    } finally {
      scratch.dispose();
    }
    const r = sysprep(['--root', view.root, '/generalize', '--providers', 'first-boot-presets', '/quiet']);
    assert.equal(r.status, 0, r.stderr);
    const sealed = unitLinks(view.root);
    for (const mode of ['enable-only', 'full'] as const) {
      presetAll(view.root, mode);
      assert.deepEqual(diff(sealed, unitLinks(view.root)), { removed: [], added: [], changed: [] }, `preset-all --preset-mode=${mode} changed nothing`);
    }
  } finally {
    view.dispose();
  }
});
