/**
 * Per-clone answer files (SPEC 10): the channels a hypervisor or a cloud uses to hand one clone of an
 * image its own answer file, as both the TypeScript search (src/system/per-clone/) and the first-boot
 * runner (bash: these are rendered into its generated constants) know them. Defined once.
 */

/** The systemd credential that holds a whole answer file (`.binary` on the hypervisor side: systemd decodes it). */
export const CREDENTIAL_NAME = 'sysprep.unattend';
/** Where systemd (v252+) puts the system credentials it imported from SMBIOS type 11, fw_cfg and the kernel command line. */
export const SYSTEM_CREDENTIALS_DIR = '/run/credentials/@system';

/**
 * The per-clone answer file a pass took, as "ORIGIN SHA256" (0600, beside the plans): while the same
 * file is offered again, the cache (that file, its passes marked processed) stands for it. The seal
 * removes it with the plans, so a re-sealed image takes its clones' files again.
 */
export const PER_CLONE_TAKEN = '/var/lib/sysprep/state/plans/per-clone';

/** Config drives: a file system with one of these labels, and where its user-data is (the first that exists). */
export const CONFIG_DRIVES = [
  { labels: ['cidata', 'CIDATA'], kind: 'NoCloud', userData: ['user-data'] },
  { labels: ['config-2', 'CONFIG-2'], kind: 'OpenStack ConfigDrive', userData: ['openstack/latest/user_data'] },
] as const;

/**
 * Block devices probed for a config drive: those of /proc/partitions but these major numbers — RAM
 * disks (1) and floppies (2): probing an empty floppy drive costs a read error on the console and a
 * quarter of a second under emulation, and no config drive is one.
 */
export const PROBE_SKIP_MAJORS = [1, 2] as const;

export type Cloud = 'ec2' | 'openstack' | 'gce';

/**
 * When the platform says it is a cloud: a file of /sys/class/dmi/id and its value (trimmed; `^`: the
 * value starts with it, case-insensitively). The rules cloud-init's ds-identify uses for these clouds.
 * Written "CLOUD FILE OP VALUE" so that the runner reads the same table.
 */
export const CLOUD_DMI_RULES = [
  'ec2 sys_vendor = Amazon EC2',
  'ec2 bios_vendor = Amazon EC2',
  'ec2 product_uuid ^ ec2',
  'openstack product_name = OpenStack Nova',
  'openstack product_name = OpenStack Compute',
  'openstack chassis_asset_tag = OpenStack Nova',
  'openstack chassis_asset_tag = OpenTelekomCloud',
  'gce product_name = Google Compute Engine',
  'gce bios_vendor = Google',
] as const;

export const DMI_DIR = '/sys/class/dmi/id';

export interface CloudDmiRule {
  cloud: Cloud;
  file: string;
  op: '=' | '^';
  value: string;
}

export function cloudDmiRules(): CloudDmiRule[] {
  return CLOUD_DMI_RULES.map((line) => {
    const [cloud, file, op, ...value] = line.split(' ');
    return { cloud: cloud as Cloud, file: file!, op: op as '=' | '^', value: value.join(' ') };
  });
}

/** The metadata services, at the link-local address every one of these clouds answers on. */
export const METADATA = {
  address: '169.254.169.254',
  /**
   * Each request (connecting and the whole answer) waits this long, and once more twice as long when
   * the service did not answer or refused the connection: only a machine DMI names as that cloud asks,
   * where the service should be there, and an emulated or busy one can be slow to answer.
   */
  timeoutMs: 5000,
  attempts: 2,
  ec2: {
    token: { method: 'PUT', path: '/latest/api/token', headers: { 'X-aws-ec2-metadata-token-ttl-seconds': '60' } },
    tokenHeader: 'X-aws-ec2-metadata-token',
    userData: '/latest/user-data',
  },
  openstack: { userData: '/openstack/latest/user_data', headers: {} },
  gce: { userData: '/computeMetadata/v1/instance/attributes/user-data', headers: { 'Metadata-Flavor': 'Google' } },
} as const;

/** The origins of the per-clone channels, in the order they are tried (local media before the network). */
export const PER_CLONE_ORIGINS = ['credential', 'config-drive', 'metadata'] as const;
export type PerCloneOrigin = (typeof PER_CLONE_ORIGINS)[number];
