/**
 * Every path, marker and environment name sysprep shares between its parts: the run (TypeScript), the
 * first-boot runner (bash: its constants are generated from this file, src/firstboot/contract.ts) and
 * the generator. Defined once; a test keeps the generated copies current.
 */

/** sysprep's own trees in a target: its records (never identity to remove), and the first boot's logs. */
export const SYSPREP_LIB = '/var/lib/sysprep';
export const SYSPREP_LOG = '/var/log/sysprep';

/** Where sysprep keeps things inside a target (SPEC section 5). */
export const PATHS = {
  agentDir: '/usr/lib/sysprep',
  stateDir: '/var/lib/sysprep/state',
  stateIni: '/var/lib/sysprep/state/State.ini',
  installIni: '/var/lib/sysprep/state/Install.ini',
  /** what the answer file said about the image: DuplicatorDescription, RegisteredOwner, … */
  imageIni: '/var/lib/sysprep/state/Image.ini',
  progress: '/var/lib/sysprep/state/progress.json',
  lock: '/var/lib/sysprep/sysprep.lock',
  sysprepPanther: '/var/lib/sysprep/panther',
  successTag: '/var/lib/sysprep/sysprep_succeeded.tag',
  firstBootPanther: '/var/log/sysprep/panther',
  unattendGc: '/var/log/sysprep/panther/unattendgc',
  cachedUnattend: '/var/lib/sysprep/unattend.xml',
  adminProviders: '/etc/sysprep/providers.d',
  vendorProviders: '/usr/lib/sysprep/providers.d',
  /** the first-boot plans the seal (or the agent at boot) wrote, 0700 */
  planDir: '/var/lib/sysprep/state/plans',
  /**
   * systemd applies its presets when it boots with machine-id "uninitialized" (a first boot); this
   * file, written by the first-boot-presets provider, makes them change nothing; specialize removes it.
   */
  presetGuard: '/etc/systemd/system-preset/00-sysprep-first-boot.preset',
  /** the golden machine's fingerprints (salted digests, 0600), recorded at the start of /generalize (SPEC 9) */
  fingerprints: '/var/lib/sysprep/fingerprints.json',
  /** findings `sysprep verify` does not report: one rule or path pattern a line (SPEC 9) */
  verifyAllow: '/etc/sysprep/verify-allow',
} as const;

/** The first-boot agent as installed into an image. */
export const AGENT_DIR = PATHS.agentDir;
/** the whole tool, on its own Node.js runtime: plans at boot, the interactive OOBE, audit mode's dialog */
export const AGENT = `${AGENT_DIR}/sysprep`;
/** the first-boot runner (bash): carries out the plans */
export const FIRSTBOOT = `${AGENT_DIR}/firstboot`;
/** the bundled tool the agent runs (absent from an image sealed with `--agent none`) */
export const AGENT_BUNDLE = `${AGENT_DIR}/sysprep.mjs`;
/** the agent's runtime, as `--agent full` installs it (and a sysprep package) */
export const AGENT_RUNTIME = `${AGENT_DIR}/node`;
/**
 * The runtime as `--agent packed` installs it: one archive holding `node`, in the first form the image
 * can unpack with its own tools (xz; else dpkg-deb, which reads a .deb's xz member itself; else gzip).
 * `unpack` writes the tar to its output; `kib` prints the unpacked size in KiB (from the archive's own
 * index: the .deb's Installed-Size, which src/firstboot/runtime-archives.ts writes), for the launcher
 * to choose where the runtime fits.
 */
