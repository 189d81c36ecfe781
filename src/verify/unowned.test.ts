/**
 * Files no package owns that look like keys or ids (SPEC 9 c): each heuristic with a positive and a
 * negative case on small real trees (a temporary root with a dpkg database of its own), then the
 * real roots: a pristine debootstrap root, and a used root before and after a default generalize.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { RootFs } from '../rootfs/rootfs.js';
import { bytes } from '../../test/fixtures/lived-in.js';
import { CACHE_DIR, debootstrapRoot } from '../../test/fixtures/roots.js';
import { overlayRoot, usedRoot } from '../../test/fixtures/used-root.js';
import { sysprep } from '../../test/harness/sysprep.js';
import type { Finding } from './types.js';
import { packageOwnership } from '../system/packages.js';
import { classifyIdentity, nameHint, randomToken, unownedIdentityFiles } from './unowned.js';

const WORK = path.join(CACHE_DIR, 'work');
fs.mkdirSync(WORK, { recursive: true });
const TMP = fs.mkdtempSync(path.join(WORK, 'unowned-unit-'));
after(() => fs.rmSync(TMP, { recursive: true, force: true }));

let n = 0;
/** A fresh root with a dpkg database: `owned` files are listed in base-files.list. */
function makeRoot(files: Record<string, string | Buffer>, owned: string[] = [], extra: Record<string, string> = {}): string {
  const root = path.join(TMP, `root-${++n}`);
  const put = (p: string, c: string | Buffer) => {
    fs.mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
    fs.writeFileSync(path.join(root, p), c);
  };
  put('/var/lib/dpkg/info/base-files.list', ['/.', '/etc', '/var', '/var/lib', ...owned].join('\n') + '\n');
  put('/var/lib/dpkg/status', 'Package: base-files\nStatus: install ok installed\nVersion: 12.4\n\n');
  for (const [p, c] of Object.entries(extra)) put(p, c);
  for (const [p, c] of Object.entries(files)) put(p, c);
  return root;
}

const scan = (root: string) => unownedIdentityFiles(new RootFs(root));
const brief = (fs: Finding[]) => fs.map((f) => `${f.path} ${f.rule} ${f.severity}`).sort();

/** Run a tool of the host in a scratch directory; its output files are read back. */
function tool(cmd: string, args: string[], cwd: string): void {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.error?.message ?? ''}${r.stderr}`);
}

const KEYS = path.join(TMP, 'keys');
fs.mkdirSync(KEYS);
tool('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'root@golden', '-f', 'ssh_host_ed25519_key'], KEYS);
for (const [name, ca] of [['leaf', 'CA:FALSE'], ['ca1', 'CA:TRUE'], ['ca2', 'CA:TRUE']] as const) {
  tool('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`,
    '-out', `${name}.pem`, '-subj', `/CN=${name}`, '-days', '2', '-addext', `basicConstraints=critical,${ca}`], KEYS);
}
tool('openssl', ['x509', '-in', 'leaf.pem', '-outform', 'DER', '-out', 'leaf.der'], KEYS);
tool('openssl', ['x509', '-in', 'ca1.pem', '-outform', 'DER', '-out', 'ca1.der'], KEYS);
const key = (name: string) => fs.readFileSync(path.join(KEYS, name));

const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ed = generateKeyPairSync('ed25519');

/**
 * Random-looking bytes that are the same on every run (a SHA-256 chain), so no heuristic's answer
 * depends on the luck of a draw.
 */
const randomBytes = (n: number, seed = `unowned-${n}`) => bytes(seed, n);

/** A version-4 UUID, the same on every run. */
function randomUUID(seed = 'uuid'): string {
  const h = randomBytes(16, seed).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
}

/** Dropbear's own format: the SSH wire encoding, length-prefixed strings. */
function dropbearEd25519(): Buffer {
  const str = (b: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    return Buffer.concat([len, b]);
  };
  return Buffer.concat([str(Buffer.from('ssh-ed25519')), str(randomBytes(64))]);
}

