import { defineProvider, type Regeneration } from './api.js';
import { configText, removeFile } from './_identity.js';

/**
 * The NVMe host identity of nvme-cli: /etc/nvme/hostnqn (the host NQN) and /etc/nvme/hostid (a
 * UUID), which nvme-cli's postinst makes for this machine (`nvme gen-hostnqn`, `uuidgen`). NVMe-oF
 * targets admit hosts by NQN, and a subsystem refuses a second connection with a host NQN and host ID
 * it already has: clones sharing them lock each other out of their storage (the NVMe base
 * specification; nvme-connect(1)).
 *
 * At generalize both go when they hold what the postinst makes (an NQN of the nqn.2014-08.org.nvmexpress:uuid:
 * form, a UUID); a host NQN the builder wrote in another form stays. At first boot the clone writes
 * each as the postinst does, before the units that connect (nvmf-autoconnect).
 */
const HOSTNQN = '/etc/nvme/hostnqn';
const HOSTID = '/etc/nvme/hostid';
const GENERATED_NQN = /^nqn\.2014-08\.org\.nvmexpress:uuid:[0-9a-f-]{36}\s*$/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\s*$/i;
const USERS = ['nvmf-autoconnect.service', 'nvmefc-boot-connections.service'];

/**
 * The postinst's `nvme gen-hostnqn`, which takes the UUID from the machine's firmware (DMI
 * product_uuid). A virtual machine whose hypervisor sets none (QEMU without -uuid) reports all zeros,
 * and every such clone would get the same NQN: then a random UUID in the same form, as nvme-cli makes
 * where the firmware gives none. (Found by booting two clones: both had uuid:00000000-….)
 */
const GEN_HOSTNQN = `nqn=$(/usr/sbin/nvme gen-hostnqn) || exit 1
case $nqn in *uuid:00000000-0000-0000-0000-000000000000|'') nqn="nqn.2014-08.org.nvmexpress:uuid:$(/usr/bin/uuidgen -r)" ;; esac
printf '%s\n' "$nqn" > "$1"`;

export default defineProvider({
  id: 'nvme-host-id',
  summary: "Remove nvme-cli's generated host NQN and host ID; the clone makes its own at first boot",
  pass: 'generalize',
  defaultEnabled: true,
  identity: [HOSTNQN, HOSTID],
  run(ctx) {
    let n = 0;
    const nqn = configText(ctx, HOSTNQN);
    if (nqn !== undefined) {
      if (GENERATED_NQN.test(nqn)) n += removeFile(ctx, 'nvme-host-id', HOSTNQN, 'generated host NQN') ? 1 : 0;
      else ctx.log.info(`nvme-host-id: ${HOSTNQN} is not a generated uuid NQN; it stays`);
    }
    const id = configText(ctx, HOSTID);
    if (id !== undefined && UUID.test(id)) n += removeFile(ctx, 'nvme-host-id', HOSTID, 'generated host ID') ? 1 : 0;
    if (n) ctx.note('removed the NVMe host identity; the clone makes its own at first boot');
  },
  regenerate(fs) {
    if (!fs.isDirectory('/etc/nvme')) return [];
    const out: Regeneration[] = [];
    // the postinst's commands: `nvme gen-hostnqn > /etc/nvme/hostnqn`, `uuidgen > /etc/nvme/hostid`
    if (!fs.exists(HOSTNQN) && fs.isFile('/usr/sbin/nvme')) {
      out.push({ id: 'nvme-hostnqn', out: HOSTNQN, argv: ['/bin/sh', '-c', GEN_HOSTNQN, 'nvme-hostnqn', '@out'], before: USERS });
    }
    if (!fs.exists(HOSTID) && fs.isFile('/usr/bin/uuidgen')) {
      out.push({ id: 'nvme-hostid', out: HOSTID, argv: ['/bin/sh', '-c', '/usr/bin/uuidgen > "$1"', 'nvme-hostid', '@out'], before: USERS });
    }
    return out;
  },
});
