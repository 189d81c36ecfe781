/**
 * The specialize provider runs at first boot in the clone, not in a `sysprep` run, so it is tested
 * in-process: a ProviderContext built the way the engine builds one (RootFs, loadTarget, a PantherLog
 * without files), on an overlay of the used bookworm root, with the image's own `wg` (Debian's
 * wireguard-tools, unpacked into the overlay; a stand-in script when offline) run chrooted.
 */
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { PantherLog } from '../system/panther.js';
import { ProviderContext } from './api.js';
import { loadTarget } from '../system/target.js';
import { RootFs } from '../rootfs/rootfs.js';
import { overlayRoot, usedRoot } from '../../test/fixtures/used-root.js';
import { packageFile } from '../../test/harness/debian-package.js';
import { at, read } from '../../test/harness/provider-tree.js';
import wireguardKeys, { WG_KEY_MARKER } from './wireguard-keys.js';
import wireguardNewKeys from './wireguard-new-keys.js';

const WG0 = '# site-to-site tunnel\n[Interface]\nAddress = 10.8.0.2/24\nListenPort = 51820\n' +
  'PrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\n' +
  'PostUp = iptables -A FORWARD -i %i -j ACCEPT\n\n' +
  '[Peer]\nPublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\nPresharedKey = /UwcSPg38hW/D9Y3tcS1FOV0K1wuURMbS0sesJEP5ak=\n' +
  'AllowedIPs = 10.8.0.0/24\nEndpoint = hub.example.com:51820\n';
const GOLDEN_KEY = 'yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=';
const KEY_LINE = /^PrivateKey = ([A-Za-z0-9+/]{43}=)$/m;
/** What a stand-in wg prints when Debian's package cannot be had (offline). */
const STAND_IN_KEY = 'OCk6bqKlITxFQn2ZYIR1sXQsO87XlyPtoHJ1a2TGRWo=';
const STAND_IN = `#!/bin/sh\ncase "$1" in\n  genkey) echo ${STAND_IN_KEY} ;;\n  pubkey) read k; echo MxxmR1XWyG4NjUhpiHZtHWDQrjlNuWLCe1XjEvZ1L0I= ;;\n  *) exit 1 ;;\nesac\n`;

function put(root: string, p: string, content: string | Buffer, mode = 0o600): void {
  fs.mkdirSync(path.dirname(at(root, p)), { recursive: true });
  fs.writeFileSync(at(root, p), content, { mode });
}

/** The image's wg: the real one from Debian's wireguard-tools (depends on libc only), or a stand-in. */
function installWg(root: string, program?: string): boolean {
  const real = program === undefined ? packageFile('wireguard-tools', '/usr/bin/wg') : undefined;
  put(root, '/usr/bin/wg', real ?? program ?? STAND_IN, 0o755);
  return real !== undefined;
}

function context(root: string): { ctx: ProviderContext; log: PantherLog; notes: string[] } {
  const fs_ = new RootFs(root);
  const log = new PantherLog(fs_, undefined);
  const notes: string[] = [];
  const ctx: ProviderContext = {
    fs: fs_,
    target: loadTarget(fs_),
    log,
    options: {
      mode: 'oobe', generalize: false, vm: false, dryRun: false, keepUserAccounts: [], removeUserAccounts: [],
      persistAllDeviceInstalls: false, doNotCleanUpNonPresentDevices: false,
    },
    note: (m) => notes.push(m),
  };
  return { ctx, log, notes };
}

/** WireGuard's public key of a base64 private key, computed independently of wg (X25519 in Node). */
function publicKeyOf(privateKey: string): string {
  const der = Buffer.concat([Buffer.from('302e020100300506032b656e04220420', 'hex'), Buffer.from(privateKey, 'base64')]);
  const jwk = createPublicKey(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })).export({ format: 'jwk' });
  return Buffer.from(jwk.x!, 'base64url').toString('base64');
}

function withRoot(label: string, fn: (root: string) => void | Promise<void>): () => Promise<void> {
  return async () => {
    const scratch = overlayRoot(usedRoot('bookworm'), label);
    try {
      await fn(scratch.root);
    } finally {
      scratch.dispose();
    }
  };
}

test('wireguard-new-keys: is a default-on specialize provider', () => {
  assert.equal(wireguardNewKeys.pass, 'specialize');
  assert.equal(wireguardNewKeys.defaultEnabled, true);
  assert.equal(wireguardKeys.defaultEnabled, false, 'its generalize side is opt-in');
});