describe('classifyIdentity: private keys by format', () => {
  // label, file name, content, what the finding says it is
  const cases: [string, string, Buffer | string, RegExp][] = [
    ['PKCS#8 PEM', 'server.key', ed.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, /^a PKCS#8 private key$/],
    ['PKCS#1 PEM', 'tls.pem', rsa.privateKey.export({ format: 'pem', type: 'pkcs1' }) as string, /^a PEM RSA private key$/],
    ['SEC1 PEM', 'ec.pem', ec.privateKey.export({ format: 'pem', type: 'sec1' }) as string, /^a PEM EC private key$/],
    ['encrypted PKCS#8 PEM', 'enc.pem', ed.privateKey.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'x' }) as string, /encrypted PKCS#8/],
    ['OpenSSH', 'ssh_host_ed25519_key', key('ssh_host_ed25519_key'), /^an OpenSSH private key$/],
    ['OpenSSL key made with a certificate', 'leaf.key', key('leaf.key'), /private key$/],
    ['a key after a certificate in one file (haproxy style)', 'site.pem', Buffer.concat([key('leaf.pem'), key('leaf.key')]), /private key$/],
    ['PKCS#8 DER', 'key.der', ed.privateKey.export({ format: 'der', type: 'pkcs8' }) as Buffer, /DER private key \(PKCS8\)/],
    ['PKCS#1 DER', 'rsa.der', rsa.privateKey.export({ format: 'der', type: 'pkcs1' }) as Buffer, /DER private key \(PKCS1\)/],
    ['SEC1 DER, in a file named for nothing', 'blob', ec.privateKey.export({ format: 'der', type: 'sec1' }) as Buffer, /DER private key \(SEC1\)/],
    ['Dropbear', 'dropbear_ed25519_host_key', dropbearEd25519(), /^a Dropbear private key \(ssh-ed25519\)$/],
    ['Dropbear, in a file named for nothing', 'blob', dropbearEd25519(), /^a Dropbear private key/],
    ['PuTTY', 'host.ppk', 'PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: x\nPublic-Lines: 2\nAAAAC3NzaC1lZDI1NTE5\nAAAA\n', /PuTTY/],
    ['GnuPG private-keys-v1.d', 'ABCDEF.key', 'Key: (private-key (ecc (curve Ed25519)(flags eddsa)(q #40AB#)(d #CD#)))\n', /GnuPG/],
    ['Kerberos keytab', 'krb5.keytab', Buffer.concat([Buffer.from([5, 2, 0, 0, 0, 0x40]), Buffer.alloc(64, 1)]), /Kerberos keytab/],
  ];
  for (const [label, name, content, what] of cases) {
    test(label, () => {
      const hit = classifyIdentity(name, Buffer.from(content));
      assert.equal(hit?.rule, 'unowned/key', label);
      assert.equal(hit?.severity, 'high');
      assert.match(hit!.what, what);
      assert.ok(!hit!.what.includes(String(content).slice(40, 60)), 'the message never holds the key');
    });
  }
  test('the line of a PEM key is its BEGIN line', () => {
    const text = `# my key\n\n${ed.privateKey.export({ format: 'pem', type: 'pkcs8' })}`;
    assert.deepEqual(classifyIdentity('x.key', Buffer.from(text))?.place, { line: 3 });
  });
  test('negative: a PEM header with no body (a placeholder, a document), a keyring, a Dropbear look-alike', () => {
    assert.equal(classifyIdentity('example.key', Buffer.from('-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----\n')), undefined);
    assert.equal(classifyIdentity('README', Buffer.from('Put your -----BEGIN RSA PRIVATE KEY----- block here.\n')), undefined);
    const wire = dropbearEd25519();
    wire.write('ssh-xyz', 4, 'latin1'); // not a key type
    assert.equal(classifyIdentity('blob', wire), undefined);
    assert.equal(classifyIdentity('krb5.conf', Buffer.from('[libdefaults]\n default_realm = EXAMPLE.COM\n')), undefined);
  });
});

