/**
 * docs/answer-file.md, generated from the answer-file model (a test keeps the file in step with the code):
 * what sysprep does with unattend.xml, then per modelled component (schema.ts) a table setting → what
 * happens on Linux → passes → value rules, the data mappings (mappings.ts) and what is ignored on Linux
 * (catalog.ts and the `ignored` settings of the model).
 *
 * "What happens on Linux" is the model's own text: the `linux` line of a setting, or its describe()
 * run by `unattend check` on representative examples (EXAMPLES). Where the code that applies the settings
 * (src/seal/ at sysprep time, src/firstboot/plan/ and the runner at first boot) does less than, or differs from,
 * the model, STATUS says so; the test checks that settings marked as unread are still read by nothing.
 */
import { componentSources, REFERENCE_SOURCES, WINDOWS_COMPONENTS, windowsSettings } from '../answer-file/catalog.js';
import { checkAnswerFile } from '../answer-file/check.js';
import {
  chassisForDeviceForm, localeForLanguageTag, localeForLcid, timeZoneForWindowsId, windowsTimeZoneIds, WINDOWS_GROUP_ROLES,
  xkbForInputLocale,
} from '../answer-file/mappings.js';
import { parseAnswerFile } from '../answer-file/reader.js';
import { childSpec, COMPONENTS, type ComponentSpec, type SettingSpec, type ValueRule } from '../answer-file/schema.js';
import { SENSITIVE_DATA_DELETED, UNATTEND_NS, WCM_NS } from '../answer-file/types.js';
import { type AnswerPass } from '../model/passes.js';
import { ANSWER_PASSES, OFFLINE_SERVICING_SETTINGS, SYSPREP_ANSWER_PASSES } from '../model/passes.js';
import { MAX_ANSWER_FILE_BYTES } from '../answer-file/xml.js';
import { PATHS } from '../model/paths.js';
import { CONFIG_DRIVES, CREDENTIAL_NAME, METADATA, SYSTEM_CREDENTIALS_DIR } from '../model/per-clone.js';

// ---------------------------------------------------------------------------------------------------------
// What the code applies today

export interface SettingStatus {
  /** Passes sysprep runs in which nothing applies the setting yet; 'all' for every one of them. */
  notApplied?: readonly AnswerPass[] | 'all';
  /** How the code applies it, where that differs from (or adds to) the model's text. */
  note?: string;
  /**
   * The PassSettings field (settings.ts) that no code of src/seal/ or src/firstboot/ reads yet; the
   * test fails when one starts to, so that this table is updated with it.
   */
  unread?: string;
}

const LOCALE_NOTE = 'applied yet as one locale: LANG is set (/etc/default/locale or /etc/locale.conf) from UserLocale, else ' +
  'SystemLocale, else UILanguage; the LC_* formats are not set separately';
const REGISTRATION_NOTE = 'the first value of the generalize, specialize or oobeSystem pass is written to ' +
  `${PATHS.imageIni} when sysprep runs, shown by \`sysprep state --json\` and on the interactive OOBE's welcome screen`;

