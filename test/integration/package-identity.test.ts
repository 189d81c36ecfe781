/**
 * Issue 12: what real packages make for the machine they are installed on, generalized and made anew.
 * The golden machine is the real-packages root (test/fixtures/package-roots.ts: twenty packages
 * installed by apt in a chroot, then booted once in QEMU so every service started). It is generalized
 * with the default providers and an answer file (a generated name, a root password), then:
 *
 *  1. the seal: every identity item the packages made is gone, verify finds nothing of the golden
 *     machine but the PostgreSQL cluster (opt-in provider, reported with its fix), and the keys unit
 *     has a plan to make each item again, ordered before the units that use it;
 *  2. in a chroot: the keys unit (the runner's host-keys phase) makes each item with the package's
 *     own tool, and after a power loss makes only what was not finished;
 *  3. in QEMU: two clones of the image boot; for every identity item the golden machine had, each
 *     clone has its own value, different from the golden machine's and from the other clone's, and no
 *     unit failed (none had failed on the golden machine).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeRecords, FORMATS } from '../../src/firstboot/contract.js';
import type { Finding } from '../../src/verify/types.js';
import { buildImage, withMountedImage, WORK_DIR } from '../fixtures/disk-image.js';
import { identityPackagesRecord, identityPackagesRoot, GOLDEN_HOSTNAME } from '../fixtures/package-roots.js';
import { overlayRoot, type Scratch } from '../fixtures/used-root.js';
import { BOOT_TIMEOUT, clone, COMPONENT, INTERNATIONAL, UNATTEND } from '../harness/first-boot.js';
import { findKernel, startImage, tail } from '../harness/qemu.js';
import { sysprep } from '../harness/sysprep.js';

let golden: string;
let view: Scratch;
let sealed: { image: string; kernel: string; initrd: string };
let sealReport: any;
let workDir: string;

const PASSWORD = 'R00t-Pass!';
const ANSWER = UNATTEND({
  specialize: COMPONENT('Microsoft-Windows-Shell-Setup', '<ComputerName>*</ComputerName><TimeZone>UTC</TimeZone>') + INTERNATIONAL,
  oobeSystem: COMPONENT('Microsoft-Windows-Shell-Setup',
    `<UserAccounts><AdministratorPassword><Value>${PASSWORD}</Value><PlainText>true</PlainText></AdministratorPassword></UserAccounts>` +
    '<OOBE><HideEULAPage>true</HideEULAPage><HideLocalAccountScreen>true</HideLocalAccountScreen></OOBE>'),
});

const at = (root: string, p: string) => path.join(root, p);
const readIf = (root: string, p: string) => (fs.existsSync(at(root, p)) ? fs.readFileSync(at(root, p)) : undefined);
const sha = (b: Buffer | undefined) => (b ? createHash('sha256').update(b).digest('hex') : undefined);
const match = (root: string, p: string, re: RegExp) => re.exec(readIf(root, p)?.toString('utf8') ?? '')?.[1];

/** Samba's machine SID, S-1-5-21-a-b-c, from secrets.tdb (the record SECRETS/SID/NAME holds a dom_sid). */
function sambaSid(root: string): string | undefined {
  const b = readIf(root, '/var/lib/samba/private/secrets.tdb');
  if (!b) return undefined;
  const head = Buffer.from([1, 4, 0, 0, 0, 0, 0, 5, 21, 0, 0, 0]);
  for (let i = b.indexOf('SECRETS/SID/'); i >= 0; i = b.indexOf('SECRETS/SID/', i + 1)) {
    const j = b.indexOf(head, i);
    if (j > i && j - i < 64) return `S-1-5-21-${[0, 1, 2].map((k) => b.readUInt32LE(j + 12 + 4 * k)).join('-')}`;
  }
  return undefined;
}

/**
 * Every identity item the golden machine has, and how to read its value from a tree. `made: 'boot'`
 * items are made by the package itself at its first start (there is nothing to find right after the
 * seal, or in the chroot); `made: 'keys'` ones by the keys unit from the package's own tool.
 */
