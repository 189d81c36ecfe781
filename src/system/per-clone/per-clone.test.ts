/**
 * The per-clone channels' parts that need no boot: what user-data is, which devices are probed, what
 * DMI says, and the metadata requests against a real HTTP server on this machine (IMDSv2's token flow,
 * a 404, a service that never answers, one that answers bytes that are not HTTP). The channels booted
 * for real: test/integration/per-clone.test.ts.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { PantherLog } from '../panther.js';
import { probeDevices } from './config-drive.js';
import { cloudFromDmi, fetchUserData } from './metadata.js';
import { recogniseUserData } from './recognise.js';

const UNATTEND = '<?xml version="1.0" encoding="utf-8"?>\n<unattend xmlns="urn:schemas-microsoft-com:unattend"><settings pass="specialize"/></unattend>\n';
const bytes = (s: string) => new TextEncoder().encode(s);

test('user-data is an answer file by its root element; anything else is said in words, never quoted', () => {
  assert.equal(recogniseUserData(bytes(UNATTEND), 'u').answerFile, true);
  const gz = recogniseUserData(gzipSync(UNATTEND), 'u');
  assert.ok(gz.answerFile && new TextDecoder().decode(gz.bytes) === UNATTEND, 'gzip is unpacked');
  const what = (s: string | Uint8Array) => {
    const r = recogniseUserData(typeof s === 'string' ? bytes(s) : s, 'u');
    return r.answerFile ? 'answer file' : r.what;
  };
  assert.equal(what('#cloud-config\npassword: Secret-1\n'), 'a cloud-config file');
  assert.equal(what('#!/bin/sh\necho Secret-1\n'), 'a script');
  assert.equal(what('Content-Type: multipart/mixed; boundary="x"\n'), 'a MIME multi-part file');
  assert.equal(what('<?xml version="1.0"?><config><password>Secret-1</password></config>'), 'XML whose root element is <config>, not <unattend>');
  assert.equal(what(''), 'empty');
  assert.match(what(new Uint8Array([0, 255, 1, 2, 3])), /^5 bytes that are not XML$/);
  assert.equal(what(new Uint8Array([0x1f, 0x8b, 1, 2])), 'gzip data that does not unpack');
});

test('config drives: every device of /proc/partitions is probed but RAM disks and floppies', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'partitions-'));
  try {
    const file = path.join(dir, 'partitions');
    fs.writeFileSync(file, 'major minor  #blocks  name\n\n   2        0          4 fd0\n   1        0      65536 ram0\n 254        0    1420288 vda\n 254        1    1419264 vda1\n  11        0       4096 sr0\n');
    assert.deepEqual(probeDevices(file), ['/dev/vda', '/dev/vda1', '/dev/sr0']);
    assert.deepEqual(probeDevices(path.join(dir, 'none')), []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('DMI: the cloud by cloud-init\'s rules (exact value, or a prefix in any case); nothing for other machines', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dmi-'));
  try {
    const dmi = (files: Record<string, string>) => {
      for (const f of fs.readdirSync(dir)) fs.rmSync(path.join(dir, f));
      for (const [k, v] of Object.entries(files)) fs.writeFileSync(path.join(dir, k), `${v}\n`);
      return cloudFromDmi(dir);
    };
    assert.equal(dmi({ sys_vendor: 'QEMU', product_name: 'Standard PC (i440FX + PIIX, 1996)' }), undefined);
    assert.deepEqual(dmi({ sys_vendor: 'Amazon EC2' }), { cloud: 'ec2', because: 'DMI sys_vendor is "Amazon EC2"' });
    assert.equal(dmi({ product_uuid: 'EC2E1916-9099-7CAF-FD21-012345ABCDEF' })?.cloud, 'ec2');
    assert.equal(dmi({ product_name: 'OpenStack Nova' })?.cloud, 'openstack');
    assert.equal(dmi({ product_name: 'Google Compute Engine' })?.cloud, 'gce');
    assert.equal(dmi({ sys_vendor: 'Amazon EC2 (not)' }), undefined, 'an exact rule is exact');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** A server on 127.0.0.1 for one test; `handler` answers each request, or `raw` handles the socket. */