/** Keyed by `Short/Path` (the setting's path as the tables show it). Checked against src/seal/ and src/firstboot/. */
export const STATUS: Readonly<Record<string, SettingStatus>> = {
  'Deployment/Reseal': {
    note: 'applied after the other settings of its pass, by the Windows 10 table: Mode Audit in auditUser restarts (or, with ' +
      'ForceShutdownNow, shuts down) into audit mode; without Mode in auditUser the System Preparation Tool dialog asks',
  },
  'Deployment/RunSynchronous/RunSynchronousCommand': {
    note: 'WillReboot OnRequest: exit 0 goes on, 1 restarts then runs the next command, 2 restarts and runs it again, ' +
      'any other code fails the pass; otherwise a non-zero exit is logged, not fatal. Output goes to the UnattendGC log',
  },
  'Deployment/RunAsynchronous/RunAsynchronousCommand': {
    note: 'after the pass\'s RunSynchronous commands, each started as a transient systemd unit of its own ' +
      '(sysprep-async-PASS-ORDER.service; its output is in the journal); Credentials are not used',
  },
  'Deployment/AuditComputerName': { note: 'the host name is set at once, as ComputerName does; MustReboot then restarts the machine once' },
  'Deployment/ExtendOSPartition': {
    note: 'ext2/3/4, XFS and btrfs, with the image\'s sfdisk, partx and resize2fs / xfs_growfs / btrfs (a GPT backup header is ' +
      'moved to the disk\'s end first); a root file system on a whole disk is grown alone; LVM, RAID and missing tools are ' +
      'logged and left alone; a failure is a warning, not the end of the pass (best effort, as on Windows). In the generalize ' +
      'pass it extends the running system only (not an offline --root or --image); at first boot it starts the Node.js agent',
  },
  'Deployment/DuplicatorDescription': {
    note: `written to ${PATHS.imageIni} by \`sysprep /generalize\`, shown by \`sysprep state --json\` and on the interactive OOBE's welcome screen`,
  },
  'Deployment/DeviceForm': { note: 'CHASSIS= in /etc/machine-info, which hostnamectl set-chassis writes; a code without a systemd chassis type is logged and skipped' },
  'PnpSysprep/PersistAllDeviceInstalls': {
    note: 'applied by the generalize providers udev-persistent-net, net-hwaddr, netplan, networkmanager and hardware-state ' +
      "(systemd's saved backlight and rfkill state is kept too), and initramfs-hostonly keeps a host-only initramfs; without it " +
      'a host-only initramfs (initramfs-tools MODULES=dep, dracut hostonly=yes) is made generic and rebuilt in the image',
  },
  'PnpSysprep/DoNotCleanUpNonPresentDevices': {
    note: 'applied yet as: the udev persistent network rules are kept (all of them, by udev-persistent-net); nothing else changes',
  },
  'Shell-Setup/ComputerName': {
    note: 'the host name is the name in lower case, other characters turned into "-"; the pretty host name is not set yet',
  },
  'Shell-Setup/TimeZone': { note: 'an IANA name (Europe/Berlin) present in /usr/share/zoneinfo is taken as it is' },
  'Shell-Setup/RegisteredOwner': { note: REGISTRATION_NOTE },
  'Shell-Setup/RegisteredOrganization': { note: REGISTRATION_NOTE },
  'Shell-Setup/CopyProfile': { note: 'copies the regular dot-files of /root, not histories, caches or .ssh' },
  'Shell-Setup/UserAccounts/LocalAccounts/LocalAccount': {
    note: 'the login name is the Name in lower case; a Group that is neither a Windows built-in group nor a group of the ' +
      'image is skipped with a warning; Description is not used',
  },
  'Shell-Setup/AutoLogon': {
    note: 'getty@tty1 and serial-getty@ttyS0 log the user on until LogonCount logons (1 when not given) are used up, counted ' +
      'before each automatic logon; LogonCount 0 logs nobody on; in auditSystem, Administrator (root) is logged on by audit mode anyway. Domain is not used',
  },
  'Shell-Setup/FirstLogonCommands/SynchronousCommand': {
    note: 'run with /bin/sh, in Order, at the first logon of every user (not only the OOBE user); RequiresUserInput is not used',
  },
  'Shell-Setup/OOBE/SkipMachineOOBE': {
    note: '`unattend check` reports it as ignored, but the first-boot OOBE reads it: true skips the licence, locale, keyboard, ' +
      'time-zone and computer-name pages',
  },
  'Shell-Setup/OOBE/SkipUserOOBE': {
    note: '`unattend check` reports it as ignored, but the first-boot OOBE reads it: true skips the page that creates the first user',
  },
  'International-Core/InputLocale': {
    note: 'only the first keyboard is set yet (/etc/default/keyboard or /etc/vconsole.conf, no xorg.conf.d file); its layout and ' +
      "variant come from the image's evdev.xml when it has one, else the keyboard's country",
  },
  'International-Core/SystemLocale': { note: LOCALE_NOTE },
  'International-Core/UILanguage': { note: LOCALE_NOTE },
  'International-Core/UserLocale': { note: LOCALE_NOTE },
  'International-Core/UILanguageFallback': { note: 'LANGUAGE= is set to the UI language, then the fallback (de_DE:en_US), with LANG' },
};

// ---------------------------------------------------------------------------------------------------------
// Representative examples, run through `unattend check` for the model's text

interface Example {
  /** For a leaf: its value; for a container: its inner XML. */
  xml: string;
  /** Default: the first pass sysprep runs that the setting is valid in. */
  pass?: AnswerPass;
  /** Default for a leaf: the value in code. */
  label?: string;
}

const PASSWORD = '<Password><Value>example</Value><PlainText>true</PlainText></Password>';