const ITEMS: { name: string; made: 'keys' | 'boot' | 'systemd'; value(root: string): string | undefined }[] = [
  { name: 'machine-id', made: 'systemd', value: (r) => match(r, '/etc/machine-id', /^([0-9a-f]{32})$/m) },
  { name: 'OpenSSH ed25519 host key', made: 'keys', value: (r) => match(r, '/etc/ssh/ssh_host_ed25519_key.pub', /^ssh-ed25519 (\S+)/) },
  { name: 'ssl-cert snakeoil key', made: 'keys', value: (r) => sha(readIf(r, '/etc/ssl/private/ssl-cert-snakeoil.key')) },
  { name: 'ssl-cert snakeoil certificate', made: 'keys', value: (r) => sha(readIf(r, '/etc/ssl/certs/ssl-cert-snakeoil.pem')) },
  ...['rsa', 'ecdsa', 'ed25519'].map((t) => ({ name: `Dropbear ${t} host key`, made: 'keys' as const, value: (r: string) => sha(readIf(r, `/etc/dropbear/dropbear_${t}_host_key`)) })),
  { name: 'iSCSI initiator name', made: 'keys', value: (r) => match(r, '/etc/iscsi/initiatorname.iscsi', /^InitiatorName=(\S+)$/m) },
  { name: 'NVMe host NQN', made: 'keys', value: (r) => match(r, '/etc/nvme/hostnqn', /^(nqn\.\S+)$/m) },
  { name: 'NVMe host ID', made: 'keys', value: (r) => match(r, '/etc/nvme/hostid', /^([0-9a-f-]{36})$/m) },
  { name: 'MUNGE key', made: 'keys', value: (r) => sha(readIf(r, '/etc/munge/munge.key')) },
  { name: 'munged random seed', made: 'boot', value: (r) => sha(readIf(r, '/var/lib/munge/munged.seed')) },
  { name: 'BIND rndc key', made: 'keys', value: (r) => match(r, '/etc/bind/rndc.key', /secret "([^"]+)"/) },
  { name: 'xrdp RDP key pair', made: 'keys', value: (r) => sha(readIf(r, '/etc/xrdp/rsakeys.ini')) },
  { name: 'RabbitMQ Erlang cookie', made: 'keys', value: (r) => readIf(r, '/var/lib/rabbitmq/.erlang.cookie')?.toString('utf8').trim() || undefined },
  { name: 'Yggdrasil private key', made: 'keys', value: (r) => match(r, '/etc/yggdrasil/yggdrasil.conf', /^\s*PrivateKey:\s*([0-9a-f]+)\s*$/m) },
  { name: 'SNMP engine id', made: 'boot', value: (r) => match(r, '/var/lib/snmp/snmpd.conf', /^oldEngineID (\S+)$/m) },
  { name: 'Open vSwitch system-id', made: 'boot', value: (r) => match(r, '/etc/openvswitch/system-id.conf', /^([0-9a-f-]{36})$/m) },
  { name: 'Open vSwitch system-id in its database', made: 'boot', value: (r) => match(r, '/var/lib/openvswitch/conf.db', /"system-id","([0-9a-f-]{36})"/) },
  { name: 'Open vSwitch host name in its database', made: 'boot', value: (r) => match(r, '/var/lib/openvswitch/conf.db', /"hostname","([^"]+)"/) },
  { name: 'i2pd router identity', made: 'boot', value: (r) => sha(readIf(r, '/var/lib/i2pd/router.keys')) },
  { name: 'Docker engine key', made: 'boot', value: (r) => match(r, '/etc/docker/key.json', /"d":"([^"]+)"/) },
  { name: 'Netdata machine GUID', made: 'boot', value: (r) => readIf(r, '/var/lib/netdata/registry/netdata.public.unique.id')?.toString('utf8').trim() || undefined },
  { name: 'Netdata API key', made: 'boot', value: (r) => readIf(r, '/var/lib/netdata/netdata.api.key')?.toString('utf8').trim() || undefined },
  { name: 'Samba machine SID', made: 'boot', value: sambaSid },
];

