/**
 * What a provider is: typed metadata plus a validate step (no side effects) and a run step.
 * Built-in providers are modules under src/providers/; external ones are JSON descriptors (issue 5)
 * adapted to the same shape.
 */
import { RootFs } from '../rootfs/rootfs.js';
import { PantherLog } from '../system/panther.js';
import { DistroFamily, Target } from '../system/target.js';

import type { Mode, ProviderPass } from '../model/passes.js';

export interface RunOptions {
  mode: Mode;
  generalize: boolean;
  vm: boolean;
  dryRun: boolean;
  /** user-account provider: accounts to keep / to remove (names; "*" = all) */
  keepUserAccounts: string[];
  removeUserAccounts: string[];
  /**
   * Answer-file generalize settings providers honour (Microsoft-Windows-PnpSysprep):
   * PersistAllDeviceInstalls keeps everything tied to the golden machine's devices (udev naming
   * rules, MAC pins in netplan/NetworkManager/ifcfg, saved backlight/rfkill state), for clones that
   * run on identical hardware; DoNotCleanUpNonPresentDevices keeps the udev rules of devices that are
   * not present.
   */
  persistAllDeviceInstalls: boolean;
  doNotCleanUpNonPresentDevices: boolean;
}

export interface ProviderContext {
  fs: RootFs;
  target: Target;
  log: PantherLog;
  options: RunOptions;
  /** a line for the console's progress display and the log ("reset /etc/machine-id") */
  note(message: string): void;
}

/**
 * Something a package makes for the machine it is installed on, made again on each clone at first
 * boot the way the package itself makes it (issue 12): the package's own tool and options, run by the
 * runner in the keys unit (sysprep-host-keys.service) beside the rest of the boot, which is ordered
 * before the units that use it. Built-in words only: no value from an answer file ever goes here.
 */
export interface Regeneration {
  /** names it in the log and in the record of what is done (a word: "ssl-cert-snakeoil") */
  id: string;
  /**
   * the file the command writes, which argv names `@out`: the runner has it write a temporary file
   * beside it and renames that into place once the command succeeded (a power loss leaves no half
   * key). '' when the command writes its own files, and is safe to run again (it overwrites them).
   */
  out: string;
  /** the command: an absolute path to a program of the image, then its arguments */
  argv: readonly string[];
  /** the units that use what it makes, which start after it */
  before: readonly string[];
}

export interface Provider {
  /** kebab-case; the name used by --providers and in logs */
  id: string;
  /** one line, no trailing period */
  summary: string;
  /** longer text for --help and docs: what state, why it is machine-specific */
  description?: string;
  pass: ProviderPass;
  /** run order within a pass: ascending order, then id; built-ins before external at equal order */
  order?: number;
  defaultEnabled: boolean;
  /** file layouts this provider knows; omitted = every Linux */
  families?: readonly DistroFamily[];
  /** where the provider comes from: built-in, or the descriptor file of an external provider */
  source?: string;
  validate?(ctx: ProviderContext): void | Promise<void>;
  run(ctx: ProviderContext): void | Promise<void>;
  /**
   * Specialize providers: whether run() has anything to do in this image, asked when the first boot is
   * planned (at seal time, or at boot). A built-in provider runs in the Node.js agent, which then has
   * to start: one that says no is left out of the plan. Omitted: it always runs.
   */
  firstBootWork?(fs: RootFs): boolean;
  /**
   * Files (paths or globs in the target) that hold this machine's identity and that this provider
   * removes or renews: `sysprep verify` takes their fingerprints before the seal (SPEC 9), so that a
   * copy left anywhere else is found. The ids inside a text file, or a binary file as a whole.
   */
  identity?: readonly string[];
  /**
   * Generalize providers that remove what a package made for the golden machine and that the package
   * does not make again by itself: what the first boot must make on each clone. Asked when the seal
   * plans the first boot, after the providers ran, of the tree as they left it: an item is given only
   * where its file is missing and the package's tool is in the image.
   */
  regenerate?(fs: RootFs): readonly Regeneration[];
  /** An external provider's entry point for this pass, as the first-boot runner starts it. */
  external?: { command: readonly string[]; timeout: number };
}

export function defineProvider(p: Provider): Provider {
  return Object.freeze({ order: 0, source: 'built-in', ...p });
}

/** Does a provider apply to this target's layout? */
export function appliesTo(p: Provider, target: Target): boolean {
  if (!p.families) return true;
  return target.family !== undefined && p.families.includes(target.family);
}

export function compareProviders(a: Provider, b: Provider): number {
  const oa = a.order ?? 0;
  const ob = b.order ?? 0;
  if (oa !== ob) return oa - ob;
  const ba = a.source === 'built-in' ? 0 : 1;
  const bb = b.source === 'built-in' ? 0 : 1;
  if (ba !== bb) return ba - bb;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * A provider's key in progress records and reports: its id, and for an external provider with entry
 * points in several passes, id:pass (each entry point completes on its own).
 */
export function keyOf(p: Provider): string {
  return p.source === 'built-in' || p.source === undefined ? p.id : `${p.id}:${p.pass}`;
}

/** The run options of a provider that runs outside a whole run (the first boot, `providers test`): the defaults, and what is given. */
export function runOptions(given: Partial<RunOptions> = {}): RunOptions {
  return {
    mode: 'oobe',
    generalize: false,
    vm: false,
    dryRun: false,
    keepUserAccounts: [],
    removeUserAccounts: [],
    persistAllDeviceInstalls: false,
    doNotCleanUpNonPresentDevices: false,
    ...given,
  };
}

/**
 * The one way to make a provider's context (the run, the first boot's agent, `providers test`):
 * `note` goes to the log under the provider's id, and to `onNote` when given (the report's notes).
 */
export function providerContext(
  p: Pick<Provider, 'id'>,
  env: { fs: RootFs; target: Target; log: PantherLog },
  options: RunOptions,
  onNote?: (message: string) => void,
): ProviderContext {
  return {
    fs: env.fs,
    target: env.target,
    log: env.log,
    options,
    note(message) {
      onNote?.(message);
      env.log.info(`${p.id}: ${message}`);
    },
  };
}