async function server(handler: http.RequestListener | ((s: net.Socket) => void), raw = false): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const srv = raw ? net.createServer(handler as (s: net.Socket) => void) : http.createServer(handler as http.RequestListener);
  srv.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return {
    port: (srv.address() as net.AddressInfo).port,
    close: () => new Promise((r) => {
      for (const s of sockets) s.destroy();
      srv.close(() => r());
    }),
  };
}

const memoryLog = () => new PantherLog(undefined, undefined);
const messages = (log: PantherLog) => log.lines.map((l) => `${l.level}: ${l.message}`).join('\n');

test('EC2 IMDSv2: a session token first, the user-data with it; nothing of the answer logged', async () => {
  const seen: string[] = [];
  const s = await server((req, res) => {
    seen.push(`${req.method} ${req.url} ${req.headers['x-aws-ec2-metadata-token'] ?? '-'} ${req.headers['x-aws-ec2-metadata-token-ttl-seconds'] ?? '-'}`);
    if (req.method === 'PUT' && req.url === '/latest/api/token') res.end('TOKEN-1');
    else if (req.url === '/latest/user-data' && req.headers['x-aws-ec2-metadata-token'] === 'TOKEN-1') res.end(UNATTEND);
    else res.writeHead(401).end();
  });
  try {
    const log = memoryLog();
    const got = await fetchUserData('ec2', log, { host: '127.0.0.1', port: s.port });
    assert.equal(new TextDecoder().decode(got), UNATTEND);
    assert.deepEqual(seen, ['PUT /latest/api/token - 60', 'GET /latest/user-data TOKEN-1 -']);
    assert.ok(!messages(log).includes('TOKEN-1') && !messages(log).includes('unattend'), messages(log));
  } finally {
    await s.close();
  }
});

test('metadata: no user-data (404), a refused token, a service that never answers, one that answers garbage: skipped with the reason', async () => {
  const notFound = await server((req, res) => (req.method === 'PUT' ? res.end('T') : res.writeHead(404).end()));
  const refused = await server((_req, res) => res.writeHead(403).end());
  const hangs = await server(() => undefined, true);
  const garbage = await server((sock: net.Socket) => sock.end(Buffer.from([0, 255, 27, 91, 50, 74, 10, 10])), true);
  try {
    const ask = async (port: number, cloud: 'ec2' | 'gce' = 'ec2') => {
      const log = memoryLog();
      const started = Date.now();
      const got = await fetchUserData(cloud, log, { host: '127.0.0.1', port, timeoutMs: 300 });
      return { got, text: messages(log), ms: Date.now() - started };
    };
    const a = await ask(notFound.port);
    assert.equal(a.got, undefined);
    assert.match(a.text, /no user-data \(HTTP 404\)/);
    const b = await ask(refused.port);
    assert.equal(b.got, undefined);
    assert.match(b.text, /^Warning: .*refused a session token \(HTTP 403\); skipped/m);
    const c = await ask(hangs.port, 'gce');
    assert.equal(c.got, undefined);
    assert.match(c.text, /^Info: .*GET \/computeMetadata\/v1\/instance\/attributes\/user-data: no answer within 0\.3 s; asking again, waiting 0\.6 s/m);
    assert.match(c.text, /^Warning: .*the gce metadata service at http:\/\/127\.0\.0\.1:\d+: no answer within 0\.6 s; skipped/m);
    assert.ok(c.ms >= 850 && c.ms < 3000, `the timeouts hold: 0.3 s, then 0.6 s (${c.ms} ms)`);
    const d = await ask(garbage.port);
    assert.equal(d.got, undefined);
    assert.match(d.text, /^Warning: .*the ec2 metadata service at http:\/\/127\.0\.0\.1:\d+: .+; skipped/m);
    assert.doesNotMatch(d.text, /no answer within|asking again/, 'bytes that are not HTTP are not asked for again');
  } finally {
    await Promise.all([notFound.close(), refused.close(), hangs.close(), garbage.close()]);
  }
});