export const PACKED_RUNTIMES = [
  // -T0: on as many threads as the machine has, where xz can (5.4 and later; the build writes blocks)
  {
    file: `${AGENT_DIR}/runtime.tar.xz`, needs: ['/usr/bin/xz', '/bin/xz'], unpack: 'xz -dc -T0',
    kib: 'xz --robot --list "$f" | while read -r k _ _ _ u _; do [ "$k" = totals ] && echo $((u / 1024)); done',
  },
  {
    file: `${AGENT_DIR}/runtime.deb`, needs: ['/usr/bin/dpkg-deb'], unpack: 'dpkg-deb --fsys-tarfile',
    kib: 'dpkg-deb --field "$f" Installed-Size',
  },
  {
    file: `${AGENT_DIR}/runtime.tar.gz`, needs: ['/usr/bin/gzip', '/bin/gzip'], unpack: 'gzip -dc',
    kib: 'gzip --list "$f" | { read -r _ && read -r _ u _ && echo $((u / 1024)); }',
  },
] as const;
/** where a boot unpacks a packed runtime (memory; gone at the next boot) */
export const UNPACKED_RUNTIME_DIR = '/run/sysprep/runtime';
/**
 * where it unpacks it when programs may not run from /run (initramfs-tools mounts it noexec) or it is
 * too small (a tenth of the memory there): the disk, removed by the first boot once the clone is set
 * up, and by a seal
 */
export const DISK_RUNTIME_DIR = `${SYSPREP_LIB}/runtime`;
/** what the tarball's install.sh installed (scripts/install.sh: MANIFEST; a test keeps the two alike) */
export const TARBALL_MANIFEST = `${AGENT_DIR}/install.manifest`;
export const UNIT_DIR = '/usr/lib/systemd/system';
export const GENERATOR = '/usr/lib/systemd/system-generators/sysprep-generator';
export const PROFILE_HOOK = '/etc/profile.d/sysprep.sh';

/** Markers the first boot keeps in the state directory. */
export const MARKERS = {
  specializeInProgress: '/var/lib/sysprep/state/specialize.inprogress',
  oobeInProgress: '/var/lib/sysprep/state/oobe.inprogress',
  logonPending: '/var/lib/sysprep/state/logon-pending',
  /** the clone's SSH host keys are still to be made (left by the seal, removed by the host-keys unit) */
  hostKeysPending: '/var/lib/sysprep/state/host-keys.pending',
  /** the ids of the packages' keys and ids the host-keys unit has made (a line each), until it is done */
  hostKeysDone: '/var/lib/sysprep/state/host-keys.done',
  /** the steps of the running phase: a "PHASE TARGET TIME" line, then "STEP-ID TIME" lines */
  steps: '/var/lib/sysprep/state/firstboot.steps',
  /** AutoLogon: "USER COUNT" */
  autologon: '/var/lib/sysprep/state/autologon',
  firstLogonCommands: '/var/lib/sysprep/firstlogon/commands',
} as const;

/** The console login prompts the OOBE and audit mode stand in front of, and autologin replaces. */
export const CONSOLE_GETTYS = ['getty@tty1.service', 'serial-getty@ttyS0.service'] as const;

/** The PATH every command sysprep starts inside a target gets. */
export const SAFE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The environment of an external provider's entry point (SPEC 7), by the run and by the runner alike. */
export const PROVIDER_ENV = {
  pass: 'SYSPREP_PASS',
  mode: 'SYSPREP_MODE',
  vm: 'SYSPREP_VM',
  dryRun: 'SYSPREP_DRY_RUN',
  log: 'SYSPREP_LOG',
  provider: 'SYSPREP_PROVIDER',
} as const;

/** The first boot's settings (KEY=VALUE lines, read as data, never sourced): RunSynchronousTimeout. */
export const FIRSTBOOT_CONF = '/etc/sysprep/firstboot.conf';

/**
 * How the first boot gives up and waits. A phase that failed RETRY_CAP times in a row the same way
 * (the same step, the same reason) is no longer started at boot (the runner counts in PHASE.failures,
 * the generator reads the count). RunSynchronous has no timeout on Windows; here the default is an
 * hour, RunSynchronousTimeout in FIRSTBOOT_CONF overrides it (0: none).
 */
export const FIRSTBOOT_LIMITS = {
  retryCap: 3,
  runSyncTimeoutSeconds: 3600,
} as const;
