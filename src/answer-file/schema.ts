/**
 * The typed model of the components and settings sysprep knows (windows-sysprep.md §5.6, pass validity §5.7):
 * for each setting the passes it is valid in, its type and allowed values, whether it is a list item (and
 * its key), whether it holds a secret, and what it does on Linux (one line) or why Linux ignores it.
 *
 * check.ts walks answer files against this table; settings.ts reads typed values with it.
 */
import { type AnswerPass } from '../model/passes.js';
import { childElements, textOf, type XmlElement } from './xml.js';
import { describeDriverPath, DRIVER_PATH_RULE, driverPathAdvice } from './driver-paths.js';
import { describeDeviceForm, describeInputLocale, describeLocale, describeTimeZone, mapWindowsGroup } from './describe.js';

export type ValueRule =
  | { kind: 'boolean' }
  | { kind: 'integer'; min?: number; max?: number }
  /** Allowed values, matched ignoring case. */
  | { kind: 'enum'; values: readonly string[] }
  | {
    kind: 'string';
    maxLength?: number;
    /** Empty allowed (the reference: "This string type supports empty elements"). Default false. */
    empty?: boolean;
    /** Extra rule: returns the problem, or undefined. */
    check?: (v: string) => string | undefined;
    /** Linux-only advice: returns a warning, or undefined. */
    advise?: (v: string) => string | undefined;
    /** `check` and `advise` in words (Markdown), for docs/answer-file.md; required when either is set. */
    rule?: string;
  };

export interface DescribeContext {
  pass: AnswerPass;
  /** Child element by name. */
  child(name: string): XmlElement | undefined;
  /** Trimmed text of a child element (undefined when absent). */
  value(name: string): string | undefined;
}

export interface SettingSpec {
  name: string;
  /** Top-level settings: the passes the setting is valid in. Children inherit their parent's. */
  passes?: readonly AnswerPass[];
  /** A leaf: its value rule. */
  value?: ValueRule;
  /** A container: its child settings. */
  children?: readonly SettingSpec[];
  /** A list item (repeats, carries wcm:action); its key is a child element or the wcm:keyValue attribute. */
  item?: { key: string } | { keyValue: true };
  /** Must be present (in an added list item, or in its container). */
  required?: boolean;
  /** Holds a secret: never shown, scrubbed from the cache after its pass. */
  sensitive?: boolean;
  /** Reported as one line (containers whose children make one action together). Leaves and items always are. */
  unit?: boolean;
  /** What it does on Linux, as one line. */
  linux?: string;
  describe?: (el: XmlElement, ctx: DescribeContext) => string;
  /** Linux has no use for it: the reason (reported as an "ignored on Linux" warning). */
  ignored?: string;
  /** Deprecated by Windows: the note. */
  deprecated?: string;
  /** Cross-field rules: returns warnings (and errors) to report on the element. */
  validate?: (el: XmlElement, ctx: DescribeContext) => { severity: 'error' | 'warning'; code: string; message: string }[];
}

export interface ComponentSpec {
  name: string;
  /** Shortened name for reports (`Shell-Setup`). */
  short: string;
  settings: readonly SettingSpec[];
}

// ---------------------------------------------------------------------------------------------------------

const bool = (name: string, o: Partial<SettingSpec> = {}): SettingSpec => ({ name, value: { kind: 'boolean' }, ...o });
const str = (name: string, maxLength: number | undefined, empty: boolean, o: Partial<SettingSpec> = {}): SettingSpec =>
  ({ name, value: { kind: 'string', ...(maxLength !== undefined ? { maxLength } : {}), empty }, ...o });
const int = (name: string, min: number | undefined, max: number | undefined, o: Partial<SettingSpec> = {}): SettingSpec =>
  ({ name, value: { kind: 'integer', ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) }, ...o });
const oneOf = (name: string, values: readonly string[], o: Partial<SettingSpec> = {}): SettingSpec => ({ name, value: { kind: 'enum', values }, ...o });

const isTrue = (v: string | undefined) => v !== undefined && v.toLowerCase() === 'true';
const quote = (s: string, max = 60) => JSON.stringify(s.length > max ? `${s.slice(0, max - 1)}…` : s);