/** Keyed like STATUS. Booleans and enums need none (every value is shown); ignored settings need none. */
export const EXAMPLES: Readonly<Record<string, readonly Example[]>> = {
  'Deployment/Reseal': [
    { pass: 'auditSystem', xml: '<Mode>OOBE</Mode>', label: 'auditSystem, Mode OOBE' },
    { pass: 'auditSystem', xml: '<Mode>Audit</Mode><ForceShutdownNow>true</ForceShutdownNow>', label: 'auditSystem, Mode Audit, ForceShutdownNow' },
    { pass: 'auditUser', xml: '<Mode>OOBE</Mode>', label: 'auditUser, Mode OOBE' },
    { pass: 'auditUser', xml: '<ForceShutdownNow>false</ForceShutdownNow>', label: 'auditUser, no Mode' },
    { pass: 'oobeSystem', xml: '<Mode>Audit</Mode>', label: 'oobeSystem, Mode Audit' },
  ],
  'Deployment/Generalize': [
    { xml: '<Mode>OOBE</Mode><ForceShutdownNow>true</ForceShutdownNow>', label: 'Mode OOBE, ForceShutdownNow' },
    { xml: '<Mode>Audit</Mode>', label: 'Mode Audit' },
  ],
  'Deployment/RunSynchronous/RunSynchronousCommand': [
    { pass: 'specialize', xml: '<Order>1</Order><Path>/usr/local/sbin/site-setup</Path>', label: 'specialize' },
    { pass: 'auditUser', xml: '<Order>2</Order><Path>apt-get -y upgrade</Path><WillReboot>OnRequest</WillReboot>', label: 'auditUser' },
  ],
  'Deployment/RunAsynchronous/RunAsynchronousCommand': [
    { pass: 'specialize', xml: '<Order>1</Order><Path>/usr/local/sbin/warm-cache</Path>', label: 'specialize' },
  ],
  'Deployment/AuditComputerName': [{ xml: '<Name>AUDIT01</Name><MustReboot>true</MustReboot>', label: 'Name AUDIT01, MustReboot' }],
  'Deployment/ExtendOSPartition': [
    { xml: '<Extend>true</Extend>', label: 'Extend' },
    { xml: '<Extend>true</Extend><Size>20480</Size>', label: 'Extend, Size 20480' },
  ],
  'Deployment/DuplicatorDescription': [{ xml: 'Golden image 2024-06' }],
  'Deployment/DeviceForm': [{ xml: '3' }, { xml: '4' }],
  'Shell-Setup/ComputerName': [{ xml: '*' }, { xml: 'WEB01' }],
  'Shell-Setup/TimeZone': [{ xml: 'W. Europe Standard Time' }],
  'Shell-Setup/RegisteredOwner': [{ xml: 'Contoso IT' }],
  'Shell-Setup/RegisteredOrganization': [{ xml: 'Contoso' }],
  'Shell-Setup/UserAccounts/AdministratorPassword': [
    { xml: '<Value>example</Value><PlainText>true</PlainText>', label: 'a password' },
    { xml: '<Value></Value><PlainText>true</PlainText>', label: 'empty Value' },
  ],
  'Shell-Setup/UserAccounts/LocalAccounts/LocalAccount': [{
    xml: `<Name>alice</Name><DisplayName>Alice Example</DisplayName><Group>Administrators;Users</Group>${PASSWORD}`,
    label: 'e.g.',
  }],
  'Shell-Setup/AutoLogon': [
    { xml: `<Enabled>true</Enabled><Username>Administrator</Username><LogonCount>2</LogonCount>${PASSWORD}`, pass: 'oobeSystem', label: 'Enabled, Username Administrator, LogonCount 2' },
  ],
  'Shell-Setup/FirstLogonCommands/SynchronousCommand': [{ xml: '<Order>1</Order><CommandLine>/usr/local/bin/welcome</CommandLine>', label: 'e.g.' }],
  'International-Core/InputLocale': [{ xml: '0407:00000407;en-US' }],
  'International-Core/SystemLocale': [{ xml: 'de-DE' }],
  'International-Core/UILanguage': [{ xml: 'de-DE' }],
  'International-Core/UILanguageFallback': [{ xml: 'en-US' }],
  'International-Core/UserLocale': [{ xml: 'de-CH' }],
};

// ---------------------------------------------------------------------------------------------------------
// Rows

