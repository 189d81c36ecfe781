/** --help, generated from the option table and the provider registry so it cannot fall behind. */
import { PROVIDER_PASSES } from '../model/passes.js';
import { compareProviders } from '../providers/api.js';
import { BUILT_IN_PROVIDERS } from '../providers/index.js';

const USAGE = `Usage:
  sysprep [/oobe | /audit] [/generalize] [/mode:vm] [/reboot | /shutdown | /quit] [/quiet] [/unattend:FILE]
          [--root DIR | --image FILE] [--dry-run] [--json] [--providers LIST]
          [--keep-user-accounts U,…] [--remove-user-accounts U,…] [--verify warn|fail|off[,forget]]
  sysprep state     [--root DIR] [--json]     show the image state
  sysprep verify    [--root DIR | --image FILE] [--json] [--fingerprints FILE] [--record]
                                              prove the seal: the original machine's identity, secrets,
                                              keys and ids no package owns, anywhere (exit 1: findings)
  sysprep providers [--root DIR] [--json]     list built-in and registered providers
  sysprep rearm     [--root DIR]              accept an upgraded OS as the image's OS
  sysprep                                     on a terminal: the System Preparation Tool dialog
`;

const OPTIONS = `
Options (case-insensitive; /name, -name and --name are the same; /name:VALUE, --name VALUE, --name=VALUE):
  /oobe              after the run, boot into the first-run setup (OOBE). The default.
  /audit             after the run, boot into audit mode (root logs in to customize; sticky until /oobe).
  /generalize        remove everything that makes this system this machine (the generalize providers).
                     Without it only the cleanup providers run.
  /mode:vm           generalize a VM to be redeployed on the same hypervisor. Needs /generalize and /oobe;
                     refuses /audit and /unattend, and refuses to run outside a virtual machine.
  /reboot            reboot the running system when done (not with --root/--image).
  /shutdown          power off the running system when done (not with --root/--image).
  /quit              just exit when done. The default.
  /quiet             print nothing but errors.
  /unattend:FILE     use this answer file (unattend.xml); it is cached in the image for later passes.
  --root DIR         work on an offline root file system (a mounted image, a chroot, a debootstrap tree).
                     Default: / (the running system).
  --image FILE       work on a raw or qcow2 disk image.
  --dry-run          run every step but change nothing; report what would change.
  --json             print one JSON document (providers run, paths changed, warnings, state) on stdout.
  --providers LIST   which providers run: comma-separated "defaults", "all", "NAME" (add), "-NAME" (remove),
                     applied left to right; repeatable. Without it: the defaults (marked * below).
  --keep-user-accounts U,…    user-account provider: never remove these accounts.
  --remove-user-accounts U,…  user-account provider: remove only these accounts (keep wins).
  --verify MODE      /generalize ends with a verify of the sealed image: warn (the default: findings are
                     warnings), fail (findings fail the run: UNDEPLOYABLE), off; ",forget" also removes
                     the fingerprint record afterwards. See docs/verify.md.
  --help, /?         this text.   --version  the version.

Exit codes: 0 done; 1 a provider failed (state stays IMAGE_STATE_UNDEPLOYABLE; rerun to finish);
2 bad usage or input, nothing changed; 3 environment (not root, another instance, upgraded OS, not an OS root),
nothing changed; 4 a provider's validation refused, nothing changed.
`;

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
  return lines.join('\n') + '\n';
}

export function helpText(short = false): string {
  if (short) return USAGE + '\nRun "sysprep --help" for the options and providers.\n';
  return USAGE + OPTIONS + '\nProviders (* = on by default; [families] = only for those file layouts):\n' + providerTable();
}
