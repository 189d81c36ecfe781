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
  /**
   * systemd applies its presets when it boots with machine-id "uninitialized" (a first boot); this
   * file, written by the first-boot-presets provider, makes them change nothing; specialize removes it.
   */
  presetGuard: '/etc/systemd/system-preset/00-sysprep-first-boot.preset',
} as const;