/** A row of a component table: a setting `unattend check` reports as one line (or an ignored container). */
export interface Row {
  component: ComponentSpec;
  /** Path inside the component (`UserAccounts/LocalAccounts/LocalAccount`). */
  path: string;
  /** The specs from the top-level setting down to this one. */
  chain: SettingSpec[];
  spec: SettingSpec;
  /** The passes of the top-level setting. */
  passes: readonly AnswerPass[];
  /** The reason it is ignored on Linux (its own or an ancestor's). */
  ignored?: string;
}

/** The rows of a component, in model order (the same units `unattend check` reports). */
export function rowsOf(component: ComponentSpec): Row[] {
  const rows: Row[] = [];
  const walk = (spec: SettingSpec, chain: SettingSpec[], passes: readonly AnswerPass[], ignored: string | undefined) => {
    const path = [...chain, spec].map((s) => s.name).join('/');
    const ign = ignored ?? spec.ignored;
    const isRow = spec.unit === true || spec.item !== undefined || spec.value !== undefined || (spec.ignored !== undefined && !ignored);
    if (isRow || !spec.children) {
      rows.push({ component, path, chain: [...chain, spec], spec, passes, ...(ign !== undefined ? { ignored: ign } : {}) });
      return;
    }
    for (const c of spec.children) walk(c, [...chain, spec], passes, ign);
  };
  for (const s of component.settings) walk(s, [], s.passes ?? [], undefined);
  return rows;
}

const key = (r: Row) => `${r.component.short}/${r.path}`;
const code = (s: string) => (s.includes('`') ? `\`\` ${s} \`\`` : `\`${s}\``);
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const SENSITIVE = code(SENSITIVE_DATA_DELETED);

function valueRule(rule: ValueRule): string {
  switch (rule.kind) {
    case 'boolean': return '`true` or `false` (any case)';
    case 'integer':
      if (rule.min !== undefined && rule.max !== undefined) return `whole number ${rule.min}–${rule.max}`;
      if (rule.min !== undefined) return `whole number ≥ ${rule.min}`;
      return 'whole number';
    case 'enum': return `${rule.values.map(code).join(', ')} (any case)`;
    case 'string': {
      const parts = ['text'];
      if (rule.maxLength !== undefined) parts.push(`at most ${rule.maxLength} characters`);
      parts.push(rule.empty ? 'may be empty' : 'not empty');
      if (rule.check || rule.advise) {
        if (!rule.rule) throw new Error('a string value rule with check or advise needs its rule text (schema.ts)');
        return `${parts.join(', ')}; ${rule.rule}`;
      }
      return parts.join(', ');
    }
  }
}

function itemText(spec: SettingSpec): string {
  if (!spec.item) return '';
  const k = 'key' in spec.item ? `key ${code(spec.item.key)}` : 'key `wcm:keyValue`';
  return `list item (\`wcm:action\` add, modify or remove), ${k}, unique`;
}

function flags(spec: SettingSpec, parentIgnored: boolean): string[] {
  const f: string[] = [];
  if (spec.required) f.push('required');
  if (spec.sensitive) f.push('secret');
  if (spec.deprecated) f.push(spec.deprecated);
  if (spec.ignored && !parentIgnored) f.push(`ignored on Linux: ${spec.ignored}`);
  return f;
}

/** The value column: the rule of a leaf, or the children of a container with theirs. */
function valueColumn(row: Row): string {
  const s = row.spec;
  const parts: string[] = [];
  if (s.item) parts.push(itemText(s));
  if (s.sensitive) parts.push(`secret: never shown or logged, replaced by ${SENSITIVE} in the cache after its pass`);
  if (s.deprecated) parts.push(s.deprecated);
  if (s.value) parts.push(valueRule(s.value));
  const child = (c: SettingSpec): string => {
    const f = flags(c, row.ignored !== undefined);
    const head = `${code(c.name)}${f.length ? ` (${f.join('; ')})` : ''}`;
    if (c.value) return `${head}: ${valueRule(c.value)}`;
    const inner = (c.children ?? []).map(child).join('; ');
    return `${head}${c.item ? `, ${itemText(c)}` : ''}: { ${inner} }`;
  };
  if (s.children) parts.push(...s.children.map(child));
  return parts.join('<br>');
}

function passesOf(row: Row): readonly AnswerPass[] {
  return [...row.passes].sort((a, b) => ANSWER_PASSES.indexOf(a) - ANSWER_PASSES.indexOf(b));
}

