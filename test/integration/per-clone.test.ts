/**
 * Per-clone answer files (SPEC 10, issue 14), booted for real. One sealed image (its own answer file
 * names GOLDEN-IMG) and its clones, started side by side, each given its own answer file by one
 * channel: a systemd credential over SMBIOS type 11 (the `.binary` form: systemd decodes the base64)
 * or over QEMU's fw_cfg (opt/io.systemd.credentials/), a NoCloud seed ISO (genisoimage, label cidata,
 * on an IDE CD-ROM as Proxmox attaches it), an OpenStack ConfigDrive on vfat (config-2), an EC2
 * metadata service (IMDSv2, reached at 169.254.169.254 through QEMU's guestfwd). Each such clone must
 * specialize and finish the OOBE with its own file — host name, account, passwords checked from the
 * booted clone (a login) and its shadow hashes — never with the golden cache, and hold nothing of
 * another clone's file. A metadata service that hangs, and answers garbage when asked again, leaves
 * the clone with the image's own answer file (each fault alone: src/system/per-clone/per-clone.test.ts). (A clone given nothing runs the sealed plans without the agent: first-boot.test (a).)
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { after, describe, it } from 'node:test';
import { withMountedImage } from '../fixtures/disk-image.js';
import { noCloudIso, openStackConfigDrive } from '../fixtures/config-drive.js';
import { startImage } from '../harness/qemu.js';
import { startMetadataServer, type MetadataServer } from '../harness/metadata-server.js';
import {
  BOOT_TIMEOUT, clone, COMPONENT, generalizedImage, INTERNATIONAL, loginAndPowerOff, read, shadowOf, UNATTEND, verifies,
} from '../harness/first-boot.js';

const answerFile = (name: string, password: string) => UNATTEND({
  specialize: COMPONENT('Microsoft-Windows-Shell-Setup', `<ComputerName>${name}</ComputerName><TimeZone>UTC</TimeZone>`) + INTERNATIONAL,
  oobeSystem: COMPONENT('Microsoft-Windows-Shell-Setup',
    `<UserAccounts><AdministratorPassword><Value>${password}</Value><PlainText>true</PlainText></AdministratorPassword>` +
    `<LocalAccounts><LocalAccount wcm:action="add"><Name>ops-${name.toLowerCase()}</Name><Group>Administrators</Group>` +
    `<Password><Value>${password}</Value><PlainText>true</PlainText></Password></LocalAccount></LocalAccounts></UserAccounts>` +
    '<OOBE><HideEULAPage>true</HideEULAPage></OOBE>'),
});

const GOLDEN = { name: 'GOLDEN-IMG', password: 'Golden-Pw-1' };
const WORK = '/var/cache/sysprep-test/work';

let sealed: ReturnType<typeof generalizedImage> | undefined;
/** The sealed image, made once for every test here. */
function image(): ReturnType<typeof generalizedImage> {
  if (sealed) return sealed;
  const golden = `${WORK}/per-clone-golden.xml`;
  fs.mkdirSync(WORK, { recursive: true });
  fs.writeFileSync(golden, answerFile(GOLDEN.name, GOLDEN.password), { mode: 0o600 });
  sealed = generalizedImage('per-clone', ['/oobe', `/unattend:${golden}`]);
  return sealed;
}

interface Clone {
  /** the name and password of the answer file the clone must end with */
  name: string;
  password: string;
  image: string;
  /** how the clone is started (its channel) */
  qemuArgs: string[];
  /** setupact.log must say these */
  logs: RegExp[];
  /** …and must not say these */
  notLogs?: RegExp[];
  /** setuperr.log: empty, or only lines like this (a broken metadata service is a warning) */
  warnings?: RegExp;
}

const servers: MetadataServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

/** Boot every clone side by side, log in as root with the password it must have, power off; then check each. */
async function bootAndCheck(clones: Clone[]): Promise<void> {
  const results = await Promise.allSettled(clones.map(async (c) => {
    const guest = startImage({ image: c.image, kernel: image().kernel, initrd: image().initrd, timeoutMs: BOOT_TIMEOUT, extraArgs: c.qemuArgs });
    try {
      // the root password is the one of the file the clone must have used: the login proves it in the booted clone
      await loginAndPowerOff(guest, 'root', c.password);
      const r = await guest.done;
      assert.ok(r.exited, `${c.name}: the clone powered off`);
    } catch (err) {
      guest.kill();
      await guest.done;
      throw new Error(`${c.image} (${c.name}): ${(err as Error).message}\n${guest.serial().split('\n').slice(-40).join('\n')}\n${searchLines(c.image)}`);
    }
  }));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  const ownNames = clones.map((c) => c.name).filter((n) => n !== GOLDEN.name);
  const ownPasswords = clones.map((c) => c.password).filter((p) => p !== GOLDEN.password);
  for (const c of clones) {
    withMountedImage(c.image, { readOnly: true }, (root) => {
      try {
        checkClone(c, root, ownNames, ownPasswords);
      } catch (err) {
        throw new Error(`${(err as Error).message}\n${searchLinesIn(root)}`);
      }
    });
  }
}