describe('classifyIdentity: OpenPGP', () => {
  const gpgHome = path.join(TMP, 'gnupg');
  fs.mkdirSync(gpgHome, { mode: 0o700 });
  const gpg = (...args: string[]) =>
    execFileSync('gpg', ['--homedir', gpgHome, '--batch', '--quiet', '--pinentry-mode', 'loopback', '--passphrase', '', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  gpg('--quick-gen-key', 'test <test@example.org>', 'ed25519', 'sign', 'never');
  test('a secret key, armoured or binary, is a private key', () => {
    for (const armor of [true, false]) {
      const b = gpg(...(armor ? ['--armor'] : []), '--export-secret-keys');
      const hit = classifyIdentity('signing-key.gpg', b);
      assert.equal(hit?.severity, 'high', armor ? 'armoured' : 'binary');
      assert.match(hit!.what, /OpenPGP/);
    }
  });
  test('negative: a public key or keyring (a repository\'s signing key) is not a finding', () => {
    for (const armor of [true, false]) {
      const b = gpg(...(armor ? ['--armor'] : []), '--export');
      assert.equal(classifyIdentity('repo-archive-keyring.gpg', b), undefined, armor ? 'armoured' : 'binary');
    }
  });
});

describe('classifyIdentity: the machine\'s public keys and certificates', () => {
  test('an OpenSSH public key file', () => {
    const hit = classifyIdentity('ssh_host_ed25519_key.pub', key('ssh_host_ed25519_key.pub'));
    assert.deepEqual([hit?.rule, hit?.severity, hit?.place], ['unowned/key', 'medium', { line: 1 }]);
  });
  test('a PEM public key', () => {
    assert.equal(classifyIdentity('node.pub', Buffer.from(rsa.publicKey.export({ format: 'pem', type: 'spki' }) as string))?.severity, 'medium');
  });
  test('a certificate that is not a CA (PEM and DER)', () => {
    assert.equal(classifyIdentity('ssl-cert-snakeoil.pem', key('leaf.pem'))?.rule, 'unowned/key');
    assert.equal(classifyIdentity('ssl-cert-snakeoil.pem', key('leaf.pem'))?.severity, 'medium');
    assert.equal(classifyIdentity('host.crt', key('leaf.der'))?.severity, 'medium');
  });
  test('negative: CA certificates and bundles of them, in PEM or DER, are the same on every machine', () => {
    assert.equal(classifyIdentity('my-ca.crt', key('ca1.pem')), undefined);
    assert.equal(classifyIdentity('ca-certificates.crt', Buffer.concat([key('ca1.pem'), key('ca2.pem')])), undefined);
    assert.equal(classifyIdentity('ca.der', key('ca1.der')), undefined);
    assert.equal(classifyIdentity('broken.pem', Buffer.from('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n')), undefined);
  });
  test('negative: authorized_keys and known_hosts list other parties\' keys', () => {
    const pub = key('ssh_host_ed25519_key.pub');
    assert.equal(classifyIdentity('authorized_keys', pub), undefined);
    assert.equal(classifyIdentity('ssh_known_hosts', Buffer.concat([Buffer.from('server.example.org '), pub])), undefined);
    assert.equal(classifyIdentity('keys.pub', Buffer.concat([pub, pub])), undefined, 'two keys: a list, not the machine\'s key');
  });
});

describe('classifyIdentity: ids', () => {
  const hex = randomBytes(16).toString('hex');
  test('a file that is one random hex, UUID or base64 token', () => {
    for (const [name, text] of [['machine-id', `${hex}\n`], ['whatever', `${hex}\n`], ['node', `${randomUUID()}\n`], ['blob.txt', `${randomBytes(24).toString('base64')}\n`]]) {
      const hit = classifyIdentity(name!, Buffer.from(text!));
      assert.deepEqual([hit?.rule, hit?.severity, hit?.place], ['unowned/id', 'medium', { line: 1 }], `${name}: ${text}`);
    }
  });
  test('a shorter random token when the name says id', () => {
    assert.equal(classifyIdentity('instance-id', Buffer.from('7f3a9c0e5b2d4f18\n'))?.rule, 'unowned/id');
    assert.equal(classifyIdentity('notes', Buffer.from('7f3a9c0e5b2d4f18\n')), undefined, '64 bits without a name: not enough');
  });
  test('negative: what debootstrap and a generalize leave, words, paths, numbers, patterns', () => {
    const texts = ['uninitialized\n', '', '\n', 'vm\n', 'Etc/UTC\n', '12.5\n', '0'.repeat(32) + '\n', '00000000-0000-0000-0000-000000000000\n',
      '/usr/share/zoneinfo/Europe/Berlin\n', '/usr/lib/x86_64-linux-gnu/libfoo.so.1\n', '1700000000123456789012345\n',
      'PasswordAuthenticationAllowed\n', 'deadbeefdeadbeefdeadbeefdeadbeef\n', 'f3b1a2c4-uuid\n', 'abcdefabcdefabcdefabcdefabcdefab\n',
      `${hex} /etc/ssh/sshd_config\n`];
    for (const t of texts) assert.equal(classifyIdentity('uuid', Buffer.from(t)), undefined, JSON.stringify(t));
  });
  test('negative: a big file holding one token is not an id file', () => {
    assert.equal(classifyIdentity('data', Buffer.from(randomBytes(4000).toString('base64'))), undefined);
  });
  test('an id line: SNMP engine id, iSCSI initiator name, machine_id in JSON', () => {
    const snmp = '# persistent data\nengineBoots 1\noldEngineID 0x80001f88804e7a1c2b3d4e5f6a0b0c0d0e\noldEngineBoots 1\n';
    assert.deepEqual(classifyIdentity('snmpd.conf', Buffer.from(snmp))?.place, { line: 3 });
    assert.equal(classifyIdentity('snmpd.conf', Buffer.from(snmp))?.rule, 'unowned/id');
    const iscsi = '## DO NOT EDIT OR REMOVE THIS FILE!\nInitiatorName=iqn.1993-08.org.debian:01:5e4f3a2b1c0d\n';
    assert.deepEqual(classifyIdentity('initiatorname.iscsi', Buffer.from(iscsi))?.place, { line: 2 });
    assert.equal(classifyIdentity('initiatorname.iscsi', Buffer.from('InitiatorName=iqn.2004-10.com.example:host1\n'))?.rule, 'unowned/id', 'a chosen name is an id too');
    assert.equal(classifyIdentity('state.json', Buffer.from(`{\n  "machine_id": "${hex}",\n  "n": 1\n}\n`))?.place?.line, 2);
  });
  test('negative: ids of what a file describes (profiles, volumes, file systems), comments, MACs, commented-out lines', () => {
    const texts = [
      `[connection]\nid=Wired\nuuid=${randomUUID()}\ntype=ethernet\n`,
      `DEVICE=eth0\nHWADDR=52:54:00:12:34:56\nUUID=${randomUUID()}\n`,
      `UUID=${randomUUID()} / ext4 errors=remount-ro 0 1\n`,
      'vg0 {\n\tid = "Xq3fHc-0Lkb-6ZpE-Rjg1-7Sd2-Yt4u-Ab12Cd"\n\tseqno = 3\n}\n',
      `# oldEngineID 0x80001f88804e7a1c2b3d4e5f6a0b0c0d0e\n`,
      'hostid=golden\nengineID=\n',
      'IDTYPE=sys_wwid IDNAME=naa.600 DEVNAME=/dev/sda2 PVID=abc\n',
    ];
    for (const t of texts) assert.equal(classifyIdentity('config', Buffer.from(t)), undefined, t);
  });
});

describe('classifyIdentity: secrets by name and by line', () => {
  test('random bytes in a file named for a secret: munge.key, secret_key, credential.secret, random-seed', () => {
    for (const name of ['munge.key', 'secret_key', 'credential.secret', 'random-seed']) {
      const hit = classifyIdentity(name, randomBytes(512));
      assert.deepEqual([hit?.rule, hit?.severity, hit?.place], ['unowned/key', 'high', { offset: 0 }], name);
    }
    assert.equal(classifyIdentity('uuid', randomBytes(16))?.rule, 'unowned/id', 'a binary id');
  });
  test('i2pd\'s keys with I2P\'s compressible padding (one random 32-byte block repeated): still random bytes', () => {
    // the layout of i2pd 2.45's irc-keys.dat: 64 random bytes, the padding block ten times, a random
    // signing key and certificate (679 bytes), found whole-file entropy 6.78 bits/byte on a real one
    const pad = randomBytes(32, 'pad');
    const keys = Buffer.concat([randomBytes(64, 'head'), ...Array.from({ length: 10 }, () => pad), randomBytes(295, 'tail')]);
    assert.equal(keys.length, 679);
    assert.equal(classifyIdentity('irc-keys.dat', keys)?.rule, 'unowned/key');
    // a fill that is no random block stays what it is: zeros between a header and a few random bytes
    const filled = Buffer.concat([Buffer.from('TDB file\n\0'), Buffer.alloc(1000, 0xaa), randomBytes(40)]);
    assert.equal(classifyIdentity('secrets.tdb', filled), undefined);
  });
  test('negative: random bytes in a file named for nothing; a compressed file; zeros; a database', () => {
    assert.equal(classifyIdentity('ibdata1', randomBytes(4096)), undefined);
    const gz = execFileSync('gzip', ['-c'], { input: randomBytes(2000) });
    assert.equal(classifyIdentity('keymap.key.gz', gz), undefined);
    assert.equal(classifyIdentity('secret', Buffer.alloc(512)), undefined);
    const tdbLike = Buffer.concat([Buffer.from('TDB file\n\0'), Buffer.alloc(1000, 0), randomBytes(40)]);
    assert.equal(classifyIdentity('secrets.tdb', tdbLike), undefined);
  });
  test('a random token in a file named for a secret, single-case too (an Erlang cookie)', () => {
    assert.equal(classifyIdentity('.erlang.cookie', Buffer.from('QWERTYUPLKJHGFDSAZXC'))?.severity, 'high');
    assert.equal(classifyIdentity('erlang.txt', Buffer.from('QWERTYUPLKJHGFDSAZXC')), undefined, 'without the name: a word for all we know');
  });
  test('a shared-secret line (BIND\'s rndc.key)', () => {
    const rndc = `key "rndc-key" {\n\talgorithm hmac-sha256;\n\tsecret "${randomBytes(32).toString('base64')}";\n};\n`;
    const hit = classifyIdentity('rndc.key', Buffer.from(rndc));
    assert.deepEqual([hit?.rule, hit?.severity, hit?.place], ['unowned/key', 'high', { line: 3 }]);
    assert.equal(classifyIdentity('rndc.key', Buffer.from('key "rndc-key" {\n\tsecret "changeme";\n};\n')), undefined, 'a placeholder');
    assert.equal(classifyIdentity('app.conf', Buffer.from('token_file = /etc/app/token\n')), undefined, 'a path');
  });
  test('name hints split at punctuation and camel case', () => {
    assert.equal(nameHint('dropbear_rsa_host_key'), 'secret');
    assert.equal(nameHint('hostKey'), 'secret');
    assert.equal(nameHint('machine-id'), 'id');
    assert.equal(nameHint('initiatorname.iscsi'), 'id');
    for (const name of ['keyboard', 'keyrings', 'monkey.conf', 'valid', 'pidfile', 'android']) assert.equal(nameHint(name), undefined, name);
  });
  test('randomToken: 128 bits without a hint, digits and letters mixed', () => {
    assert.ok(randomToken(randomBytes(16).toString('hex'), 128));
    assert.ok(!randomToken(randomBytes(8).toString('hex'), 128));
    assert.ok(randomToken(randomBytes(8).toString('hex'), 64));
  });
});

describe('unownedIdentityFiles on a small tree', () => {
  const pem = ed.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
  const id = `${randomBytes(16).toString('hex')}\n`;

  test('an owned key or id is not a finding; the same unowned one is', () => {
    const root = makeRoot({
      '/etc/owned/test.key': pem,
      '/etc/unowned/test.key': pem,
      '/var/lib/owned/id': id,
      '/var/lib/unowned/id': id,
    }, ['/etc/owned', '/etc/owned/test.key', '/var/lib/owned', '/var/lib/owned/id']);
    assert.deepEqual(brief(scan(root)), ['/etc/unowned/test.key unowned/key high', '/var/lib/unowned/id unowned/id medium']);
    const f = scan(root).find((x) => x.path === '/etc/unowned/test.key')!;
    assert.equal(f.kind, 'unowned');
    assert.match(f.message, /no package owns/);
    assert.ok(!f.message.includes(pem.split('\n')[1]!), 'no key bytes in the message');
  });

  test('conffiles (with dpkg\'s flags), obsolete conffiles in status, diversions and alternatives count as owned', () => {
    const root = makeRoot({
      '/etc/app/conf.key': pem,
      '/etc/app/flagged.key': pem,
      '/etc/old/obsolete.key': pem,
      '/etc/app/diverted.key.distrib': pem,
      '/etc/app/alt.key': pem,
    }, [], {
      '/var/lib/dpkg/info/app.conffiles': '/etc/app/conf.key\nremove-on-upgrade /etc/app/flagged.key\n',
      '/var/lib/dpkg/status': 'Package: old\nStatus: install ok installed\nVersion: 1\nConffiles:\n /etc/old/obsolete.key 0123456789abcdef0123456789abcdef obsolete\n\n',
      '/var/lib/dpkg/diversions': '/etc/app/diverted.key\n/etc/app/diverted.key.distrib\nlocal-pkg\n',
      '/var/lib/dpkg/alternatives/appkey': 'auto\n/etc/app/current.key\nslave-key\n/etc/app/alt.key\n\n/usr/share/app/a.key\n10\n\n',
    });
    assert.deepEqual(scan(root), []);
    const owned = packageOwnership(new RootFs(root)).owned;
    for (const p of ['/etc/alternatives/appkey', '/etc/alternatives/slave-key', '/etc/app/current.key', '/etc/app/diverted.key']) assert.ok(owned.has(p), p);
  });

  test('a path the database spells through a linked directory is owned under its real spelling', () => {
    const root = makeRoot({ '/etc/real/test.key': pem }, ['/etc/linked', '/etc/linked/test.key']);
    fs.symlinkSync('real', path.join(root, 'etc/linked'));
    assert.deepEqual(scan(root), []);
  });

  test('only /etc and /var/lib; the package managers\' and sysprep\'s own state is skipped', () => {
    const root = makeRoot({
      '/srv/app/test.key': pem,
      '/home/alice/.ssh/id_ed25519': pem,
      '/usr/local/etc/test.key': pem,
      '/var/backups/test.key': pem,
      '/var/lib/dpkg/info/foo.md5sums': `${id.trim()}  etc/foo\n`,
      '/var/lib/apt/lists/x_InRelease': `${id}`,
      '/var/lib/ucf/hashfile': `${id.trim()}  /etc/ssh/sshd_config\n`,
      '/var/lib/sysprep/fingerprints.json': `{ "machine_id": "${id.trim()}" }\n`,
      '/var/lib/rpm/rpmdb.key': pem,
    });
    assert.deepEqual(scan(root), []);
  });

  test('a linked /var/lib is scanned where it leads, its package state still skipped', () => {
    const root = makeRoot({ '/data/lib/app/id': id, '/data/lib/ucf/hashfile': id });
    fs.renameSync(path.join(root, 'var/lib/dpkg'), path.join(root, 'data/lib/dpkg'));
    fs.rmdirSync(path.join(root, 'var/lib'));
    fs.symlinkSync('/data/lib', path.join(root, 'var/lib'));
    assert.deepEqual(brief(scan(root)), ['/data/lib/app/id unowned/id medium']);
  });

  test('links are never followed, inside or out of the root; nothing is written', () => {
    const outside = path.join(TMP, `outside-${n}.key`);
    fs.writeFileSync(outside, pem);
    const root = makeRoot({ '/srv/inside.key': pem });
    fs.mkdirSync(path.join(root, 'etc/ssl'), { recursive: true });
    fs.symlinkSync(outside, path.join(root, 'etc/ssl/host.key')); // absolute: inside the root this names nothing
    fs.symlinkSync('../../srv/inside.key', path.join(root, 'etc/ssl/inside.key'));
    fs.symlinkSync('/srv', path.join(root, 'var/lib/srv-link'));
    fs.symlinkSync('.', path.join(root, 'etc/loop'));
    const before = digestTree(root);
    assert.deepEqual(scan(root), []);
    assert.deepEqual(digestTree(root), before, 'not a byte, mode or time changed');
  });

  test('FIFOs and sockets are never opened; big files are not read', () => {
    const root = makeRoot({ '/var/lib/app/big.key': Buffer.concat([Buffer.from(pem), Buffer.alloc(2 << 20)]) });
    fs.mkdirSync(path.join(root, 'etc'), { recursive: true });
    execFileSync('mkfifo', [path.join(root, 'etc/secret.key')]);
    assert.deepEqual(scan(root), []); // would hang on the FIFO if it were opened
  });

  test('an RPM root reports nothing (rpm\'s database is not read yet), nor a root without a package database', () => {
    const rpm = path.join(TMP, `rpm-${++n}`);
    fs.mkdirSync(path.join(rpm, 'var/lib/rpm'), { recursive: true });
    fs.mkdirSync(path.join(rpm, 'etc/pki/tls/private'), { recursive: true });
    fs.writeFileSync(path.join(rpm, 'etc/pki/tls/private/localhost.key'), pem);
    assert.equal(packageOwnership(new RootFs(rpm)).manager, 'rpm');
    assert.deepEqual(scan(rpm), []);
    fs.rmSync(path.join(rpm, 'var/lib/rpm'), { recursive: true });
    assert.equal(packageOwnership(new RootFs(rpm)).manager, 'none');
    assert.deepEqual(scan(rpm), []);
  });

  test('a dry run\'s pretend removals are seen (the scan after a dry generalize)', () => {
    const root = makeRoot({ '/etc/app/test.key': pem });
    const rfs = new RootFs(root, { dryRun: true });
    rfs.remove('/etc/app/test.key');
    assert.deepEqual(unownedIdentityFiles(rfs), []);
    assert.ok(fs.existsSync(path.join(root, 'etc/app/test.key')));
  });
});

/** Path → type, mode, size, mtime and content digest of everything below root. */
function digestTree(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const name of fs.readdirSync(dir)) {
      const p = path.join(dir, name);
      const st = fs.lstatSync(p, { bigint: true });
      let sig = `${st.mode} ${st.size} ${st.mtimeNs}`;
      if (st.isFile()) sig += ' ' + createHash('sha256').update(fs.readFileSync(p)).digest('hex');
      if (st.isSymbolicLink()) sig += ' ' + fs.readlinkSync(p);
      out.set(path.relative(root, p), sig);
      if (st.isDirectory()) walk(p);
    }
  };
  walk(root);
  return out;
}

