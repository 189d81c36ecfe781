/** --help, generated from the option table and the provider registry so it cannot fall behind. */
import { PROVIDER_PASSES } from '../model/passes.js';
import { DEVICE_OPERATIONS } from '../model/devices.js';
import { compareProviders } from '../providers/api.js';
import { BUILT_IN_PROVIDERS } from '../providers/index.js';

/** The synopsis: --help's first lines and the man page's SYNOPSIS. */
export const USAGE = `Usage:
  sysprep [/oobe | /audit] [/generalize] [/mode:vm] [/reboot | /shutdown | /quit] [/quiet] [/unattend:FILE]
          [--root DIR | --image FILE] [--dry-run] [--json] [--providers LIST]
          [--keep-user-accounts U,…] [--remove-user-accounts U,…] [--verify warn|fail|off[,forget]]
          [--agent full|packed|none]
  sysprep state     [--root DIR] [--json]     show the image state
  sysprep verify    [--root DIR | --image FILE] [--json] [--fingerprints FILE] [--record]
                                              prove the seal: the original machine's identity, secrets,
                                              keys and ids no package owns, anywhere (exit 1: findings)
  sysprep providers [--root DIR] [--json]     list built-in and registered providers
  sysprep rearm     [--root DIR]              accept an upgraded OS as the image's OS
  sysprep drivers add  [--root DIR | --image FILE] [--dry-run] [--json] [--load-at-boot] PATH…
                                              add driver packages (.deb/.rpm), .ko modules, DKMS sources
                                              or firmware with the target's own tools (SPEC 11)
  sysprep drivers list [--root DIR | --image FILE] [--json]
                                              list the target's out-of-tree modules, DKMS sources and
                                              what drivers add added
  sysprep                                     on a terminal: the System Preparation Tool dialog
`;

/** One option of --help and of sysprep(8): its spelling and what it does, as lines of --help. */
export interface HelpOption {
  term: string;
  lines: readonly string[];
}

/** The options, in --help's order (the man page renders the same table: src/cli/man-page.ts). */
export const HELP_OPTIONS: readonly HelpOption[] = [
  { term: '/oobe', lines: ['after the run, boot into the first-run setup (OOBE). The default.'] },
  { term: '/audit', lines: ['after the run, boot into audit mode (root logs in to customize; sticky until /oobe).'] },
  { term: '/generalize', lines: ['remove everything that makes this system this machine (the generalize providers).', 'Without it only the cleanup providers run.'] },
  { term: '/mode:vm', lines: ['generalize a VM to be redeployed on the same hypervisor: a host-only initramfs and device', 'state are kept, identity is still removed. Needs /generalize and /oobe; refuses /audit and', '/unattend; on the running system, refuses to run outside a virtual machine.'] },
  { term: '/reboot', lines: ['reboot the running system when done (not with --root/--image).'] },
  { term: '/shutdown', lines: ['power off the running system when done (not with --root/--image).'] },
  { term: '/quit', lines: ['just exit when done. The default.'] },
  { term: '/quiet', lines: ['print nothing but errors.'] },
  { term: '/unattend:FILE', lines: ['use this answer file (unattend.xml); it is cached in the image for later passes.'] },
  { term: '--root DIR', lines: ['work on an offline root file system (a mounted image, a chroot, a debootstrap tree).', 'Default: / (the running system).'] },
  { term: '--image FILE', lines: ['work on a raw or qcow2 disk image.'] },
  { term: '--dry-run', lines: ['run every step but change nothing; report what would change.'] },
  { term: '--json', lines: ['print one JSON document (providers run, paths changed, warnings, state) on stdout.'] },
  { term: '--providers LIST', lines: ['which providers run: comma-separated "defaults", "all", "NAME" (add), "-NAME" (remove),', 'applied left to right; repeatable. Without it: the defaults (marked * below).'] },
  { term: '--keep-user-accounts U,…', lines: ['user-account provider: never remove these accounts.'] },
  { term: '--remove-user-accounts U,…', lines: ['user-account provider: remove only these accounts (keep wins).'] },
  { term: '--verify MODE', lines: ['/generalize ends with a verify of the sealed image: warn (the default: findings are', 'warnings), fail (findings fail the run: UNDEPLOYABLE), off; ",forget" also removes', 'the fingerprint record afterwards. See docs/verify.md.'] },
    { term: '--agent MODE', lines: ['How /generalize puts the first-boot agent into an image without the sysprep package: packed (the', 'default: its Node.js runtime compressed, 22 MiB; a boot that needs the agent, as a clone given its', 'own answer file does, first unpacks it into /run/sysprep or /var/lib/sysprep: about a second of CPU,', 'ten under emulation), full (the runtime as it is, 83 MiB: better for images whose clones mostly get', 'their own answer files), none (the runner only, 0.1 MiB: a boot refuses what needs the agent, logs', 'why, and runs the plans made at the seal).'] },
  { term: '--load-at-boot', lines: ['drivers add: load the added modules at every boot, from the initramfs (modules-load.d', 'and the initramfs tool\'s module list; the initramfs is rebuilt).'] },
  { term: '--help, /?', lines: ['this text.'] },
  { term: '--version', lines: ['the version.'] },
];

