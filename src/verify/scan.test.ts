/**
 * The scan's inner loop against the reference tokenizer (tokens.ts), and the record's forms: every
 * spelling of a value is found, in any chunking of a stream, and nothing else is.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { RootFs } from '../rootfs/rootfs.js';
import { recordFingerprints, type FingerprintRecord } from './fingerprints.js';
import { Matcher, memoryMounts, scanFile, TokenStream, walkFiles } from './scan.js';
import { tokenDigest, tokenKey, tokensOf, type TokenClass } from './tokens.js';

/** A record of given tokens (as the recorder would write them). */
function recordOf(values: { cls: TokenClass; text: string; what?: string }[]): FingerprintRecord {
  const salt = 'test-salt';
  return {
    format: 'sysprep-fingerprints', version: 1, recordedAt: '', salt,
    fingerprints: values.map((v) => ({ what: v.what ?? v.text, from: '/x', forms: [{ cls: v.cls, len: v.text.length, key: tokenKey(v.text), digest: tokenDigest(salt, v.cls, v.text) }] })),
  };
}

function pseudoRandom(seed: string, n: number): Buffer {
  const out = Buffer.alloc(n);
  let block = createHash('sha256').update(seed).digest();
  for (let i = 0; i < n; i += 32) {
    block.copy(out, i, 0, Math.min(32, n - i));
    block = createHash('sha256').update(block).digest();
  }
  return out;
}

test('the inner loop finds exactly the tokens the reference tokenizer makes, whatever the chunking', () => {
  // text-like bytes: a small alphabet of letters, digits, separators, base64 symbols and breaks
  const alphabet = Buffer.from('aB3f:._-+/= \n\0Zq9');
  const data = Buffer.from(pseudoRandom('tokens', 200_000).map((b) => alphabet[b % alphabet.length]!));
  const tokens = tokensOf(data, 4);
  // look every 7th token up (of each kind)
  const wanted = tokens.filter((_, i) => i % 7 === 0);
  const record = recordOf(wanted.map((t) => ({ cls: t.cls, text: t.text, what: `${t.cls}:${t.text}` })));
  const m = new Matcher(record);
  const expect = tokens.filter((t) => wanted.some((w) => w.cls === t.cls && w.text === t.text)).map((t) => `${t.start}:${t.cls}:${t.text}`).sort();
  for (const chunk of [data.length, 65_536, 1_000, 13, 1]) {
    const ts = new TokenStream(m);
    for (let i = 0; i < data.length; i += chunk) ts.feed(data.subarray(i, i + chunk));
    ts.end();
    const got = ts.found.map((f) => `${f.offset}:${f.fp.what}`).sort();
    assert.deepEqual(got, expect, `chunks of ${chunk}`);
  }
});

