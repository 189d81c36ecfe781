/**
 * sysprep(8), generated from the sources --help and the generated docs use (a test keeps
 * docs/sysprep.8 in step with the code and checks it with groff -ww): the synopsis and the option
 * table of help.ts, the provider registry, the answer-file model (the rows of docs/answer-file.md) and
 * the model's paths. A small roff writer, not a dependency: the page uses .TH .SH .SS .TP .PP .nf .fi
 * .B .I and nothing else.
 */
import { COMPONENTS } from '../answer-file/schema.js';
import { PROVIDER_PASSES } from '../model/passes.js';
import { FIRSTBOOT, FIRSTBOOT_CONF, GENERATOR, PATHS } from '../model/paths.js';
import { VERSION } from '../model/version.js';
import { DEVICE_OPERATIONS } from '../model/devices.js';
import { compareProviders } from '../providers/api.js';
import { BUILT_IN_PROVIDERS } from '../providers/index.js';
import { rowsOf } from './answer-file-docs.js';
import { EXIT_CODES, HELP_OPTIONS, USAGE } from './help.js';
import { CREDENTIAL_NAME } from '../model/per-clone.js';

/**
 * Text for roff: backslashes escaped, no line starting with a control character, characters outside
 * ASCII as \[uXXXX] (groff reads its input as Latin-1 unless preconv runs first; this needs neither).
 */
