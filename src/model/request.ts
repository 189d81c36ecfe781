/**
 * One request type from the argument parser (and the dialog) to the run: what the user asked for.
 */
import type { Mode } from './passes.js';

export type PowerAction = 'quit' | 'reboot' | 'shutdown';

export const AGENT_MODES = ['packed', 'full', 'none'] as const;
export type AgentMode = (typeof AGENT_MODES)[number];

export interface ImageMount {
  /** in-image mount point */
  mountpoint: string;
  /** "partition 2", "logical volume sysvg/root", "the whole disk" */
  source: string;
  fstype: string;
}

export interface RunRequest {
  mode: Mode;
  generalize: boolean;
  vm: boolean;
  power: PowerAction;
  quiet: boolean;
  dryRun: boolean;
  unattend?: string;
  /** host path of the target's root ("/" = the running system) */
  root: string;
  /** with --image: the image file whose root is mounted at `root` */
  imageFile?: string;
  /** with --image: what was mounted where ("/" first), for the log and the report */
  imageMounts?: ImageMount[];
  providerLists: string[];
  keepUserAccounts: string[];
  removeUserAccounts: string[];
  /**
   * /generalize ends with `sysprep verify` of the sealed image (SPEC 9): findings are logged (warn, the
   * default), or fail the run and leave the image UNDEPLOYABLE (fail); off skips it.
   */
  verify: 'warn' | 'fail' | 'off';
  /** remove the golden machine's fingerprint record once the seal is verified */
  forgetFingerprints: boolean;
  /**
   * How the Node.js agent goes into an image that has no sysprep package (SPEC 3 step 5; issue 15):
   * `packed` (the default) compressed, unpacked into /run (or the disk, when /run is small) by a boot
   * that needs it; `full` the runtime as it is; `none` no runtime and no bundle: the boot refuses what
   * needs the agent.
   */
  agent: AgentMode;
  /** the options as the user spelled them, upper-cased, for the log (ParseCommands) */
  optionsSeen: string[];
}
