/**
 * Cloud metadata services (SPEC 10): user-data from EC2 (IMDSv2: a session token first), OpenStack
 * and GCE, asked only where DMI says the machine is that cloud (the rules cloud-init's ds-identify
 * uses), with a short timeout on every request (asked once more with a longer one), so that a machine
 * that is none of them pays nothing and one whose service hangs or answers garbage still boots and
 * specializes from the next channel.
 *
 * Specialize runs before the network is configured (the clone's name comes first). When no interface
 * has an IPv4 address yet, the first wired interface is brought up with a random IPv4 link-local
 * address (RFC 3927, 169.254.0.0/16: the metadata address is on that link) for the requests only, and
 * put back as it was afterwards. A response is never logged: its size and what it is, at most.
 */
import { spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import * as nodefs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { cloudDmiRules, DMI_DIR, METADATA, type Cloud } from '../../model/per-clone.js';
import { SAFE_PATH } from '../../model/paths.js';
import { MAX_ANSWER_FILE_BYTES } from '../../answer-file/xml.js';
import type { PantherLog } from '../panther.js';
import { recogniseUserData } from './recognise.js';
import type { PerCloneCandidate } from './types.js';

/** The cloud DMI says this machine is, and the rule that says so; undefined on anything else. */
export function cloudFromDmi(dmiDir = DMI_DIR): { cloud: Cloud; because: string } | undefined {
  for (const rule of cloudDmiRules()) {
    let value: string;
    try {
      value = nodefs.readFileSync(path.join(dmiDir, rule.file), 'utf8').trim();
    } catch {
      continue;
    }
    const hit = rule.op === '=' ? value === rule.value : value.toLowerCase().startsWith(rule.value.toLowerCase());
    if (hit) return { cloud: rule.cloud, because: `DMI ${rule.file} ${rule.op === '=' ? 'is' : 'starts with'} "${rule.value}"` };
  }
  return undefined;
}

interface Answer { status: number; body: Buffer }

/** One HTTP request to the metadata address; rejects on a timeout (connecting and the whole answer) or a body too large. */
export function request(method: string, urlPath: string, headers: Record<string, string>, options: { host?: string; port?: number; timeoutMs?: number } = {}): Promise<Answer> {
  const timeoutMs = options.timeoutMs ?? METADATA.timeoutMs;
  return new Promise((resolve, reject) => {
    const req = http.request({ host: options.host ?? METADATA.address, port: options.port ?? 80, method, path: urlPath, headers, signal: AbortSignal.timeout(timeoutMs), agent: false }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_ANSWER_FILE_BYTES) {
          req.destroy(new Error(`more than ${MAX_ANSWER_FILE_BYTES} bytes`));
          return;
        }
        chunks.push(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', (err: Error) => reject(err.name === 'AbortError' || err.name === 'TimeoutError' ? new Error(`no answer within ${timeoutMs / 1000} s`) : err));
    req.end();
  });
}

/** Worth asking again: no answer in time, or the connection refused or cut (not an answer that is no HTTP). */
function retriable(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  return (err as Error).message.startsWith('no answer within') || ['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH'].includes(code);
}

/** request(), asked again with twice the time when the service did not answer (METADATA.attempts). */
async function ask(log: PantherLog, method: string, urlPath: string, headers: Record<string, string>, options: { host?: string; port?: number; timeoutMs?: number }): Promise<Answer> {
  const first = options.timeoutMs ?? METADATA.timeoutMs;
  for (let attempt = 1; ; attempt++) {
    const timeoutMs = first * 2 ** (attempt - 1);
    try {
      return await request(method, urlPath, headers, { ...options, timeoutMs });
    } catch (err) {
      if (attempt >= METADATA.attempts || !retriable(err)) throw err;
      log.info(`Answer file channel: ${method} ${urlPath}: ${(err as Error).message}; asking again, waiting ${(timeoutMs * 2) / 1000} s`);
    }
  }
}

/** The user-data of this cloud's metadata service: bytes, or undefined with the reason logged. */
export async function fetchUserData(cloud: Cloud, log: PantherLog, options: { host?: string; port?: number; timeoutMs?: number } = {}): Promise<Uint8Array | undefined> {
  const base = `http://${options.host ?? METADATA.address}${options.port ? `:${options.port}` : ''}`;
  let headers: Record<string, string> = {};
  let urlPath: string;
  try {
    if (cloud === 'ec2') {
      const t = await ask(log, METADATA.ec2.token.method, METADATA.ec2.token.path, { ...METADATA.ec2.token.headers }, options);
      if (t.status === 200 && t.body.length > 0 && t.body.length < 1024) headers = { [METADATA.ec2.tokenHeader]: t.body.toString('latin1').trim() };
      else if (t.status === 404 || t.status === 405) log.info(`Answer file channel: ${base}${METADATA.ec2.token.path} answered ${t.status} (no IMDSv2); asking without a token`);
      else {
        log.warn(`Answer file channel: the EC2 metadata service refused a session token (HTTP ${t.status}); skipped`);
        return undefined;
      }
      urlPath = METADATA.ec2.userData;
    } else {
      headers = { ...METADATA[cloud].headers };
      urlPath = METADATA[cloud].userData;
    }
    const r = await ask(log, 'GET', urlPath, headers, options);
    if (r.status === 404) {
      log.info(`Answer file channel: ${base}${urlPath}: no user-data (HTTP 404)`);
      return undefined;
    }
    if (r.status !== 200) {
      log.warn(`Answer file channel: ${base}${urlPath} answered HTTP ${r.status}; skipped`);
      return undefined;
    }
    return r.body;
  } catch (err) {
    log.warn(`Answer file channel: the ${cloud} metadata service at ${base}: ${(err as Error).message}; skipped`);
    return undefined;
  }
}

const ipEnv = { PATH: SAFE_PATH, LC_ALL: 'C' };
const ip = (...args: string[]) => spawnSync('ip', args, { encoding: 'utf8', env: ipEnv, timeout: 10_000 });

/**
 * Run `fn` with a way to the link-local metadata address: as the machine is when an interface has
 * an IPv4 address already, otherwise through the first wired interface with a link-local address,
 * removed afterwards (and the interface put down again when it was down).
 */
export async function withLinkLocal<T>(log: PantherLog, fn: () => Promise<T>): Promise<T> {
  const addrs = ip('-4', '-o', 'addr', 'show', 'scope', 'global');
  if (addrs.status === 0 && addrs.stdout.trim()) return fn();
  let names: string[] = [];
  try {
    names = nodefs.readdirSync('/sys/class/net').sort()
      .filter((n) => nodefs.existsSync(`/sys/class/net/${n}/device`) && !nodefs.existsSync(`/sys/class/net/${n}/wireless`));
  } catch {
    /* no /sys */
  }
  const dev = names[0];
  if (!dev) {
    log.info('Answer file channel: no network interface for the metadata service');
    return fn();
  }
  const flags = Number(nodefs.readFileSync(`/sys/class/net/${dev}/flags`, 'utf8').trim());
  const wasUp = (flags & 1) === 1;
  const address = `169.254.${randomInt(1, 255)}.${randomInt(1, 255)}/16`;
  if (!wasUp && ip('link', 'set', 'dev', dev, 'up').status !== 0) log.warn(`Answer file channel: could not bring ${dev} up`);
  const added = ip('addr', 'add', address, 'dev', dev, 'scope', 'link').status === 0;
  log.info(`Answer file channel: ${dev} ${added ? `has ${address} (link-local) for the metadata service, until it answered` : 'could not get a link-local address'}`);
  // the link's carrier, for up to 3 s (a virtual NIC has it at once)
  for (let i = 0; i < 30; i++) {
    try {
      if (nodefs.readFileSync(`/sys/class/net/${dev}/carrier`, 'utf8').trim() === '1') break;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  try {
    return await fn();
  } finally {
    if (added) ip('addr', 'del', address, 'dev', dev);
    if (!wasUp) ip('link', 'set', 'dev', dev, 'down');
  }
}

export async function metadataCandidates(log: PantherLog, dmiDir = DMI_DIR): Promise<PerCloneCandidate[]> {
  const platform = cloudFromDmi(dmiDir);
  if (!platform) {
    log.info('Answer file channel: no cloud metadata service asked (DMI names none of EC2, OpenStack, GCE)');
    return [];
  }
  log.info(`Answer file channel: this is ${platform.cloud} (${platform.because}); asking its metadata service for user-data`);
  const bytes = await withLinkLocal(log, () => fetchUserData(platform.cloud, log));
  if (!bytes) return [];
  const where = `${platform.cloud} metadata user-data (http://${METADATA.address})`;
  const r = recogniseUserData(bytes, where);
  if (!r.answerFile) {
    log.info(`Answer file channel: ${where} is ${r.what}, not an answer file; skipped`);
    return [];
  }
  return [{ origin: 'metadata', where, bytes: r.bytes }];
}