/** What the clone's answer-file search logged, for a failure's message. */
const searchLinesIn = (root: string) => '--- setupact.log (the search) ---\n' +
  read(root, '/var/log/sysprep/panther/setupact.log').split('\n').filter((l) => /channel|candidate|Plan/.test(l)).join('\n');
function searchLines(img: string): string {
  try {
    return withMountedImage(img, { readOnly: true }, searchLinesIn);
  } catch (err) {
    return `(no setupact.log: ${(err as Error).message})`;
  }
}

function checkClone(c: Clone, root: string, ownNames: string[], ownPasswords: string[]): void {
  const where = `${c.image} (${c.name})`;
  assert.equal(read(root, '/etc/hostname'), `${c.name.toLowerCase()}\n`, `${where}: the host name of the file it must have used`);
  const user = `ops-${c.name.toLowerCase()}`;
  assert.ok(verifies(shadowOf(root, user), c.password), `${where}: ${user}'s password is its own`);
  assert.ok(verifies(shadowOf(root, 'root'), c.password), `${where}: root's password is its own`);
  for (const other of [GOLDEN.name, ...ownNames].filter((n) => n !== c.name)) {
    assert.equal(shadowOf(root, `ops-${other.toLowerCase()}`), '', `${where}: no account of ${other}'s file`);
  }
  const log = read(root, '/var/log/sysprep/panther/setupact.log');
  for (const re of c.logs) assert.match(log, re, `${where}: setupact.log`);
  for (const re of c.notLogs ?? []) assert.doesNotMatch(log, re, `${where}: setupact.log`);
  const errors = read(root, '/var/log/sysprep/panther/setuperr.log').split('\n').filter(Boolean);
  if (c.warnings) assert.ok(errors.length > 0 && errors.every((l) => c.warnings!.test(l)), `${where}: setuperr.log holds only the expected warning:\n${errors.join('\n')}`);
  else assert.deepEqual(errors, [], `${where}: setuperr.log`);
  const cache = read(root, '/var/lib/sysprep/unattend.xml');
  assert.ok(cache.includes(`<ComputerName>${c.name}</ComputerName>`), `${where}: the cache is the file it used`);
  for (const f of ['/var/lib/sysprep/unattend.xml', '/var/log/sysprep/panther/setupact.log']) {
    const text = read(root, f);
    for (const p of [GOLDEN.password, ...ownPasswords]) assert.ok(!text.includes(p), `${where}: no password in ${f}`);
    for (const n of ownNames.filter((n) => n !== c.name)) assert.ok(!text.includes(n), `${where}: nothing of ${n} in ${f}`);
  }
  assert.equal(fs.statSync(`${root}/var/lib/sysprep/unattend.xml`).mode & 0o777, 0o600, `${where}: the cache is 0600`);
  assert.equal(fs.existsSync(`${root}/var/lib/sysprep/runtime`), false, `${where}: no unpacked runtime left on the disk once set up`);
}

/** A file beside the clone's image holding its answer file (0600: passwords). */
function answerFileFor(img: string, name: string, password: string): { text: string; file: string } {
  const text = answerFile(name, password);
  const file = `${img}.unattend.xml`;
  fs.writeFileSync(file, text, { mode: 0o600 });
  return { text, file };
}

const TAKEN = (origin: string) => new RegExp(`\\[${origin}\\]: taken, it has settings for the specialize pass`);
/** the OOBE pass was planned with the clone's file when specialize took it: its boot did not start the agent again */
const PLANNED_AHEAD = /Planned at boot, ahead: oobe/;
const OOBE_PLANNED_AT_BOOT = /Planned at boot: oobe/;