test('wireguard-new-keys: generalize then specialize: a new key in place of the golden one, the rest byte for byte', withRoot('wg-new-keys', async (root) => {
  const real = installWg(root);
  put(root, '/etc/wireguard/wg0.conf', WG0);
  await wireguardKeys.run(context(root).ctx);
  assert.equal(read(root, '/etc/wireguard/wg0.conf'), WG0.replace(`PrivateKey = ${GOLDEN_KEY}`, WG_KEY_MARKER));

  const { ctx, log, notes } = context(root);
  await wireguardNewKeys.run(ctx);
  const after = read(root, '/etc/wireguard/wg0.conf');
  const key = KEY_LINE.exec(after)?.[1];
  assert.ok(key, 'a PrivateKey line is back');
  assert.notEqual(key, GOLDEN_KEY, 'not the golden machine\'s key');
  assert.equal(after, WG0.replace(GOLDEN_KEY, key!), 'only the key changed');
  assert.equal(fs.statSync(at(root, '/etc/wireguard/wg0.conf')).mode & 0o777, 0o600, 'still private');
  assert.deepEqual(ctx.fs.changes.map((c) => [c.path, c.action]), [['/etc/wireguard/wg0.conf', 'modified']]);
  assert.ok(!log.lines.some((l) => l.message.includes(key!)), 'the private key is never logged');
  const pub = /new public key ([A-Za-z0-9+/=]+)/.exec(log.lines.map((l) => l.message).join('\n'))?.[1];
  assert.ok(pub, 'the new public key is logged, for the peers');
  if (real) {
    assert.equal(pub, publicKeyOf(key!), 'the logged public key belongs to the new private key');
  } else {
    assert.equal(key, STAND_IN_KEY, 'the image\'s wg made the key');
  }
  assert.deepEqual(notes, ['generated a new private key for 1 WireGuard interface']);
}));

test('wireguard-new-keys: each interface gets its own key', withRoot('wg-new-keys-two', async (root) => {
  if (!installWg(root)) return; // the stand-in prints one key; the real wg is needed to tell them apart
  put(root, '/etc/wireguard/wg0.conf', `[Interface]\n${WG_KEY_MARKER}\nAddress = 10.8.0.2/24\n`);
  put(root, '/etc/wireguard/wg1.conf', `[Interface]\n${WG_KEY_MARKER}\nAddress = 10.9.0.2/24\n`);
  await wireguardNewKeys.run(context(root).ctx);
  const k0 = KEY_LINE.exec(read(root, '/etc/wireguard/wg0.conf'))?.[1];
  const k1 = KEY_LINE.exec(read(root, '/etc/wireguard/wg1.conf'))?.[1];
  assert.ok(k0 && k1 && k0 !== k1);
}));

test('wireguard-new-keys: without the marker nothing is touched and wg is not run', withRoot('wg-new-keys-none', async (root) => {
  installWg(root, '#!/bin/sh\necho ran >> /tmp/wg-ran\nexit 1\n');
  put(root, '/etc/wireguard/wg0.conf', WG0);
  put(root, '/etc/wireguard/wg2.conf', '[Interface]\nAddress = 10.10.0.1/24\nPostUp = wg set %i private-key /etc/wireguard/wg2.key\n');
  const { ctx, notes } = context(root);
  await wireguardNewKeys.run(ctx);
  assert.equal(read(root, '/etc/wireguard/wg0.conf'), WG0);
  assert.deepEqual(ctx.fs.changes, []);
  assert.deepEqual(notes, []);
  assert.equal(fs.existsSync(at(root, '/tmp/wg-ran')), false);
}));

test('wireguard-new-keys: no wg in the image: the marker stays, with a warning', withRoot('wg-new-keys-nowg', async (root) => {
  const generalized = WG0.replace(`PrivateKey = ${GOLDEN_KEY}`, WG_KEY_MARKER);
  put(root, '/etc/wireguard/wg0.conf', generalized);
  const { ctx, log } = context(root);
  await wireguardNewKeys.run(ctx);
  assert.equal(read(root, '/etc/wireguard/wg0.conf'), generalized);
  assert.deepEqual(ctx.fs.changes, []);
  assert.ok(log.lines.some((l) => l.level === 'Warning' && l.message.includes('wg is not installed')));
}));

test('wireguard-new-keys: a wg that fails makes the provider fail (the next boot tries again)', withRoot('wg-new-keys-fail', async (root) => {
  installWg(root, '#!/bin/sh\necho broken >&2\nexit 3\n');
  put(root, '/etc/wireguard/wg0.conf', `[Interface]\n${WG_KEY_MARKER}\n`);
  const { ctx } = context(root);
  await assert.rejects(async () => wireguardNewKeys.run(ctx), /wg genkey failed: exit 3: broken/);
  assert.equal(read(root, '/etc/wireguard/wg0.conf'), `[Interface]\n${WG_KEY_MARKER}\n`);
}));