/** A `<Password><Value/><PlainText/></Password>` container. */
const hiddenPassword = (name: string, o: Partial<SettingSpec> = {}): SettingSpec => ({
  name,
  sensitive: true,
  children: [str('Value', undefined, true, { sensitive: true }), bool('PlainText')],
  ...o,
});

const credentials = (ignored: string): SettingSpec => ({
  name: 'Credentials',
  ignored,
  children: [str('Domain', 256, false), str('Username', 256, false), str('Password', 256, false, { sensitive: true })],
});

const WINDOWS_COMMAND = /(^|[\s"'])(cmd(\.exe)?\s+\/[ck]|powershell|pwsh|reg(\.exe)?\s+add|msiexec|wscript|cscript|[A-Za-z]:\\|%[A-Za-z]+%|\.exe\b|\.cmd\b|\.bat\b|\.ps1\b)/i;
const WINDOWS_COMMAND_RULE = 'a Windows command line (`cmd /c`, PowerShell, `.exe`, `C:\\`, `%VAR%`) draws a warning: it runs with /bin/sh';
const windowsCommandAdvice = (v: string) => WINDOWS_COMMAND.test(v)
  ? 'this looks like a Windows command line; on Linux it runs with /bin/sh and will fail: write the Linux command'
  : undefined;

// Computer names -------------------------------------------------------------------------------------------

const FORBIDDEN_NAME_CHARS = new Set([...'{|}~[\\]^\':;<=>?@!"#$%`()+/.,*&']);
const EMOJI = /\p{Extended_Pictographic}/u;

/** Windows rules for ComputerName (15 bytes, forbidden characters, not only digits); `*` and empty mean "generate". */
export function computerNameProblem(v: string): string | undefined {
  if (v === '' || v === '*') return undefined;
  const bytes = Buffer.byteLength(v, 'utf8');
  if (bytes > 15) {
    return `"${v}" is ${bytes} bytes long; a computer name has at most 15 bytes (a character outside ASCII counts 2 to 4): shorten it`;
  }
  const bad = [...new Set([...v].filter((c) => FORBIDDEN_NAME_CHARS.has(c) || /\s/u.test(c) || EMOJI.test(c)))];
  if (bad.length) {
    return `"${v}" contains ${bad.map((c) => (/\s/u.test(c) ? 'a space' : `"${c}"`)).join(', ')}; a computer name cannot contain spaces, emoji or any of { | } ~ [ \\ ] ^ ' : ; < = > ? @ ! " # $ % \` ( ) + / . , * &: remove them`;
  }
  if (/^[0-9]+$/.test(v)) return `"${v}" is only digits, which is not a valid computer (DNS) name: add a letter`;
  return undefined;
}

const COMPUTER_NAME_RULE = 'at most 15 bytes; no spaces, emoji or any of `` { | } ~ [ \\ ] ^ \' : ; < = > ? @ ! " # $ % ` ( ) + / . , * & ``; ' +
  'not only digits; `*` or empty: generated. A name that is not a valid Linux host name draws a warning';

/** Linux host-name advice for a name Windows accepts. */
export function computerNameAdvice(v: string): string | undefined {
  if (v === '' || v === '*') return undefined;
  if (/^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$/.test(v)) return undefined;
  return `"${v}" is not a valid Linux host name (ASCII letters, digits and inner hyphens only); it is kept as the pretty host name and the static host name is derived from it: use such a name to control it`;
}

// International ----------------------------------------------------------------------------------------------

const LANG_TAG = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;
const KLID = /^[0-9A-Fa-f]{4}:[0-9A-Fa-f]{8}$/;
const IME = /^[0-9A-Fa-f]{4}:\{[0-9A-Fa-f-]{36}\}\{[0-9A-Fa-f-]{36}\}$/;

function languageTagProblem(v: string): string | undefined {
  if (v.trim() === '') return undefined;
  return LANG_TAG.test(v.trim()) ? undefined : `"${v}" is not a language tag such as en-US: use language-REGION`;
}

function inputLocaleProblem(v: string): string | undefined {
  if (v.trim() === '') return undefined;
  for (const raw of v.split(';')) {
    const item = raw.trim();
    if (item === '') continue;
    if (!LANG_TAG.test(item) && !KLID.test(item) && !IME.test(item)) {
      return `"${item}" is neither a language tag (en-US) nor a keyboard identifier (0409:00000409): fix it`;
    }
  }
  return undefined;
}

const international = (name: string, o: Partial<SettingSpec>): SettingSpec => ({
  name,
  passes: ['specialize', 'oobeSystem'],
  value: {
    kind: 'string', empty: true, check: name === 'InputLocale' ? inputLocaleProblem : languageTagProblem,
    rule: name === 'InputLocale'
      ? 'items separated by `;` (the first is the default), each a language tag (en-US), a keyboard identifier (0409:00000409) or an IME (0411:{…}{…})'
      : 'a language tag (language-REGION, such as en-US)',
  },
  ...o,
});

// Commands ------------------------------------------------------------------------------------------------

const runCommand = (item: 'RunSynchronousCommand' | 'RunAsynchronousCommand'): SettingSpec => ({
  name: item,
  item: { key: 'Order' },
  children: [
    int('Order', 1, 500, { required: true }),
    str('Path', 259, false, { required: true, value: { kind: 'string', maxLength: 259, empty: false, advise: windowsCommandAdvice, rule: WINDOWS_COMMAND_RULE } }),
    str('Description', 259, false),
    ...(item === 'RunSynchronousCommand' ? [oneOf('WillReboot', ['Always', 'OnRequest', 'Never'])] : []),
    credentials('commands run as root; Windows credentials are not used on Linux'),
  ],
  describe(_el, c) {
    const who = c.pass === 'specialize' ? 'as root at first boot (specialize)' : 'as root after the audit-mode login';
    const wait = item === 'RunSynchronousCommand' ? 'waits for it' : 'does not wait for it';
    const reboot = c.value('WillReboot');
    const r = reboot && reboot.toLowerCase() !== 'never' ? `, reboot: ${reboot}` : '';
    return `runs ${quote(c.value('Path') ?? '')} with /bin/sh ${who} in Order ${c.value('Order') ?? '?'} and ${wait}${r}`;
  },
});

// Reseal / Generalize -------------------------------------------------------------------------------------------

function resealOutcome(pass: AnswerPass, mode: string | undefined, fsn: boolean): string {
  const m = mode?.toLowerCase() === 'audit' ? 'audit' : mode?.toLowerCase() === 'oobe' ? 'oobe' : undefined;
  const eff = m ?? (pass === 'auditSystem' ? 'audit' : pass === 'oobeSystem' ? 'oobe' : undefined);
  if (!eff) return 'after the other auditUser settings: the sysprep dialog asks for audit mode or the OOBE (no Mode given)';
  const target = eff === 'audit' ? 'audit mode (auditSystem)' : 'the OOBE (oobeSystem)';
  if (fsn) return `after the other ${pass} settings: prepares ${target}, then shuts down`;
  if (pass === 'auditUser') return `after the other auditUser settings: prepares ${target}, then reboots`;
  if ((pass === 'auditSystem' && eff === 'audit') || (pass === 'oobeSystem' && eff === 'oobe')) return `continues into ${target} (the default)`;
  return `after the other ${pass} settings: continues into ${target}`;
}

// Accounts -------------------------------------------------------------------------------------------------

const ACCOUNT_NAME_FORBIDDEN = /["/[\]:|<>+=;,?*%@]/;

const ACCOUNT_NAME_RULE = 'not `NONE`; none of `" / [ ] : | < > + = ; , ? * % @`. A name that is not a portable Linux user name draws a warning';

function accountNameProblem(v: string): string | undefined {
  if (v.trim().toUpperCase() === 'NONE') return 'an account cannot be named "NONE": choose another name';
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(v.trim())) return 'an account name cannot contain a line break, a tab or another control character';
  const m = ACCOUNT_NAME_FORBIDDEN.exec(v);
  if (m) return `"${v}" contains "${m[0]}"; an account name cannot contain any of " / [ ] : | < > + = ; , ? * % @`;
  return undefined;
}

/** A display name becomes the account's GECOS field in /etc/passwd: one line, fields separated by ":". */
function gecosProblem(v: string): string | undefined {
  if (v.includes(':')) return 'a display name cannot contain ":" on Linux (it separates the fields of /etc/passwd, where the full name is kept)';
  if (/[\n\r]/.test(v)) return 'a display name cannot contain a line break on Linux (/etc/passwd holds one account a line)';
  return undefined;
}

function accountNameAdvice(v: string): string | undefined {
  if (/^[a-z_][a-z0-9_-]*\$?$/.test(v) && v.length <= 32) return undefined;
  return `"${v}" is not a portable Linux user name (lower-case letters, digits, "_" and "-", at most 32); the login name is derived from it: use such a name to control it`;
}

function groupsText(groups: string | undefined): string {
  if (!groups) return '';
  const names = groups.split(';').map((g) => g.trim()).filter(Boolean);
  if (!names.length) return '';
  return ` in groups ${names.map((g) => {
    const m = mapWindowsGroup(g);
    return m && m !== g ? `${g}→${m}` : g;
  }).join(', ')}`;
}

const linuxUser = (u: string | undefined) => (u === undefined || u === '' ? '?' : u.toLowerCase() === 'administrator' ? 'root' : u);

// ---------------------------------------------------------------------------------------------------------

export const COMPONENTS: readonly ComponentSpec[] = [
  {
    name: 'Microsoft-Windows-Deployment',
    short: 'Deployment',
    settings: [
      {
        name: 'Reseal',
        passes: ['auditSystem', 'auditUser', 'oobeSystem'],
        unit: true,
        children: [oneOf('Mode', ['Audit', 'OOBE']), bool('ForceShutdownNow')],
        describe: (_el, c) => resealOutcome(c.pass, c.value('Mode'), isTrue(c.value('ForceShutdownNow'))),
      },
      {
        name: 'Generalize',
        passes: ['auditUser'],
        unit: true,
        children: [oneOf('Mode', ['Audit', 'OOBE']), bool('ForceShutdownNow')],
        describe(_el, c) {
          const audit = c.value('Mode')?.toLowerCase() === 'audit';
          return `after the other auditUser settings: runs the generalize pass, prepares ${audit ? 'audit mode' : 'the OOBE'}, then ${isTrue(c.value('ForceShutdownNow')) ? 'shuts down' : 'reboots'}`;
        },
      },
      { name: 'RunSynchronous', passes: ['specialize', 'auditUser'], children: [runCommand('RunSynchronousCommand')] },
      { name: 'RunAsynchronous', passes: ['specialize', 'auditUser'], children: [runCommand('RunAsynchronousCommand')] },
      {
        name: 'AuditComputerName',
        passes: ['auditSystem'],
        unit: true,
        children: [str('Name', 15, false, { value: { kind: 'string', maxLength: 15, empty: false, check: computerNameProblem, advise: computerNameAdvice, rule: COMPUTER_NAME_RULE } }), bool('MustReboot')],
        describe: (_el, c) => c.value('Name')
          ? `sets the host name to ${quote(c.value('Name')!)} in audit mode${isTrue(c.value('MustReboot')) ? ' (effective after a reboot)' : ''}`
          : 'keeps the existing host name (no Name)',
      },
      {
        name: 'ExtendOSPartition',
        passes: ['auditSystem', 'generalize', 'oobeSystem', 'specialize'],
        unit: true,
        children: [bool('Extend'), int('Size', 0, undefined)],
        describe: (_el, c) => isTrue(c.value('Extend'))
          ? `grows the root partition and its file system ${c.value('Size') ? `by up to ${c.value('Size')} MB` : 'to fill the disk'}`
          : 'does nothing (Extend is not true)',
      },
      str('DuplicatorDescription', 256, false, {
        passes: ['generalize'],
        describe: (el) => `records the duplicator description ${quote(textOf(el).trim())} in the image state (shown by sysprep state --json and the OOBE)`,
      }),
      {
        name: 'DeviceForm',
        passes: ['generalize', 'specialize', 'auditSystem', 'oobeSystem'],
        value: { kind: 'string', empty: false, check: (v) => (/^(0x)?[0-9A-Fa-f]{1,2}$/.test(v.trim()) ? undefined : `"${v}" is not a device-form code (0–255): use one`), rule: 'a device-form code, one or two hexadecimal digits (0–FF)' },
        describe: (el) => describeDeviceForm(textOf(el).trim()),
      },
    ],
  },
  {
    name: 'Microsoft-Windows-PnpSysprep',
    short: 'PnpSysprep',
    settings: [
      bool('PersistAllDeviceInstalls', {
        passes: ['generalize'],
        describe: (el) => isTrue(textOf(el).trim())
          ? 'keeps device state: udev persistent network rules, MAC pins in network configurations and the host-only initramfs stay'
          : 'drops device state: udev persistent network rules and MAC pins are removed, the initramfs is rebuilt generic (the default)',
      }),
      bool('DoNotCleanUpNonPresentDevices', {
        passes: ['generalize'],
        describe: (el) => isTrue(textOf(el).trim())
          ? 'with PersistAllDeviceInstalls: keeps the network configuration of devices absent at the next boot'
          : 'drops the configuration of devices absent at the next boot (the default)',
      }),
    ],
  },
  {
    name: 'Microsoft-Windows-Security-SPP',
    short: 'Security-SPP',
    settings: [
      oneOf('SkipRearm', ['0', '1'], { passes: ['generalize'], ignored: 'Windows licence re-arming has no Linux equivalent' }),
    ],
  },
  {
    name: 'Microsoft-Windows-Shell-Setup',
    short: 'Shell-Setup',
    settings: [
      {
        name: 'ComputerName',
        passes: ['offlineServicing', 'specialize'],
        value: { kind: 'string', empty: true, check: computerNameProblem, advise: computerNameAdvice, rule: COMPUTER_NAME_RULE },
        describe(el) {
          const v = textOf(el).trim();
          return v === '' || v === '*' ? 'generates a random host name at first boot' : `sets the host name to ${quote(v)} at first boot (/etc/hostname, /etc/hosts)`;
        },
      },
      str('TimeZone', 256, false, {
        passes: ['auditSystem', 'oobeSystem', 'specialize'],
        describe: (el) => describeTimeZone(textOf(el).trim()),
      }),
      {
        name: 'ProductKey',
        passes: ['specialize'],
        sensitive: true,
        value: { kind: 'string', empty: false, check: (v) => (/^[0-9A-Za-z]{5}(-[0-9A-Za-z]{5}){4}$/.test(v.trim()) ? undefined : 'is not a 29-character product key (XXXXX-XXXXX-XXXXX-XXXXX-XXXXX): fix or remove it'), rule: 'XXXXX-XXXXX-XXXXX-XXXXX-XXXXX' },
        ignored: 'Windows product keys have no Linux meaning (the key is still scrubbed from the cached answer file)',
      },
      str('RegisteredOwner', 256, true, {
        passes: ['offlineServicing', 'generalize', 'specialize', 'auditUser', 'oobeSystem'],
        describe: (el) => `records the registered owner ${quote(textOf(el))} (shown by sysprep state --json and the OOBE)`,
      }),
      str('RegisteredOrganization', 256, true, {
        passes: ['offlineServicing', 'generalize', 'specialize', 'auditUser', 'oobeSystem'],
        describe: (el) => `records the registered organization ${quote(textOf(el))} (shown by sysprep state --json and the OOBE)`,
      }),
      bool('CopyProfile', {
        passes: ['specialize'],
        describe: (el) => isTrue(textOf(el).trim())
          ? "copies root's customised profile (dotfiles) to /etc/skel, so that new users start with it"
          : 'does nothing (CopyProfile is false)',
      }),
      {
        name: 'UserAccounts',
        passes: ['auditSystem', 'oobeSystem'],
        children: [
          hiddenPassword('AdministratorPassword', {
            unit: true,
            describe: (_el, c) => (c.value('Value') === '' ? "sets an empty root password (a security risk)" : "sets root's password (the built-in Administrator is root)"),
            validate: (_el, c) => (c.value('Value') === ''
              ? [{ severity: 'warning', code: 'empty-password', message: 'an empty AdministratorPassword gives root an empty password: set one' }]
              : []),
          }),
          {
            name: 'LocalAccounts',
            children: [{
              name: 'LocalAccount',
              item: { key: 'Name' },
              children: [
                str('Name', 256, false, { required: true, value: { kind: 'string', maxLength: 256, empty: false, check: accountNameProblem, advise: accountNameAdvice, rule: ACCOUNT_NAME_RULE } }),
                str('DisplayName', 256, true, { value: { kind: 'string', maxLength: 256, empty: true, check: gecosProblem, rule: 'no `:` and no line break (the full name is the GECOS field of `/etc/passwd`)' } }),
                str('Description', 256, true),
                str('Group', 256, true),
                hiddenPassword('Password'),
              ],
              describe(_el, c) {
                const pw = c.child('Password') ? 'with a password' : 'with a locked password';
                return `creates user ${quote(c.value('Name') ?? '?')}${groupsText(c.value('Group'))} ${pw}${c.value('DisplayName') ? ` (full name ${quote(c.value('DisplayName')!)})` : ''}`;
              },
            }],
          },
          {
            name: 'DomainAccounts',
            ignored: 'domain accounts need the image joined to a directory (realmd/SSSD), which sysprep does not do',
            children: [{
              name: 'DomainAccountList',
              item: { key: 'Domain' },
              children: [
                str('Domain', 256, false, { required: true }),
                { name: 'DomainAccount', item: { key: 'Name' }, children: [str('Name', 256, false, { required: true }), str('Group', 256, true)] },
              ],
            }],
          },
        ],
      },
      {
        name: 'AutoLogon',
        passes: ['auditSystem', 'oobeSystem', 'specialize'],
        unit: true,
        children: [
          bool('Enabled'),
          str('Username', 256, true),
          str('Domain', 256, true),
          hiddenPassword('Password'),
          int('LogonCount', 0, undefined),
        ],
        describe(_el, c) {
          if (!isTrue(c.value('Enabled'))) return 'no automatic logon (Enabled is not true)';
          const n = c.value('LogonCount');
          return `logs ${quote(linuxUser(c.value('Username')))} on automatically on the console${n ? ` for ${n} logon${n === '1' ? '' : 's'}` : ''} (getty autologin)`;
        },
        validate(_el, c) {
          const out: ReturnType<NonNullable<SettingSpec['validate']>> = [];
          if (isTrue(c.value('Enabled')) && c.value('LogonCount') === undefined) {
            out.push({ severity: 'warning', code: 'autologon-count', message: 'AutoLogon is enabled without LogonCount, so it never ends: set LogonCount' });
          }
          if (isTrue(c.value('Enabled')) && !c.value('Username')) {
            out.push({ severity: 'error', code: 'missing-setting', message: 'AutoLogon is enabled but names no Username: add one' });
          }
          return out;
        },
      },
      {
        name: 'FirstLogonCommands',
        passes: ['oobeSystem'],
        children: [{
          name: 'SynchronousCommand',
          item: { key: 'Order' },
          children: [
            int('Order', 1, 500, { required: true }),
            str('CommandLine', 1024, false, { required: true, value: { kind: 'string', maxLength: 1024, empty: false, advise: windowsCommandAdvice, rule: WINDOWS_COMMAND_RULE } }),
            str('Description', 256, true),
            bool('RequiresUserInput'),
          ],
          describe: (_el, c) => `runs ${quote(c.value('CommandLine') ?? '')} once, at the first login of the OOBE user (Order ${c.value('Order') ?? '?'})`,
        }],
      },
      {
        name: 'OOBE',
        passes: ['oobeSystem'],
        children: [
          bool('HideEULAPage', { describe: (el) => (isTrue(textOf(el).trim()) ? 'skips the licence page of the OOBE' : 'shows the licence page (/etc/sysprep/eula.txt) when there is one') }),
          bool('HideLocalAccountScreen', { describe: (el) => (isTrue(textOf(el).trim()) ? 'skips the OOBE page that creates the first user' : 'shows the OOBE page that creates the first user, unless UserAccounts creates one') }),
          bool('HideOEMRegistrationScreen', { ignored: 'the Linux OOBE has no OEM registration page' }),
          bool('HideOnlineAccountScreens', { ignored: 'there are no online (Microsoft) accounts on Linux' }),
          bool('HideWirelessSetupInOOBE', { ignored: 'the Linux OOBE has no wireless page' }),
          oneOf('NetworkLocation', ['Home', 'Work', 'Other'], { ignored: 'Windows network location profiles have no Linux equivalent', deprecated: 'deprecated since Windows 10' }),
          str('OEMAppId', 256, true, { ignored: 'Windows OEM app registration has no Linux equivalent' }),
          oneOf('ProtectYourPC', ['1', '2', '3'], { ignored: 'the Windows "express settings" (telemetry, updates) have no Linux equivalent' }),
          bool('UnattendEnableRetailDemo', { ignored: 'Windows retail demo mode has no Linux equivalent' }),
          {
            name: 'VMModeOptimizations',
            ignored: 'the Windows /mode:vm optimisations have no Linux counterpart',
            children: [bool('SkipAdministratorProfileRemoval'), bool('SkipNotifyUILanguageChange'), bool('SkipWinREInitialization')],
          },
          bool('SkipMachineOOBE', { deprecated: 'deprecated since Windows 8', ignored: 'the Linux OOBE shows only the pages the answer file leaves open; hide pages with the Hide… settings' }),
          bool('SkipUserOOBE', { deprecated: 'deprecated since Windows 8', ignored: 'the Linux OOBE shows only the pages the answer file leaves open; hide pages with the Hide… settings' }),
        ],
      },
    ],
  },
  {
    name: 'Microsoft-Windows-International-Core',
    short: 'International-Core',
    settings: [
      international('InputLocale', { describe: (el) => describeInputLocale(textOf(el).trim()) }),
      international('SystemLocale', { describe: (el) => describeLocale(textOf(el).trim(), 'SystemLocale') }),
      international('UILanguage', { describe: (el) => describeLocale(textOf(el).trim(), 'UILanguage') }),
      international('UILanguageFallback', { describe: (el) => describeLocale(textOf(el).trim(), 'UILanguageFallback') }),
      international('UserLocale', { describe: (el) => describeLocale(textOf(el).trim(), 'UserLocale') }),
    ],
  },
  {
    name: 'Microsoft-Windows-PnpCustomizationsNonWinPE',
    short: 'PnpCustomizationsNonWinPE',
    settings: [
      {
        name: 'DriverPaths',
        passes: ['offlineServicing', 'auditSystem'],
        children: [{
          name: 'PathAndCredentials',
          item: { keyValue: true },
          linux: 'installs the Linux drivers found at Path (.deb/.rpm packages, .ko modules for the kernels they were built for, DKMS sources, firmware) with the image\'s own tools, as `sysprep drivers add` does. offlineServicing: when an offline root or image is generalized, or serviced alone (`sysprep --image FILE /unattend:FILE`, no state change); auditSystem: at the audit-mode boot. A relative Path is relative to the answer file; an absolute one is looked for inside the image, then (offline) on the servicing machine',
          children: [
            str('Path', 259, false, {
              required: true,
              value: { kind: 'string', maxLength: 259, empty: false, advise: driverPathAdvice, rule: DRIVER_PATH_RULE },
            }),
            credentials('Windows credentials are not used on Linux: mount the share before sysprep runs and give its Linux path'),
          ],
          describe: (_el, c) => describeDriverPath(c.value('Path') ?? '', c.pass),
        }],
      },
    ],
  },
];

const BY_NAME = new Map(COMPONENTS.map((c) => [c.name.toLowerCase(), c]));

/** The modelled component of that name (case-insensitive), if any. */
export function componentSpec(name: string): ComponentSpec | undefined {
  return BY_NAME.get(name.toLowerCase());
}

/** The settings modelled directly below a component or a setting. */
export function childSpecs(spec: SettingSpec | ComponentSpec): readonly SettingSpec[] {
  return 'settings' in spec ? spec.settings : spec.children ?? [];
}

/** A child spec by exact name. */
export function childSpec(spec: SettingSpec | ComponentSpec, name: string): SettingSpec | undefined {
  return childSpecs(spec).find((s) => s.name === name);
}

/** A DescribeContext over an element. */
export function contextOf(el: XmlElement, pass: AnswerPass): DescribeContext {
  const kids = childElements(el);
  const child = (name: string) => kids.find((c) => c.local === name);
  return {
    pass,
    child,
    value(name) {
      const c = child(name);
      return c ? textOf(c).trim() : undefined;
    },
  };
}