export function roffText(s: string): string {
  const out = s
    .replace(/\\/g, '\\e')
    .replace(/[^\x00-\x7f]/gu, (c) => `\\[u${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}]`)
    .split('\n')
    .map((l) => (/^[.']/.test(l) ? `\\&${l}` : l))
    .join('\n');
  return out;
}

/** An option, command or file name: its hyphens are minus signs (what the user types), set in bold. */
const literal = (s: string) => roffText(s).replace(/-/g, '\\-');

/** Bold option names inside a help line (`--root/--image`, `/generalize`), the rest as text. */
function withOptions(s: string): string {
  return roffText(s).replace(/(^|[\s(])((?:--?|\/)[a-z?][a-z-]*(?::[A-Za-z]+)?)/g, (_m, pre: string, opt: string) => `${pre}\\fB${opt.replace(/-/g, '\\-')}\\fR`);
}

const DESCRIPTION = [
  'sysprep is Windows Sysprep re-made for Linux system images. You customize one golden Linux system, run',
  '.B "sysprep /generalize /oobe /shutdown"',
  'and capture it; every clone boots with its own identity. It works on the running system, on an offline root',
  '(a mounted image, a chroot, a debootstrap tree) or on a raw or qcow2 disk image, speaks Windows\' command line,',
  'image states, Panther logs and unattend.xml answer files, and is extended by vendors\' providers.',
  '.PP',
  'Every run cleans (the cleanup providers);',
  '.B /generalize',
  'also removes the machine\'s identity (machine-id, SSH host keys, host name, network pins and leases, seeds,',
  'what packages made for this machine) and plans the next boot: the clone\'s first boot runs the specialize pass,',
  'then the OOBE (or audit mode). The first-boot agent and its own runtime are installed into the image under',
  `.I ${literal(PATHS.agentDir)}`,
  'so the clone needs nothing installed. A',
  '.B /generalize',
  'ends with',
  '.BR "sysprep verify" ,',
  'which looks for the original machine\'s identity and secrets anywhere in the sealed image.',
  '.PP',
  'Options are case-insensitive and may be written',
  '.BR /generalize ", " \\-generalize " or " \\-\\-generalize ;',
  '.BR /unattend:F ", " "\\-\\-unattend F" " and " \\-\\-unattend=F',
  'are the same. A run, and anything else that changes or mounts a system, needs root.',
];

function providersSection(): string[] {
  const out = ['.SH PROVIDERS', 'Built-in providers, by pass. Those marked', '.I default', 'run unless', '.B \\-\\-providers',
    'says otherwise; the others are opt-in. A provider limited to some file layouts names them.'];
  for (const pass of PROVIDER_PASSES) {
    const ps = BUILT_IN_PROVIDERS.filter((p) => p.pass === pass).sort(compareProviders);
    if (!ps.length) continue;
    out.push(`.SS ${pass === 'cleanup' ? 'Cleanup pass (every run)' : pass === 'generalize' ? 'Generalize pass (with /generalize)' : `${pass[0]!.toUpperCase()}${pass.slice(1)} pass (first boot)`}`);
    for (const p of ps) {
      const tags = [p.defaultEnabled ? 'default' : 'opt-in', ...(p.families ? [p.families.join(', ')] : [])].join('; ');
      out.push('.TP', `.BR ${literal(p.id)} " (${roffText(tags)})"`, roffText(p.summary) + '.');
    }
  }
  out.push('.SS Device phase (with --image and /generalize)',
    'Operations on the image\'s block devices, selected with the same',
    '.B \\-\\-providers',
    'grammar, after the providers: the references in fstab, crypttab, the boot loader configuration and',
    'kernel command lines, resume= and the initramfs are rewritten to the new ids. Naming one with',
    '.B \\-\\-root',
    'is a usage error.');
  for (const o of DEVICE_OPERATIONS) out.push('.TP', `.BR ${literal(o.id)} " (${o.defaultEnabled ? 'default' : 'opt-in'})"`, roffText(o.summary) + '.');
  return out;
}

function answerFileSection(): string[] {
  const out = [
    '.SH ANSWER FILES',
    'An answer file is an unattend.xml in the Windows format (UTF-8 or UTF-16, namespaces,',
    '.BR wcm:action ,',
    'hidden passwords), read strictly: DOCTYPEs and entities are refused, errors name file, line and column.',
    '.B /unattend:FILE',
    'or the implicit search (the kernel command line\'s',
    '.BR sysprep.unattend= ,',
    'at a clone\'s first boot the systemd credential',
    `.B ${CREDENTIAL_NAME}`,
    '(SMBIOS type 11, fw_cfg), a cidata or config-2 config drive, or the EC2/OpenStack/GCE metadata service where DMI names that cloud,',
    'the cache, removable or SYSPREP/OEMDRV media,',
    '.IR /etc/sysprep/unattend.xml ", " /unattend.xml )',
    'picks it; it is cached at',
    `.I ${literal(PATHS.cachedUnattend)}`,
    '(mode 0600), passes are marked processed and the secrets they used scrubbed.',
    '.B "sysprep unattend check FILE"',
    'says per pass what each setting does. The settings sysprep models, by component, with the passes they are',
    'valid in (what each does on Linux: the answer-file documentation):',
  ];
  for (const c of COMPONENTS) {
    out.push(`.SS ${roffText(c.name)}`);
    for (const r of rowsOf(c)) {
      const what = r.ignored ? `Ignored on Linux: ${r.ignored}` : r.spec.linux ?? '';
      out.push('.TP', `.B ${literal(r.path)}`, roffText(`${r.passes.join(', ')}.${what ? ` ${what.replace(/`/g, '')}` : ''}`.replace(/\s*\n\s*/g, ' ')));
    }
  }
  return out;
}

function filesSection(): string[] {
  const files: [string, string][] = [
    [PATHS.agentDir, 'the first-boot agent: the runner (firstboot), the bundled tool on its own Node.js runtime, the CLDR data; vendors\' providers in providers.d/'],
    [GENERATOR, 'pulls in the first-boot units at boot when the image state asks for them (nothing in IMAGE_STATE_COMPLETE)'],
    [PATHS.stateIni, 'the image state'],
    [PATHS.progress, 'which provider of which run completed (a rerun resumes)'],
    [`${PATHS.sysprepPanther}/setupact.log`, 'the log of sysprep runs; setuperr.log beside it holds the warnings and errors'],
    [PATHS.successTag, 'written when a run succeeded'],
    [PATHS.cachedUnattend, 'the cached answer file (0600)'],
    [PATHS.fingerprints, 'the golden machine\'s fingerprints as salted digests (0600), for sysprep verify'],
    [PATHS.firstBootPanther, 'the first boot\'s logs'],
    [PATHS.adminProviders, 'administrators\' provider descriptors (JSON); they override the vendors\' of the same name'],
    ['/etc/sysprep/scripts/setupcomplete', 'run at the end of the first boot (and errorhandler on failure)'],
    [FIRSTBOOT_CONF, 'first-boot settings (RunSynchronousTimeout=SECONDS)'],
    [FIRSTBOOT, 'the first-boot runner (bash) the units start'],
  ];
  const out = ['.SH FILES'];
  for (const [f, what] of files) out.push('.TP', `.I ${literal(f)}`, roffText(what) + '.');
  return out;
}

export function manPage(): string {
  const synopsis = USAGE.split('\n').slice(1).filter(Boolean).map((l) => l.replace(/^ {2}/, ''));
  const lines = [
    '.\\" generated by `node dist/src/cli/man-page.js > docs/sysprep.8` from the sources of --help; do not edit by hand',
    `.TH SYSPREP 8 "" "sysprep ${VERSION}" "System Administration"`,
    '.SH NAME',
    'sysprep \\- System Preparation for Linux images: generalize, specialize, OOBE and audit mode',
    '.SH SYNOPSIS',
    '.nf',
    ...synopsis.map((l) => literal(l)),
    '.fi',
    '.SH DESCRIPTION',
    ...DESCRIPTION,
    '.SH OPTIONS',
  ];
  for (const o of HELP_OPTIONS) {
    lines.push('.TP', `.B ${literal(o.term).replace(/ /g, '\\ ')}`, withOptions(o.lines.join(' ').replace(/ \(marked \* below\)/, ' (see PROVIDERS)').replace(/ See docs\/verify\.md\./, '')));
  }
  lines.push(...providersSection(), ...answerFileSection(), ...filesSection(), '.SH EXIT STATUS');
  for (const [code, what] of EXIT_CODES) lines.push('.TP', `.B ${code}`, roffText(what) + '.');
  lines.push(
    '.SH EXAMPLES',
    '.nf',
    ...[
      'sysprep /generalize /oobe /shutdown               # the running system: seal it and power off',
      'sysprep \\-\\-root /mnt/image /generalize \\-\\-dry\\-run   # what would change; nothing is written',
      'sysprep \\-\\-image disk.qcow2 /generalize /unattend:unattend.xml',
      'sysprep unattend check unattend.xml',
      'sysprep verify \\-\\-root /mnt/image',
    ],
    '.fi',
    '.SH SEE ALSO',
    '.BR systemd.generator (7),',
    '.BR machine\\-id (5),',
    '.BR chroot (8).',
    'The documentation in',
    '.IR /usr/share/doc/sysprep/ :',
    'README.md, answer-file.md (every setting), built-in-providers.md, providers.md (writing a provider), verify.md.',
    '',
  );
  return lines.join('\n');
}

if (process.argv[1]?.endsWith('man-page.js')) process.stdout.write(manPage());