test('a recorded machine: every spelling of its MAC, id and name is found, and a near miss is not', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'verify-rec-'));
  try {
    const w = (p: string, s: string) => {
      fs.mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
      fs.writeFileSync(path.join(root, p), s);
    };
    w('/etc/machine-id', '0f1e2d3c4b5a69788796a5b4c3d2e1f0\n');
    w('/etc/hostname', 'build-host7\n');
    w('/etc/hosts', '127.0.0.1 localhost\n127.0.1.1 build-host7.corp.example build-host7\n');
    w('/etc/udev/rules.d/70-persistent-net.rules', 'ATTR{address}=="52:54:00:ab:cd:ef", NAME="eth0"\n');
    w('/var/lib/dhcp/dhclient.eth0.leases', 'lease {\n  fixed-address 10.20.30.40;\n  option routers 10.20.30.1;\n}\n');
    w('/var/lib/dhcp/dhclient6.leases', 'default-duid "\\000\\001\\000\\001\\052\\053\\054\\055RT\\000\\253\\315\\357";\n');
    const keygen = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'root@build-host7', '-f', path.join(root, 'key')]);
    assert.equal(keygen.status, 0, 'ssh-keygen is needed');
    w('/etc/ssh/ssh_host_ed25519_key.pub', fs.readFileSync(path.join(root, 'key.pub'), 'utf8'));
    w('/etc/ssh/ssh_host_ed25519_key', fs.readFileSync(path.join(root, 'key'), 'utf8'));
    const blob = fs.readFileSync(path.join(root, 'key.pub'), 'utf8').split(' ')[1]!;
    const sha = spawnSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', path.join(root, 'key.pub')], { encoding: 'utf8' }).stdout.split(' ')[1]!;
    const md5 = spawnSync('ssh-keygen', ['-l', '-E', 'md5', '-f', path.join(root, 'key.pub')], { encoding: 'utf8' }).stdout.split(' ')[1]!;
    const other = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(root, 'other')]);
    assert.equal(other.status, 0);
    const otherBlob = fs.readFileSync(path.join(root, 'other.pub'), 'utf8').split(' ')[1]!;
    const rec = recordFingerprints(new RootFs(root));
    const m = new Matcher(rec);
    const cases: [string, string | undefined][] = [
      ['mac 52:54:00:AB:CD:EF up', 'mac'],
      ['hw 52-54-00-ab-cd-ef', 'mac'],
      ['raw 525400ABCDEF;', 'mac'],
      ['cisco 5254.00ab.cdef', 'mac'],
      ['slaac fe80::5054:ff:feab:cdef/64', 'mac'],
      ['not 52:54:00:ab:cd:e0', undefined],
      ['id=0F1E2D3C4B5A69788796A5B4C3D2E1F0', 'machine-id'],
      ['uuid 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0', 'machine-id'],
      ['b64 Dx4tPEtaaXiHlqW0w9Lh8A==', 'machine-id'],
      ['not 0f1e2d3c4b5a69788796a5b4c3d2e1f1', undefined],
      ['root@build-host7:~#', 'host-name'],
      ['BUILD-HOST7.corp.example.', 'host-name'],
      ['build-host70', undefined],
      ['rebuild-host7s', undefined],
      ['DHCPACK of 10.20.30.40 from', 'ip-address'],
      ['lease 10-20-30-40', 'ip-address'],
      ['the router 10.20.30.1 is no identity', undefined],
      ['duid 00:01:00:01:2a:2b:2c:2d:52:54:00:ab:cd:ef', 'duid'],
      ['duid 00:01:00:01:2a:2b:2c:2d:52:54:00:ab:cd:e0', undefined],
      [`known_hosts: prod ssh-ed25519 ${blob}`, 'ssh-host-key:ed25519'],
      [`Accepted key ED25519 ${sha}`, 'ssh-host-key:ed25519'],
      [`fingerprint ${md5}`, 'ssh-host-key:ed25519'],
      [`another key ssh-ed25519 ${otherBlob}`, undefined],
    ];
    for (const [text, what] of cases) {
      const ts = new TokenStream(m);
      ts.feed(Buffer.from(text));
      ts.end();
      assert.deepEqual([...new Set(ts.found.map((f) => f.fp.what))], what ? [what] : [], text);
    }
    // the record holds no value
    const json = JSON.stringify(rec);
    for (const v of ['0f1e2d3c4b5a69788796a5b4c3d2e1f0', 'build-host7', '52:54:00:ab:cd:ef', '525400abcdef']) assert.ok(!json.includes(v), v);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('compressed files are read inside (gzip in process, xz and zstd by their tools); a binary copy is found whole', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'verify-z-'));
  try {
    const secret = pseudoRandom('seed', 512);
    const record = recordOf([{ cls: 'w', text: 'f00dfeedcafe1234beef', what: 'id' }]);
    record.fingerprints.push({ what: 'random-seed', from: '/var/lib/systemd/random-seed', forms: [], file: { size: 512, sha256: createHash('sha256').update(secret).digest('hex') } });
    const m = new Matcher(record);
    const plain = Buffer.from('line one\nthe id F00DFEEDCAFE1234BEEF here\n');
    fs.writeFileSync(path.join(dir, 'a.txt'), plain);
    const { gzipSync } = await import('node:zlib');
    fs.writeFileSync(path.join(dir, 'a.gz'), gzipSync(plain));
    const { execFileSync } = await import('node:child_process');
    execFileSync('xz', ['-k', path.join(dir, 'a.txt')]);
    execFileSync('zstd', ['-q', '-k', path.join(dir, 'a.txt')]);
    fs.writeFileSync(path.join(dir, 'seed.bak'), secret);
    for (const [name, inside] of [['a.txt', undefined], ['a.gz', 'gzip'], ['a.txt.xz', 'xz'], ['a.txt.zst', 'zstd']] as const) {
      const host = path.join(dir, name);
      const r = await scanFile(host, fs.statSync(host), m);
      // (xz and zstd store a stream this small as it is: the file's own bytes hold the id too)
      assert.deepEqual(r.matches.filter((x) => x.place.inside === inside).map((x) => [x.fp.what, x.place.inside, x.place.offset]), [['id', inside, 16]], name);
    }
    const seed = await scanFile(path.join(dir, 'seed.bak'), fs.statSync(path.join(dir, 'seed.bak')), m);
    assert.deepEqual(seed.matches.map((x) => x.fp.what), ['random-seed']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the walk does not enter a memory file system mounted in the root (a running system\'s /run): it is not in the image', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'walk-mounts-'));
  try {
    fs.mkdirSync(path.join(root, 'run'));
    fs.mkdirSync(path.join(root, 'var/lib'), { recursive: true });
    fs.writeFileSync(path.join(root, 'var/lib/on-disk'), 'golden-01\n');
    const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', path.join(root, 'run')]);
    assert.equal(m.status, 0, `mount (the tests run as root): ${m.stderr}`);
    try {
      fs.writeFileSync(path.join(root, 'run/motd.dynamic'), 'golden-01\n');
      assert.deepEqual([...memoryMounts(root)], ['/run']);
      const seen = [...walkFiles(root, () => false, () => undefined)].map((e) => e.path);
      assert.deepEqual(seen, ['/var/lib/on-disk']);
      // the same mount table read for the running system: its /run, /proc, /dev/shm are memory
      const own = memoryMounts('/');
      assert.ok(!own.has('/'), 'never the root itself');
    } finally {
      spawnSync('umount', [path.join(root, 'run')]);
    }
    // once unmounted, /run is a directory of the root like any other
    fs.writeFileSync(path.join(root, 'run/kept'), 'x\n');
    assert.deepEqual([...walkFiles(root, () => false, () => undefined)].map((e) => e.path), ['/run/kept', '/var/lib/on-disk']);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('mountinfo: escaped mount points, only memory file systems, only below the root', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mountinfo-'));
  try {
    const info = path.join(dir, 'mountinfo');
    fs.writeFileSync(info, [
      '22 1 0:21 / /mnt/img rw,relatime shared:1 - ext4 /dev/loop0 rw',
      '23 22 0:22 / /mnt/img/run rw,nosuid shared:2 - tmpfs tmpfs rw',
      '24 22 0:23 / /mnt/img/my\\040dir rw - ramfs none rw',
      '25 22 0:24 / /mnt/img/boot rw - vfat /dev/loop0p1 rw',
      '26 1 0:25 / /mnt/other/run rw - tmpfs tmpfs rw',
      '27 1 0:26 / /mnt/img rw - tmpfs tmpfs rw',
    ].join('\n') + '\n');
    assert.deepEqual([...memoryMounts('/mnt/img', info)].sort(), ['/my dir', '/run']);
    assert.deepEqual([...memoryMounts('/', info)].sort(), ['/mnt/img', '/mnt/img/my dir', '/mnt/img/run', '/mnt/other/run']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