function notAppliedIn(row: Row): AnswerPass[] {
  const st = STATUS[key(row)];
  const runs = passesOf(row).filter((p) => SYSPREP_ANSWER_PASSES.includes(p));
  if (!st?.notApplied) return [];
  return st.notApplied === 'all' ? runs : runs.filter((p) => st.notApplied!.includes(p));
}

function passColumn(row: Row): string {
  const na = notAppliedIn(row);
  const all = na.length > 0 && na.length === passesOf(row).filter((p) => SYSPREP_ANSWER_PASSES.includes(p)).length;
  return passesOf(row).map((p) => {
    if (!SYSPREP_ANSWER_PASSES.includes(p) && !(p === 'offlineServicing' && OFFLINE_SERVICING_SETTINGS.includes(key(row).split('/').slice(0, 2).join('/')))) return `${p} (not run by sysprep)`;
    if (!row.ignored && !all && na.includes(p)) return `${p} (not applied yet)`;
    return p;
  }).join(', ');
}

function exampleXml(row: Row, ex: Example, pass: AnswerPass): string {
  let inner = ex.xml.replace(/&(?![a-z]+;|#)/g, '&amp;');
  for (let i = row.chain.length - 1; i >= 0; i--) {
    const s = row.chain[i]!;
    const attrs = s.item ? ` wcm:action="add"${'keyValue' in s.item ? ' wcm:keyValue="1"' : ''}` : '';
    inner = `<${s.name}${attrs}>${inner}</${s.name}>`;
  }
  return `<?xml version="1.0" encoding="utf-8"?>\n<unattend xmlns="${UNATTEND_NS}" xmlns:wcm="${WCM_NS}">\n` +
    `<settings pass="${pass}"><component name="${row.component.name}" processorArchitecture="amd64" ` +
    `publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS">${inner}</component></settings>\n</unattend>\n`;
}

/** What `unattend check` says about an example (the model's describe()); throws when the example is not valid. */
export function describeExample(row: Row, ex: Example): string {
  const pass = ex.pass ?? row.passes.find((p) => SYSPREP_ANSWER_PASSES.includes(p));
  if (!pass) throw new Error(`${key(row)}: no pass sysprep runs`);
  const report = checkAnswerFile(parseAnswerFile(exampleXml(row, ex, pass), `example of ${key(row)}`));
  const errors = report.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new Error(`the example of ${key(row)} is invalid: ${errors.map((e) => e.message).join('; ')}`);
  const hit = report.passes.flatMap((p) => p.settings).find((s) => s.setting.replace(/\[[^\]]*\]/g, '') === row.path);
  if (!hit || hit.status !== 'applies') throw new Error(`unattend check does not describe the example of ${key(row)}`);
  return hit.linux;
}

function examplesOf(row: Row): Example[] {
  const given = EXAMPLES[key(row)];
  if (given) return [...given];
  const v = row.spec.value;
  if (v?.kind === 'boolean') return [{ xml: 'true' }, { xml: 'false' }];
  if (v?.kind === 'enum') return v.values.map((x) => ({ xml: x }));
  return [];
}

/** The "what happens on Linux" column. */
function linuxColumn(row: Row): string {
  const st = STATUS[key(row)];
  const parts: string[] = [];
  if (row.ignored) {
    parts.push(`Ignored on Linux: ${row.ignored}.`);
  } else {
    const na = notAppliedIn(row);
    const runs = passesOf(row).filter((p) => SYSPREP_ANSWER_PASSES.includes(p));
    if (na.length && na.length === runs.length) parts.push('**(not applied yet)**');
    else if (na.length) parts.push(`**(not applied yet in ${na.join(', ')})**`);
    if (row.spec.linux) parts.push(row.spec.linux);
    const examples = examplesOf(row);
    if (!examples.length && !row.spec.linux) {
      throw new Error(`${key(row)}: no Linux meaning to show: give it a linux line (schema.ts) or an example (answer-file-docs.ts)`);
    }
    const lines = examples.map((ex) => {
      const label = ex.label !== undefined ? `*${ex.label}*` : row.spec.value ? code(ex.xml) : '*e.g.*';
      return `${label}: ${describeExample(row, ex)}`;
    });
    parts.push(lines.join('<br>'));
  }
  if (st?.note) parts.push(`<br>*Now:* ${st.note}.`);
  return parts.join(' ');
}

function componentTable(c: ComponentSpec): string[] {
  const out = [`## ${c.name}`, '', `Reported as \`${c.short}/…\`.`, '', '| Setting | What happens on Linux | Passes | Value |', '|---|---|---|---|'];
  for (const r of rowsOf(c)) {
    out.push(`| ${cell(code(r.path))} | ${cell(linuxColumn(r))} | ${cell(passColumn(r))} | ${cell(valueColumn(r))} |`);
  }
  out.push('');
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// The document

const WHEN: Readonly<Record<AnswerPass, string>> = {
  windowsPE: 'never: Windows Setup from installation media; its settings are checked, not run',
  offlineServicing: 'only `DriverPaths`: when sysprep generalizes an offline root or image, or services an image alone (`sysprep --image FILE /unattend:FILE` with only offlineServicing settings, like DISM /Apply-Unattend: no state change); its other settings are checked, not run',
  generalize: '`sysprep /generalize`, on the reference machine or image: its settings steer the generalize providers or are recorded in the image state',
  specialize: 'first boot of each copy, before any login (`sysprep agent specialize`)',
  auditSystem: 'every boot in audit mode, before any login (`sysprep agent audit`), until `sysprep /oobe`',
  auditUser: 'when root logs in on the console in audit mode, once per boot (`sysprep agent logon`); then the dialog is offered',
  oobeSystem: 'first boot into the OOBE, after specialize and before the interactive OOBE pages (`sysprep agent oobe`)',
};

function intro(): string[] {
  const run = SYSPREP_ANSWER_PASSES.join(', ');
  return [
    '# Answer files (unattend.xml)',
    '',
    '<!-- generated by `node dist/src/cli/answer-file-docs.js > docs/answer-file.md` from src/answer-file/ (schema.ts, catalog.ts, mappings.ts)',
    '     and src/cli/answer-file-docs.ts; do not edit by hand -->',
    '',
    'sysprep reads the Windows answer-file format: `<unattend>` in the `urn:schemas-microsoft-com:unattend` namespace, `<settings pass="…">`',
    'blocks, `<component>` elements named and matched like Windows does (`name`, `processorArchitecture`, `publicKeyToken`, `language`,',
    '`versionScope`, ignoring case; the copies for the image\'s architecture win), list items with `wcm:action` (add, modify, remove) and',
    '`wcm:keyValue` or a key element, booleans in any case, UTF-8 with or without a BOM and UTF-16 with a BOM. A DOCTYPE or entity',
    `declaration is refused (no XXE, no entity expansion), as is a file over ${MAX_ANSWER_FILE_BYTES / 1024 / 1024} MiB; errors name the file, line and column.`,
    'The tables below give the Linux meaning of each modelled setting and what the code applies today; what Linux has no use for is',
    'reported as ignored, never dropped silently.',
    '',
    '## Passes',
    '',
    `sysprep runs the passes ${run}; the others are checked only.`,
    '',
    '| Pass | When it runs on Linux |',
    '|---|---|',
    ...ANSWER_PASSES.map((p) => `| ${p} | ${cell(WHEN[p])} |`),
    '',
    '## Which answer file',
    '',
    '`sysprep /unattend:FILE` uses FILE: it is read and checked before anything else happens (an invalid file stops sysprep with exit',
    `code 2) and overwrites the cache. Otherwise each pass takes the first of these that has unprocessed settings for it; every`,
    'candidate is logged with why it was taken or skipped, and one that exists but is invalid is an error:',
    '',
    '1. the kernel command line `sysprep.unattend=PATH` (running system only);',
    '2. at a clone\'s first boot, the per-clone channels (SPEC 10), in this order:',
    `   - the systemd credential \`${CREDENTIAL_NAME}\` in \`${SYSTEM_CREDENTIALS_DIR}/\` (a hypervisor sets it with`,
    `     \`-smbios type=11,value=io.systemd.credential.binary:${CREDENTIAL_NAME}=BASE64\`, with`,
    `     \`-fw_cfg name=opt/io.systemd.credentials/${CREDENTIAL_NAME},file=FILE\`, or on the kernel command line as \`systemd.set_credential=\`);`,
    ...CONFIG_DRIVES.map((d) => `   - a config drive (${d.kind}) labelled ${d.labels.map((l) => `\`${l}\``).join(' or ')} whose \`${d.userData.join('` or `')}\` is an answer file;`),
    `   - the user-data of the cloud's metadata service at ${METADATA.address} (EC2 with an IMDSv2 token, OpenStack, GCE), asked only`,
    `     where DMI says the machine is that cloud (${METADATA.timeoutMs / 1000} s per request, asked once more with twice that when it does not answer);`,
    '   user-data is an answer file when its root element is `unattend` (gzip is unpacked); anything else is skipped and logged by kind.',
    '   A file a pass of this clone took is not taken again by its later passes (the cache stands for it); the next seal forgets it;',
    `3. \`${PATHS.cachedUnattend}\`, the cache;`,
    '4. `unattend.xml` or `autounattend.xml` at the root of a mounted removable or read-only medium, or of a file system labelled',
    '   `SYSPREP` or `OEMDRV` (running system only);',
    '5. `/etc/sysprep/unattend.xml`;',
    '6. `/unattend.xml`.',
    '',
    '## Cache, processed passes and secrets',
    '',
    `The answer file sysprep used is cached at \`${PATHS.cachedUnattend}\` (mode 0600, owner root) for the passes of the first boot.`,
    'At the end of each pass its `<settings>` blocks are marked `wasPassProcessed="true"` and the secrets it used (passwords, AutoLogon',
    `and domain credentials, product keys) are replaced by ${SENSITIVE} in the cache. Secrets are never written to a log or to`,
    '`--json` output. `PlainText=false` values are decoded as Windows writes them: base64 of UTF-16LE text ending with the element name,',
    'which is stripped.',
    '',
    '## Checking a file: `sysprep unattend check FILE [--json]`',
    '',
    'The WSIM "validate" of sysprep: for each pass, the settings found, what each does on Linux (the texts below come from the same',
    'model), and every error and warning with its line and column. A setting in the wrong pass, an unknown component or setting and a',
    'value that breaks its rules are errors (exit code 2); settings ignored on Linux and Linux advice are warnings (exit code 0).',
    '',
    '## Settings',
    '',
    'One table per modelled component. *Setting* is the path inside the component; *What happens on Linux* is what `unattend check`',
    'says, with examples, and *Now:* where the code does less or differs; **(not applied yet)** marks what is modelled and checked',
    'but not applied by anything yet. *Passes* are the passes the setting is valid in (children share their parent\'s); *Value* gives',
    'the value rules, and for a container its child settings.',
    '',
  ];
}

