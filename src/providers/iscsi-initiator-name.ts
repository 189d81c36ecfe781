import { runInTarget } from '../system/chroot.js';
import { diff, recordDiff, snapshot, type Tree } from '../system/tree.js';
import { defineProvider, type ProviderContext } from './api.js';
import { configText, removeFile } from './_identity.js';

/**
 * The iSCSI initiator name of open-iscsi. Its postinst makes one for this machine (`iscsi-iname -p
 * iqn.1993-08.org.debian:01`, in /etc/iscsi/initiatorname.iscsi with a "must be unique" warning); a
 * target's access lists are written for it, and two initiators with one name take each other's
 * sessions. The file's own header says: "Do NOT duplicate iSCSI InitiatorNames".
 *
 * At generalize the file goes when it holds a generated name (one under the Debian prefix the
 * postinst uses, iqn.1993-08.org.debian:01:…); a name the builder chose (another prefix) is deliberate
 * and stays, as does `GenerateName=yes`, which open-iscsi's own startup check turns into a name at the
 * first start. At first boot the clone writes the file as the postinst does, with its own name, before
 * iscsid and open-iscsi start.
 *
 * open-iscsi's initramfs hook copies the file into every initramfs (for a root on iSCSI): once the
 * file is gone, the initramfs is rebuilt (`update-initramfs -u -k all`, in the image), so that no copy
 * of the golden machine's name stays in /boot. A clone whose root is on iSCSI takes its name from the
 * firmware (iBFT) or the kernel command line at that first boot, as any iSCSI-root installation does
 * before its own name exists; running update-initramfs on it afterwards puts its own name in.
 */
export const INITIATOR_NAME = '/etc/iscsi/initiatorname.iscsi';
const PREFIX = 'iqn.1993-08.org.debian:01';
const INAME = '/usr/sbin/iscsi-iname';

/** The postinst's lines, word for word ("$1" is the file the runner has the script write). */
const POSTINST = `INAME=$(${INAME} -p ${PREFIX}) && [ -n "$INAME" ] || exit 1
{
echo "## DO NOT EDIT OR REMOVE THIS FILE!"
echo "## If you remove this file, the iSCSI daemon will not start."
echo "## If you change the InitiatorName, existing access control lists"
echo "## may reject this initiator.  The InitiatorName must be unique"
echo "## for each iSCSI initiator.  Do NOT duplicate iSCSI InitiatorNames."
printf "InitiatorName=%s\\n" "$INAME"
} > "$1" && chmod 600 "$1"`;

const HOOK = '/usr/share/initramfs-tools/hooks/iscsi';

/** The initramfs images hold a copy of the name (open-iscsi's hook): make them again without it. */
function rebuildInitramfs(ctx: ProviderContext): void {
  const images = ctx.fs.glob('/boot/initrd.img-*');
  if (!ctx.fs.isFile(HOOK) || !images.length || !ctx.fs.isFile('/usr/sbin/update-initramfs')) return;
  if (ctx.options.dryRun) {
    ctx.note('would rebuild the initramfs without the name (update-initramfs -u -k all)');
    return;
  }
  // what update-initramfs changes (the images, its own checksums in /var/lib/initramfs-tools), listed
  const dirs = ['/boot', '/var/lib/initramfs-tools'];
  const snap = (): Tree => new Map(dirs.flatMap((d) => [...snapshot(ctx.fs.resolve(d))].map(([p, e]) => [p === '/' ? d : `${d}${p}`, e] as const)));
  const before = snap();
  const r = runInTarget(ctx.fs, ['update-initramfs', '-u', '-k', 'all'], { timeoutMs: 900_000 });
  if (r.status !== 0) throw new Error(`update-initramfs -u -k all failed with exit code ${r.status}: ${r.output.trim().split('\n').slice(-3).join(' ')}`);
  const d = diff(before, snap());
  recordDiff(ctx.fs, d, 'rebuilt without the initiator name');
  const rebuilt = d.changed.filter((p) => p.startsWith('/boot/'));
  ctx.note(`rebuilt ${rebuilt.join(', ') || 'the initramfs'} without the golden machine's initiator name`);
}

export default defineProvider({
  id: 'iscsi-initiator-name',
  summary: "Remove open-iscsi's generated initiator name; the clone makes its own (iscsi-iname) at first boot",
  pass: 'generalize',
  defaultEnabled: true,
  identity: [INITIATOR_NAME],
  run(ctx) {
    const text = configText(ctx, INITIATOR_NAME);
    if (text === undefined) return;
    const name = /^\s*InitiatorName\s*=\s*(\S+)/m.exec(text)?.[1];
    if (!name) return;
    if (!name.startsWith(`${PREFIX}:`)) {
      ctx.log.info(`iscsi-initiator-name: ${INITIATOR_NAME} names an initiator the builder chose (not under ${PREFIX}); it stays`);
      return;
    }
    if (!removeFile(ctx, 'iscsi-initiator-name', INITIATOR_NAME, 'generated initiator name')) return;
    ctx.note('removed the generated iSCSI initiator name; the clone makes its own at first boot');
    rebuildInitramfs(ctx);
  },
  regenerate(fs) {
    if (fs.exists(INITIATOR_NAME) || !fs.isFile(INAME) || !fs.isDirectory('/etc/iscsi')) return [];
    return [{ id: 'iscsi-initiator-name', out: INITIATOR_NAME, argv: ['/bin/sh', '-c', POSTINST, 'iscsi-initiator-name', '@out'], before: ['iscsid.service', 'iscsid.socket', 'open-iscsi.service'] }];
  },
});