// ---------------------------------------------------------------- real roots

/**
 * What a debootstrap root holds of the machine that built it, read from the tree itself: the SSH
 * host keys openssh-server's postinst made, and the machine-id systemd's postinst wrote (dbus copies
 * it). Each is a true finding: every clone of this tree would share them.
 */
function debootstrapIdentity(root: string): string[] {
  const out: string[] = [];
  for (const name of fs.readdirSync(path.join(root, 'etc/ssh')).sort()) {
    if (/^ssh_host_\w+_key$/.test(name)) out.push(`/etc/ssh/${name} unowned/key high`);
    if (/^ssh_host_\w+_key\.pub$/.test(name)) out.push(`/etc/ssh/${name} unowned/key medium`);
  }
  for (const p of ['/etc/machine-id', '/var/lib/dbus/machine-id']) {
    const st = fs.lstatSync(path.join(root, p), { throwIfNoEntry: false });
    if (st?.isFile() && /^[0-9a-f]{32}\n?$/.test(fs.readFileSync(path.join(root, p), 'utf8'))) out.push(`${p} unowned/id medium`);
  }
  return out.sort();
}

function generalizedView(lower: string, label: string) {
  const view = overlayRoot(lower, label);
  const r = sysprep(['--root', view.root, '/generalize', '/quiet']);
  if (r.status !== 0) {
    view.dispose();
    assert.fail(`sysprep /generalize failed (${r.status}): ${r.stdout}${r.stderr}`);
  }
  return view;
}

