/**
 * One request type from the argument parser (and the dialog) to the run: what the user asked for.
 */
import type { Mode } from './passes.js';

export type PowerAction = 'quit' | 'reboot' | 'shutdown';

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
  /** the options as the user spelled them, upper-cased, for the log (ParseCommands) */
  optionsSeen: string[];
}