function mappings(): string[] {
  const tz = ['Pacific Standard Time', 'W. Europe Standard Time', 'China Standard Time', 'UTC'];
  const tags = ['en-US', 'de', 'pt-BR', 'sr-Latn-RS'];
  const lcids = [0x0409, 0x0407, 0x0c0c];
  const kbd = ['0409:00000409', '0407:00000407', '040c:0000040c', 'de-CH', 'en-GB'];
  const arrow = (a: string, b: string | undefined) => `${code(a)} → ${b ? code(b) : '(unknown)'}`;
  const chassis: string[] = [];
  for (let n = 0; n <= 0xff; n++) {
    const c = chassisForDeviceForm(n.toString(16));
    if (c) chassis.push(`${n.toString(16).toUpperCase()} ${c}`);
  }
  return [
    '## Data mappings',
    '',
    'Values that need data are mapped with maintained data packages, not hand-typed tables (src/answer-file/mappings.ts).',
    '',
    `- **Time zones** (TimeZone): Windows time-zone IDs to IANA zones with CLDR \`windowsZones\` (npm \`cldr-core\`), the "golden" zone`,
    `  of territory 001; matching ignores case. ${windowsTimeZoneIds().length} Windows IDs, e.g. ${tz.map((z) => arrow(z, timeZoneForWindowsId(z))).join(', ')}.`,
    '- **Locales** (SystemLocale, UILanguage, UserLocale): language tags to glibc locale names, missing regions and scripts filled from',
    '  CLDR `likelySubtags`; Windows LCIDs through npm `lcid`. ' +
      `E.g. ${tags.map((t) => arrow(t, localeForLanguageTag(t))).join(', ')}; ` +
      `${lcids.map((l) => arrow(`0x${l.toString(16).padStart(4, '0')}`, localeForLcid(l))).join(', ')}.`,
    '- **Keyboards** (InputLocale): a keyboard identifier (`0409:00000409`), language tag or IME gives a locale (above), whose country',
    '  and language select the XKB layout and variant in the image\'s xkeyboard-config registry (`/usr/share/X11/xkb/rules/evdev.xml`);',
    '  without a registry the layout is the country code. E.g., without a registry: ' +
      `${kbd.map((k) => arrow(k, xkbForInputLocale(k).map((x) => (x.variant ? `${x.layout}(${x.variant})` : x.layout)).join(', '))).join(', ')}.`,
    '- **Groups** (LocalAccount Group): Windows built-in group names (matched ignoring case) to the groups of the image, the first of the',
    '  candidates the image has (`WINDOWS_GROUP_ROLES`); a name that is not a built-in group but a group of the image is used as it is:',
    '',
    '  | Windows group | Role | Linux groups, in order of preference |',
    '  |---|---|---|',
    ...Object.entries(WINDOWS_GROUP_ROLES).map(([g, r]) => `  | ${g} | ${r.role} | ${r.candidates.map(code).join(', ')} |`),
    '',
    `- **Device forms** (DeviceForm): codes to systemd chassis types: ${chassis.join(', ')}; other codes leave the chassis as it is.`,
    '',
  ];
}