describe('real roots', () => {
  test('pristine debootstrap root: nothing but the identity debootstrap\'s maintainer scripts made', (t) => {
    const root = debootstrapRoot('bookworm');
    const started = Date.now();
    const findings = scan(root);
    t.diagnostic(`pristine root: ${findings.length} findings in ${Date.now() - started} ms: ${brief(findings).join(', ')}`);
    const expected = debootstrapIdentity(root);
    assert.ok(expected.length > 0, 'the fixture has host keys and a machine-id (if not, this test says nothing)');
    assert.deepEqual(brief(findings), expected, 'no false positive, and every real trace found');
  });

  test('pristine debootstrap root after a default generalize: no finding', (t) => {
    const view = generalizedView(debootstrapRoot('bookworm'), 'unowned-pristine');
    try {
      const findings = scan(view.root);
      t.diagnostic(`pristine root after /generalize: ${findings.length} findings`);
      assert.deepEqual(brief(findings), []);
    } finally {
      view.dispose();
    }
  });

  test('used root: the identity the lived-in planting left is found, user data is not', () => {
    const root = usedRoot('bookworm');
    const found = brief(scan(root));
    for (const want of [
      '/etc/machine-id unowned/id medium',
      '/var/lib/dbus/machine-id unowned/id medium',
      '/var/lib/systemd/random-seed unowned/key high',
      '/var/lib/systemd/credential.secret unowned/key high',
      '/var/lib/NetworkManager/secret_key unowned/key high',
      '/etc/krb5.keytab unowned/key high',
      '/etc/ssh/ssh_host_ed25519_key unowned/key high',
    ]) assert.ok(found.includes(want), `${want} in ${found.join(', ')}`);
    for (const p of ['/var/lib/gitea/.ssh/authorized_keys', '/var/lib/mysql/ibdata1', '/var/lib/mysql/app/users.ibd', '/var/lib/postgresql/15/main/base/1/1259']) {
      assert.ok(!found.some((f) => f.startsWith(`${p} `)), `user data ${p} is not a finding`);
    }
  });

  test('used root after a default generalize: no finding', (t) => {
    const view = generalizedView(usedRoot('bookworm'), 'unowned-used');
    try {
      const started = Date.now();
      const findings = scan(view.root);
      t.diagnostic(`used root after /generalize: ${findings.length} findings in ${Date.now() - started} ms`);
      assert.deepEqual(brief(findings), []);
    } finally {
      view.dispose();
    }
  });
});