/** The Yggdrasil configuration but its key lines (and their marks). */
const ygg = (root: string) => readIf(root, '/etc/yggdrasil/yggdrasil.conf')!.toString('utf8').split('\n').filter((l) => !/^\s*(PublicKey|PrivateKey):|# sysprep:/.test(l));

/** What the default providers leave on purpose, reported by verify (regenerating it would destroy data). */
const PG_CONTROL = '/var/lib/postgresql/15/main/global/pg_control';
const pgSystemId = (root: string) => readIf(root, PG_CONTROL)?.readBigUInt64LE(0).toString();

before(() => {
  golden = identityPackagesRoot('bookworm');
  fs.mkdirSync(WORK_DIR, { recursive: true });
  workDir = fs.mkdtempSync(path.join(WORK_DIR, 'package-identity-'));
  const answer = path.join(workDir, 'unattend.xml');
  fs.writeFileSync(answer, ANSWER);
  view = overlayRoot(golden, 'package-identity');
  const started = Date.now();
  const r = sysprep(['--root', view.root, '/generalize', '/oobe', `/unattend:${answer}`, '--verify', 'warn', '--json']);
  assert.equal(r.status, 0, `generalize failed: ${r.stderr}\n${r.stdout.slice(0, 3000)}`);
  sealReport = r.json;
  process.stderr.write(`# generalize of the real-packages root (defaults, with verify): ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  const kernel = findKernel(view.root);
  fs.copyFileSync(kernel.kernel, path.join(workDir, 'vmlinuz'));
  fs.copyFileSync(kernel.initrd, path.join(workDir, 'initrd.img'));
  sealed = { image: buildImage(view.root, path.join(workDir, 'sealed.raw'), { headroomMiB: 768 }), kernel: path.join(workDir, 'vmlinuz'), initrd: path.join(workDir, 'initrd.img') };
});
after(() => {
  view?.dispose();
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
});

describe('packages\' identity on the real-packages root', { concurrency: false }, () => {
  it('the golden machine has every identity item, and no unit had failed on it', (t) => {
    const record = identityPackagesRecord(golden);
    t.diagnostic(`golden first boot: ${record.bootSeconds} s; failed units: ${record.goldenFailed.join(' ') || 'none'}`);
    for (const item of ITEMS) assert.ok(item.value(golden), `the golden machine has a ${item.name}`);
    assert.ok(pgSystemId(golden), 'and a PostgreSQL cluster');
    assert.deepEqual(record.goldenFailed, []);
  });

  it('the seal removes every item, verify finds only the PostgreSQL cluster (with its opt-in fix), and the keys unit has a plan for each item it makes', () => {
    for (const item of ITEMS) {
      if (item.made === 'boot' && item.name.includes('database')) continue; // the database stays, without the keys
      assert.equal(item.value(view.root), undefined, `${item.name}: gone from the sealed image`);
    }
    const db = readIf(view.root, '/var/lib/openvswitch/conf.db')!.toString('utf8');
    assert.ok(!db.includes('system-id') && !db.includes(GOLDEN_HOSTNAME), 'the OVS database holds neither the system-id nor the host name, not even in its history');
    assert.match(db, /"Open_vSwitch"/, 'and is still the database');
    // every other line of the Yggdrasil configuration is the golden machine's, byte for byte
    assert.deepEqual(ygg(view.root), ygg(golden));
    const findings: Finding[] = sealReport.verify.findings;
    const ofGolden = findings.filter((f) => !['/var/lib/sysprep/unattend.xml', '/var/lib/sysprep/state/plans/specialize.cache'].includes(f.path));
    assert.deepEqual(ofGolden.map((f) => `${f.path} ${f.rule}`), [`${PG_CONTROL} unowned/id`], JSON.stringify(ofGolden, null, 1));
    assert.equal(ofGolden[0]!.fix, 'provider postgresql-cluster (off by default: --providers defaults,postgresql-cluster)');
    const plan = decodeRecords(FORMATS.hostKeys, fs.readFileSync(at(view.root, '/var/lib/sysprep/state/plans/host-keys')));
    const makes = plan.filter((r) => r[0] === 'make').map((r) => r[1]).sort();
    assert.deepEqual(makes, ['bind-rndc-key', 'dropbear-ecdsa-host-key', 'dropbear-ed25519-host-key', 'dropbear-rsa-host-key', 'iscsi-initiator-name',
      'munge-key', 'nvme-hostid', 'nvme-hostnqn', 'rabbitmq-cookie', 'ssl-cert-snakeoil', 'xrdp-keys', 'yggdrasil-keys']);
    const dropin = fs.readFileSync(at(view.root, '/usr/lib/systemd/system/sysprep-host-keys.service.d/sysprep-package-keys.conf'), 'utf8');
    for (const unit of ['dropbear.service', 'xrdp.service', 'munge.service', 'named.service', 'iscsid.service', 'rabbitmq-server.service', 'yggdrasil.service', 'postgresql@15-main.service']) {
      assert.match(dropin, new RegExp(`^Before=.*\\b${unit.replace(/[.@]/g, '\\$&')}\\b`, 'm'), `the keys unit starts before ${unit}`);
    }
  });

  it('in a chroot: the keys unit makes each item with the package\'s tool; after a power loss, only what was not finished', () => {
    // the sealed view itself (the image the clones boot was made from it already)
    const s = { root: view.root };
    {
      // a UTS namespace (the clone's name never reaches this machine) and a mount namespace with /proc
      // (the runner sets the running host name there; make-ssl-cert reads it back with hostname -f)
      const inRoot = (argv: string[]) => spawnSync('unshare', ['--uts', '--mount', '--fork', 'sh', '-c',
        'mount --make-rprivate / && mount -t proc proc "$0/proc" && exec chroot "$0" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"', s.root, ...argv],
      { encoding: 'utf8', timeout: 600_000 });
      const spec = inRoot(['/usr/lib/sysprep/firstboot', 'specialize']);
      assert.equal(spec.status, 0, `${spec.stdout}${spec.stderr}`);
      const host = fs.readFileSync(at(s.root, '/etc/hostname'), 'utf8').trim();
      assert.match(host, /^debian-[a-z0-9]{7}$/);
      const started = Date.now();
      const keys = inRoot(['/usr/lib/sysprep/firstboot', 'host-keys']);
      assert.equal(keys.status, 0, `${keys.stdout}${keys.stderr}`);
      const seconds = (Date.now() - started) / 1000;
      const log = fs.readFileSync(at(s.root, '/var/log/sysprep/panther/setupact.log'), 'utf8');
      assert.equal(fs.readFileSync(at(s.root, '/var/log/sysprep/panther/setuperr.log'), 'utf8'), '', 'no error');
      for (const item of ITEMS.filter((i) => i.made === 'keys')) {
        const v = item.value(s.root);
        assert.ok(v, `${item.name} made`);
        assert.notEqual(v, item.value(golden), `${item.name}: not the golden machine's`);
      }
      // made as the packages make them
      const cert = new X509Certificate(fs.readFileSync(at(s.root, '/etc/ssl/certs/ssl-cert-snakeoil.pem')));
      assert.equal(cert.subject, `CN=${host}`, 'the snakeoil certificate names the clone');
      assert.ok(fs.readdirSync(at(s.root, '/etc/ssl/certs')).some((n) => /\.0$/.test(n) && fs.readlinkSync(at(s.root, `/etc/ssl/certs/${n}`)) === 'ssl-cert-snakeoil.pem'), 'with its hash link');
      const uid = (name: string) => Number(/^[^:]+:[^:]*:(\d+):/m.exec(fs.readFileSync(at(s.root, '/etc/passwd'), 'utf8').split('\n').find((l) => l.startsWith(`${name}:`)) ?? '')?.[1]);
      const st = (p: string) => fs.statSync(at(s.root, p));
      assert.equal(st('/etc/munge/munge.key').uid, uid('munge'));
      assert.equal(st('/etc/munge/munge.key').mode & 0o777, 0o400);
      assert.equal(st('/var/lib/rabbitmq/.erlang.cookie').uid, uid('rabbitmq'));
      assert.equal(st('/var/lib/rabbitmq/.erlang.cookie').mode & 0o777, 0o400);
      assert.equal(st('/etc/xrdp/rsakeys.ini').uid, uid('xrdp'));
      assert.equal(st('/etc/iscsi/initiatorname.iscsi').mode & 0o777, 0o600);
      assert.match(match(s.root, '/etc/iscsi/initiatorname.iscsi', /^InitiatorName=(\S+)$/m)!, /^iqn\.1993-08\.org\.debian:01:[0-9a-f]{6,12}$/, "iscsi-iname prints its six random bytes with %x, unpadded");
      assert.equal(st('/etc/yggdrasil/yggdrasil.conf').mode & 0o777, 0o640);
      assert.deepEqual(ygg(s.root), ygg(golden), 'the rest of the Yggdrasil configuration is untouched');
      // Dropbear's keys are the clone's new OpenSSH keys, converted (as dropbear's postinst does)
      const dbPub = inRoot(['dropbearkey', '-y', '-f', '/etc/dropbear/dropbear_ed25519_host_key']).stdout;
      assert.ok(dbPub.includes(match(s.root, '/etc/ssh/ssh_host_ed25519_key.pub', /^ssh-ed25519 (\S+)/)!), 'dropbear shows the same ed25519 host key as sshd');
      for (const id of ['ssl-cert-snakeoil', 'dropbear-rsa-host-key', 'iscsi-initiator-name', 'munge-key', 'yggdrasil-keys']) assert.match(log, new RegExp(`package-keys: made ${id} in \\d+ s`));
      assert.equal(fs.existsSync(at(s.root, '/var/lib/sysprep/state/host-keys.pending')), false);
      assert.equal(fs.existsSync(at(s.root, '/var/lib/sysprep/state/host-keys.done')), false);
      // a power loss after some of them: the marker is back, two items were not finished
      const before = new Map(ITEMS.filter((i) => i.made === 'keys').map((i) => [i.name, i.value(s.root)]));
      const plan = decodeRecords(FORMATS.hostKeys, fs.readFileSync(at(s.root, '/var/lib/sysprep/state/plans/host-keys')));
      const done = plan.filter((r) => r[0] === 'make').map((r) => r[1]!).filter((id) => !['munge-key', 'bind-rndc-key'].includes(id));
      fs.writeFileSync(at(s.root, '/var/lib/sysprep/state/host-keys.pending'), '');
      fs.writeFileSync(at(s.root, '/var/lib/sysprep/state/host-keys.done'), done.map((id) => `${id}\n`).join(''));
      fs.rmSync(at(s.root, '/etc/munge/munge.key'));
      fs.writeFileSync(at(s.root, '/etc/munge/.munge.key.sysprep-4242'), 'half a key');
      const again = inRoot(['/usr/lib/sysprep/firstboot', 'host-keys']);
      assert.equal(again.status, 0, `${again.stdout}${again.stderr}`);
      for (const [name, v] of before) {
        if (name === 'MUNGE key' || name === 'BIND rndc key') assert.notEqual(ITEMS.find((i) => i.name === name)!.value(s.root), v, `${name} made again`);
        else assert.equal(ITEMS.find((i) => i.name === name)!.value(s.root), v, `${name} finished before the power loss: not made again`);
      }
      assert.equal(fs.existsSync(at(s.root, '/etc/munge/.munge.key.sysprep-4242')), false, 'the half-written key of the cut run is gone');
      process.stderr.write(`# the keys unit in a chroot: ${seconds.toFixed(1)} s\n`);
    }
  });

  it('two clones boot in QEMU: each has its own value of every item, and no unit failed', async (t) => {
    const images = [clone(sealed.image, 'clone1.raw'), clone(sealed.image, 'clone2.raw')];
    const started = Date.now();
    // one after the other, with two vCPUs each, as the golden machine booted: a dozen services under
    // emulation start in a race (nmbd waits for an interface that docker makes), and a clone half as fast
    // as the golden machine would lose races the golden machine won
    for (const image of images) {
      const g = startImage({ image, kernel: sealed.kernel, initrd: sealed.initrd, timeoutMs: BOOT_TIMEOUT * 2, memoryMiB: 2048, cpus: 2 });
      try {
        await g.waitFor(/login: $/m, BOOT_TIMEOUT * 2);
        const from = g.serial().length;
        g.type('root\n');
        await g.waitFor(/Password: ?$/m, 120_000, from);
        g.type(`${PASSWORD}\n`);
        await g.waitFor(/[#$] $/m, 120_000, from);
        g.type('timeout 900 systemctl is-system-running --wait; systemctl list-units --failed --plain --no-legend > /root/failed; ' +
          'systemctl list-jobs --no-legend > /root/jobs; systemctl is-active dropbear xrdp munge named rabbitmq-server yggdrasil snmpd ' +
          'openvswitch-switch i2pd docker netdata smbd nmbd postgresql@15-main slapd ssh > /root/active; ' +
          'for u in $(systemctl list-units --failed --plain --no-legend | cut -d" " -f1); do journalctl -b --no-pager -n 30 -u "$u"; done > /root/failed-journal 2>&1; poweroff\n');
        const r = await g.done;
        assert.ok(r.exited, `${path.basename(image)} did not power off by itself\n${tail(r.serial, 60)}`);
      } catch (err) {
        g.kill();
        await g.done;
        throw new Error(`${(err as Error).message}\n--- serial of ${path.basename(image)} ---\n${tail(g.serial(), 80)}`);
      }
    }
    t.diagnostic(`two clones booted one after the other in ${Math.round((Date.now() - started) / 1000)} s`);
    const seen = images.map((image) => withMountedImage(image, { readOnly: true }, (root) => ({
      values: new Map(ITEMS.map((i) => [i.name, i.value(root)])),
      pg: pgSystemId(root),
      failed: fs.readFileSync(at(root, '/root/failed'), 'utf8').trim(),
      journal: fs.readFileSync(at(root, '/root/failed-journal'), 'utf8'),
      active: fs.readFileSync(at(root, '/root/active'), 'utf8').trim().split('\n'),
      host: fs.readFileSync(at(root, '/etc/hostname'), 'utf8').trim(),
      errors: fs.readFileSync(at(root, '/var/log/sysprep/panther/setuperr.log'), 'utf8'),
      made: fs.readFileSync(at(root, '/var/log/sysprep/panther/setupact.log'), 'utf8').split('\n').filter((l) => /ssh-host-keys: generated|package-keys: made/.test(l)).map((l) => l.replace(/^.*SYSPRP /, '')),
      state: fs.readFileSync(at(root, '/var/lib/sysprep/state/State.ini'), 'utf8'),
    })));
    for (const [i, c] of seen.entries()) {
      t.diagnostic(`clone ${i + 1} (${c.host}): failed units: ${c.failed || 'none'}; active: ${c.active.join(' ')}`);
      for (const line of c.made) t.diagnostic(`clone ${i + 1}: ${line}`);
      assert.equal(c.made.filter((l) => l.startsWith('package-keys: made')).length, 12, 'the keys unit made the twelve items');
      assert.match(c.state, /IMAGE_STATE_COMPLETE/);
      assert.equal(c.errors, '', `clone ${i + 1}: setuperr.log is empty`);
      assert.equal(c.failed, '', `clone ${i + 1}: no unit failed (none had on the golden machine)\n${c.journal}`);
      assert.deepEqual(c.active, c.active.map(() => 'active'), `clone ${i + 1}: every service runs`);
    }
    // every item checked, and every problem listed at once
    const problems: string[] = [];
    for (const item of ITEMS) {
      const [a, b] = seen.map((c) => c.values.get(item.name));
      const g = item.value(golden);
      if (!a || !b) problems.push(`${item.name}: each clone has one (${a}, ${b})`);
      else if (a === g || b === g) problems.push(`${item.name}: a clone has the golden machine's (${g})`);
      else if (a === b) problems.push(`${item.name}: the clones share one (${a})`);
      else t.diagnostic(`${item.name}: golden ${g?.slice(0, 24)}…, clone 1 ${a.slice(0, 24)}…, clone 2 ${b.slice(0, 24)}…`);
    }
    assert.deepEqual(problems, []);
    // the decision the defaults leave to the builder: one cluster, reported by verify at the seal
    assert.equal(seen[0]!.pg, pgSystemId(golden));
    assert.equal(seen[1]!.pg, pgSystemId(golden));
  });
});