/** The exit codes (SPEC 2), for --help and the man page. */
export const EXIT_CODES: readonly (readonly [number, string])[] = [
  [0, 'done'],
  [1, 'a provider failed (state stays IMAGE_STATE_UNDEPLOYABLE; rerun to finish)'],
  [2, 'bad usage or input, nothing changed'],
  [3, 'environment (not root, another instance, upgraded OS, not an OS root), nothing changed'],
  [4, "a provider's validation refused, nothing changed"],
];

/** Greedy word wrap (--help's paragraphs). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let cur = '';
  for (const word of text.split(' ')) {
    if (cur && cur.length + 1 + word.length > width) {
      lines.push(cur);
      cur = word;
    } else cur = cur ? `${cur} ${word}` : word;
  }
  if (cur) lines.push(cur);
  return lines;
}

function optionsText(): string {
  const out = ['', 'Options (case-insensitive; /name, -name and --name are the same; /name:VALUE, --name VALUE, --name=VALUE):'];
  const width = 19;
  const wide = Math.max(...HELP_OPTIONS.map((o) => o.term.length)) + 2;
  for (const o of HELP_OPTIONS) {
    const col = o.term.length < width - 1 ? width : wide;
    o.lines.forEach((l, i) => out.push(`  ${(i ? '' : o.term).padEnd(col)}${l}`));
  }
  out.push('', ...wrap(`Exit codes: ${EXIT_CODES.map(([c, t]) => `${c} ${t}`).join('; ')}.`, 110));
  return out.join('\n') + '\n';
}

export function providerTable(): string {
  const lines: string[] = [];
  for (const pass of PROVIDER_PASSES) {
    const ps = BUILT_IN_PROVIDERS.filter((p) => p.pass === pass).sort(compareProviders);
    if (!ps.length) continue;
    lines.push(`  ${pass} pass${pass === 'cleanup' ? ' (every run)' : pass === 'generalize' ? ' (with /generalize)' : ' (first boot)'}:`);
    for (const p of ps) {
      const fam = p.families ? ` [${p.families.join(', ')}]` : '';
      lines.push(`  ${p.defaultEnabled ? '*' : ' '} ${p.id.padEnd(24)} ${p.summary}${fam}`);
    }
  }
  lines.push('  device phase (--image with /generalize):');
  for (const o of DEVICE_OPERATIONS) lines.push(`  ${o.defaultEnabled ? '*' : ' '} ${o.id.padEnd(24)} ${o.summary}`);
  return lines.join('\n') + '\n';
}

export function helpText(short = false): string {
  if (short) return USAGE + '\nRun "sysprep --help" for the options and providers.\n';
  return USAGE + optionsText() + '\nProviders (* = on by default; [families] = only for those file layouts):\n' + providerTable();
}
