import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after } from 'node:test';
import { CACHE_DIR } from '../../test/fixtures/roots.js';
import { at, providerTreeTest } from '../../test/harness/provider-tree.js';

const BACKLIGHT = '/var/lib/systemd/backlight/pci-0000:00:02.0:backlight:intel_backlight';
const RFKILL = '/var/lib/systemd/rfkill/platform-thinkpad_acpi:wlan';

const HOST = path.join(CACHE_DIR, 'work', `host-hardware-state-${process.pid}`);
after(() => fs.rmSync(HOST, { recursive: true, force: true }));

providerTreeTest('hardware-state', [
  {
    name: 'backlight and rfkill state go, their directories stay',
    expect: { removed: [BACKLIGHT, RFKILL] },
    check(root) {
      for (const d of ['/var/lib/systemd/backlight', '/var/lib/systemd/rfkill']) {
        assert.ok(fs.lstatSync(at(root, d)).isDirectory(), `${d} stays`);
        assert.deepEqual(fs.readdirSync(at(root, d)), []);
      }
      assert.ok(fs.existsSync(at(root, '/var/lib/systemd/random-seed')), 'other systemd state is not hardware state');
    },
  },
  {
    name: 'more devices; a state directory linking to the host is not entered',
    prepare(root) {
      fs.writeFileSync(at(root, '/var/lib/systemd/rfkill/pci-0000:03:00.0:wlan'), '1\n');
      fs.writeFileSync(at(root, '/var/lib/systemd/rfkill/platform-thinkpad_acpi:bluetooth'), '0\n');
      fs.mkdirSync(HOST, { recursive: true });
      fs.writeFileSync(path.join(HOST, 'host-backlight'), '255\n');
      fs.rmSync(at(root, '/var/lib/systemd/backlight'), { recursive: true });
      fs.symlinkSync(HOST, at(root, '/var/lib/systemd/backlight'));
    },
    expect: { removed: [RFKILL, '/var/lib/systemd/rfkill/pci-0000:03:00.0:wlan', '/var/lib/systemd/rfkill/platform-thinkpad_acpi:bluetooth'] },
    check(root) {
      assert.equal(fs.readlinkSync(at(root, '/var/lib/systemd/backlight')), HOST);
      assert.equal(fs.readFileSync(path.join(HOST, 'host-backlight'), 'utf8'), '255\n');
    },
  },
  {
    name: '/mode:vm keeps the state: the clones run on the same hypervisor',
    args: ['/mode:vm', '/oobe'],
    expect: {},
    check(root, report) {
      assert.equal(fs.readFileSync(at(root, BACKLIGHT), 'utf8'), '512\n');
      assert.ok(report.providers[0].notes.some((n: string) => /kept: \/mode:vm/.test(n)), 'the note says why');
    },
  },
  {
    name: 'no saved state: nothing to do',
    prepare(root) {
      fs.rmSync(at(root, BACKLIGHT));
      fs.rmSync(at(root, RFKILL));
    },
    expect: {},
  },
]);