function ignored(): string[] {
  const modelled = new Set(COMPONENTS.map((c) => c.name.toLowerCase()));
  const others = WINDOWS_COMPONENTS.filter((c) => !modelled.has(c.toLowerCase()));
  const prefix = 'Microsoft-Windows-';
  const prefixed = others.filter((c) => c.toLowerCase().startsWith(prefix.toLowerCase())).map((c) => c.slice(prefix.length)).sort((a, b) => a.localeCompare(b));
  const rest = others.filter((c) => !c.toLowerCase().startsWith(prefix.toLowerCase())).sort((a, b) => a.localeCompare(b));
  const out = [
    '## Ignored on Linux',
    '',
    'Components and settings that Windows knows but sysprep does not model have no Linux meaning: `unattend check` reports them as',
    'warnings ("ignored on Linux") in the passes sysprep runs, never as errors and never dropped silently; their settings are not',
    'checked further. A name that Windows does not know is an error with its line and column: one that differs from a known name',
    'only by case (setting names are case-sensitive; component names are not), with the right spelling; one close to a known name,',
    'with a "did you mean"; any other, as unknown. Modelled settings that Linux ignores are in the tables above, with the reason.',
    '',
    'The Windows names come from Microsoft\'s "Unattended Windows Setup Reference" (MicrosoftDocs commercialization-public,',
    'CC-BY-4.0), saved in `data/unattend-reference/` and derived into `src/answer-file/windows-reference.json` by',
    '`scripts/derive-unattend-reference.mjs`, with every setting below a component (nested ones too). Sources:',
    '',
    ...Object.entries(REFERENCE_SOURCES).map(([id, s]) => `- \`${id}\`: ${s.release}${s.repository ? ` (${s.repository}, \`${s.path}\` at ${s.commit!.slice(0, 12)})` : ` (\`${s.file}\`)`}.`),
    '',
    '**Windows-only settings of the modelled components** (top level; their children, and the children of modelled settings',
    'that sysprep does not model, are known too):',
    '',
  ];
  for (const spec of COMPONENTS) {
    const modelled = new Set(spec.settings.map((x) => x.name));
    const names = Object.keys(windowsSettings(spec.name) ?? {}).filter((n) => !modelled.has(n)).sort((a, b) => a.localeCompare(b));
    if (names.length) out.push(`- ${spec.name}: ${names.map(code).join(', ')}.`);
  }
  out.push(
    '',
    `**Windows components** (${others.length}; every setting in them is ignored; _carried over_ marks the Windows 7 / 8 names that no saved`,
    'reference page holds yet):',
    '',
    `- \`${prefix}\` + ${prefixed.map((c) => code(c) + (componentSources(prefix + c).every((x) => x === 'carried-over') ? ' _(carried over)_' : '')).join(', ')}.`,
    ...(rest.length ? [`- ${rest.map(code).join(', ')}.`] : []),
    '',
  );
  return out;
}

export function answerFileMarkdown(): string {
  const out = [...intro()];
  for (const c of COMPONENTS) out.push(...componentTable(c));
  out.push(...mappings(), ...ignored());
  return out.join('\n');
}

/** For the test: the child spec along a path, to tell a modelled setting from a typo in STATUS or EXAMPLES. */
export function specAt(component: ComponentSpec, path: string): SettingSpec | undefined {
  let cur: SettingSpec | ComponentSpec | undefined = component;
  for (const part of path.split('/')) {
    if (!cur) return undefined;
    cur = childSpec(cur, part);
  }
  return cur as SettingSpec | undefined;
}

if (process.argv[1]?.endsWith('answer-file-docs.js')) process.stdout.write(answerFileMarkdown());