describe('per-clone answer files in QEMU', { concurrency: false }, () => {
  it('systemd credentials (SMBIOS type 11 twice, fw_cfg) and config drives (cidata ISO on a CD-ROM, config-2 on vfat): each clone its own name, account and passwords', async () => {
    const img = image();
    const credential = (name: string, password: string, file: string, how: 'smbios' | 'fw_cfg'): Clone => {
      const a = answerFileFor(file, name, password);
      return {
        name, password, image: file,
        qemuArgs: how === 'fw_cfg'
          ? ['-fw_cfg', `name=opt/io.systemd.credentials/sysprep.unattend,file=${a.file}`]
          : ['-smbios', `type=11,value=io.systemd.credential.binary:sysprep.unattend=${Buffer.from(a.text).toString('base64')}`],
        logs: [TAKEN('credential'), PLANNED_AHEAD, /the systemd credential sysprep\.unattend holds an answer file; planning again/],
        notLogs: [OOBE_PLANNED_AT_BOOT],
      };
    };
    const d = clone(img.image, 'd.raw');
    const dFile = answerFileFor(d, 'CLONE-D', 'Clone-D-Pw-4');
    const e = clone(img.image, 'e.raw');
    const eFile = answerFileFor(e, 'CLONE-E', 'Clone-E-Pw-5');
    await bootAndCheck([
      credential('CLONE-A', 'Clone-A-Pw-1', clone(img.image, 'a.raw'), 'smbios'),
      credential('CLONE-B', 'Clone-B-Pw-2', clone(img.image, 'b.raw'), 'smbios'),
      credential('CLONE-C', 'Clone-C-Pw-3', clone(img.image, 'c.raw'), 'fw_cfg'),
      {
        name: 'CLONE-D', password: 'Clone-D-Pw-4', image: d,
        qemuArgs: ['-drive', `file=${noCloudIso(`${d}.seed.iso`, dFile.text, 'clone-d')},format=raw,media=cdrom,readonly=on`],
        logs: [/a config drive labelled cidata is attached; planning again/, TAKEN('config-drive'), PLANNED_AHEAD],
        notLogs: [OOBE_PLANNED_AT_BOOT],
      },
      {
        name: 'CLONE-E', password: 'Clone-E-Pw-5', image: e,
        qemuArgs: ['-drive', `file=${openStackConfigDrive(`${e}.config-2.img`, eFile.text, 'clone-e')},format=raw,if=virtio,readonly=on`],
        logs: [/a config drive labelled config-2 is attached; planning again/, TAKEN('config-drive'), /openstack\/latest\/user_data on/],
      },
    ]);
  });

  // the metadata clones by themselves: their requests have a timeout, and five guests on two cores
  // starve each other more than any real platform would
  it('an EC2 metadata service (IMDSv2); a service that hangs, then answers garbage, leaves the image\'s own file', async () => {
    const img = image();
    const f = clone(img.image, 'f.raw');
    const fFile = answerFileFor(f, 'CLONE-F', 'Clone-F-Pw-6');
    const imds = await startMetadataServer('imdsv2', fFile.text);
    const broken = await startMetadataServer('hang-then-garbage');
    servers.push(imds, broken);
    await bootAndCheck([
      {
        name: 'CLONE-F', password: 'Clone-F-Pw-6', image: f, qemuArgs: imds.qemuArgs,
        logs: [/DMI says this is ec2 \(sys_vendor\)/, TAKEN('metadata'), PLANNED_AHEAD],
        notLogs: [OOBE_PLANNED_AT_BOOT],
      },
      {
        // a service that does not answer, then answers bytes that are not HTTP when asked again
        ...GOLDEN, image: clone(img.image, 'broken.raw'), qemuArgs: broken.qemuArgs,
        logs: [
          /PUT \/latest\/api\/token: no answer within 5 s; asking again, waiting 10 s/,
          /the ec2 metadata service at http:\/\/169\.254\.169\.254: (?!no answer).+; skipped/,
          /\[cache\]: taken, it has settings for the specialize pass/,
        ],
        notLogs: [/\[metadata\]: taken/],
        warnings: /Warning .*the ec2 metadata service at http:\/\/169\.254\.169\.254: .+; skipped$/,
      },
    ]);
    // IMDSv2: a token first, then the user-data with it, never without; once (the OOBE pass was planned with it)
    assert.deepEqual(imds.requests, ['PUT /latest/api/token', 'GET /latest/user-data token']);
    assert.ok(!imds.requests.includes('GET /latest/user-data'), `user-data was never asked without the token: ${imds.requests.join(', ')}`);
    assert.ok(broken.requests.length >= 2, `the broken service was asked, and asked again (${broken.requests.length} connections)`);
  });

  // the image above carries the runtime packed (the default: a Debian clone's /run is noexec, so the
  // launcher unpacks it onto the disk, and the OOBE removes it); this one the runtime as it is
  it('sealed with --agent full: the agent plans a clone\'s credential on the runtime as it is', async () => {
    withMountedImage(image().image, { readOnly: true }, (root) => {
      const names = fs.readdirSync(`${root}/usr/lib/sysprep`);
      assert.ok(names.some((n) => n.startsWith('runtime.')) && !names.includes('node'), `the default image carries the runtime packed: ${names.join(' ')}`);
    });
    const golden = `${WORK}/per-clone-golden-full.xml`;
    fs.writeFileSync(golden, answerFile(GOLDEN.name, GOLDEN.password), { mode: 0o600 });
    const full = generalizedImage('per-clone-full', ['/oobe', `/unattend:${golden}`, '--agent', 'full']);
    const g = clone(full.image, 'full-g.raw');
    const a = answerFileFor(g, 'CLONE-G', 'Clone-G-Pw-7');
    await bootAndCheck([{
      name: 'CLONE-G', password: 'Clone-G-Pw-7', image: g,
      qemuArgs: ['-smbios', `type=11,value=io.systemd.credential.binary:sysprep.unattend=${Buffer.from(a.text).toString('base64')}`],
      logs: [TAKEN('credential'), PLANNED_AHEAD],
      notLogs: [OOBE_PLANNED_AT_BOOT],
    }]);
    withMountedImage(g, { readOnly: true }, (root) => {
      const names = fs.readdirSync(`${root}/usr/lib/sysprep`);
      assert.ok(names.includes('node') && !names.some((n) => n.startsWith('runtime.')), names.join(' '));
    });
  });
});
