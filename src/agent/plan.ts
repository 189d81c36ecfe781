/**
 * First-boot plans: what a pass does in a clone. sysprep decides here, in TypeScript, with the answer
 * file's model and the image in front of it; the bash runner (firstboot.bash, installed as
 * /usr/lib/sysprep/firstboot) carries a plan out, step by step, with the image's own tools.
 *
 * A plan is made when the image is sealed (`sysprep /generalize`, step 5), for the passes of the next
 * boot, from what the answer-file search (SPEC 5) can see in the image: the cache, /etc/sysprep/unattend.xml,
 * /unattend.xml. What it cannot see — the clone's kernel command line and media — the runner checks at
 * boot, with the inputs the plan records (present or absent, and not changed since); when they differ the
 * Node.js agent plans the pass again at boot (`sysprep agent plan PHASE`), with the full search. So a
 * clone's first boot needs no Node.js at all in the common case, and the answer file still decides.
 *
 * The Windows tables live here as well: the order of a pass's work, RunSynchronous's WillReboot codes
 * (in the runner), Reseal and Generalize per pass (reference §3.4), the OOBE pages an answer file closes.
 */
import {
  chassisForDeviceForm, getPassSettings, groupForWindowsGroup, hasSettingsForPass, localeForLanguageTag, markPassProcessed, parseAnswerFile,
  parseXkbRegistry, scrubSensitive, serialize, timeZoneForWindowsId, xkbForInputLocale, type AnswerFileDocument, type LocalAccount,
  type Pass as AnswerPass, type PassSettings, type XkbLayout,
} from '../answer-file/index.js';
import type { AnswerFileOrigin, FoundAnswerFile } from '../answer-file/locate.js';
import { allProviders, keyOf } from '../core/engine.js';
import { formatIni, parseIni, type ImageState } from '../core/state.js';
import { appliesTo, compareProviders, type Provider } from '../core/provider.js';
import { PATHS } from '../core/paths.js';
import { loadTarget } from '../core/target.js';
import { VERSION } from '../core/version.js';
import type { RootFs } from '../rootfs/rootfs.js';
import { groupNames, hostnamePrefix, linuxHostname, linuxUserName, sshHostKeyFiles } from './system.js';
import { MARKERS } from './units.js';

/** The phases of the first boot and the answer-file pass each one processes. */
export type Phase = 'specialize' | 'oobe' | 'audit' | 'audit-user';
export const PHASE_PASS: Readonly<Record<Phase, AnswerPass>> = {
  specialize: 'specialize',
  oobe: 'oobeSystem',
  audit: 'auditSystem',
  'audit-user': 'auditUser',
};
/** later phases, whose plans assumed what an earlier phase leaves behind */
const LATER: Readonly<Record<Phase, readonly Phase[]>> = {
  specialize: ['oobe', 'audit', 'audit-user'],
  oobe: [],
  audit: ['audit-user'],
  'audit-user': [],
};
export type Mode = 'oobe' | 'audit';

/** One call of an op_* function of the runner; with an id, a step recorded once done. */
export interface PlanStep {
  id?: string;
  op: string;
  args: readonly string[];
}

export interface Plan {
  phase: Phase;
  /** where the clone goes after specialize */
  target: Mode;
  madeAt: 'seal' | 'boot';
  answer?: { origin: AnswerFileOrigin; source: string };
  /** files the answer-file search reads (and the licence the OOBE shows): present or absent when planned */
  inputs: { path: string; present: boolean }[];
  steps: PlanStep[];
  /** after every step: the cache, the image state, a power action */
  finish: PlanStep[];
  /** the answer-file cache after this pass (marked processed, its secrets deleted) */
  cacheAfter?: string;
  /** the OOBE pages the answer file left open (oobe plans) */
  pages: OobePage[];
}

export const PLAN_DIR = `${PATHS.stateDir}/plans`;
export const planFile = (phase: Phase) => `${PLAN_DIR}/${phase}.plan`;
const cacheFile = (phase: Phase) => `${PLAN_DIR}/${phase}.cache`;

/** What the planner reads of the image, once. */
export interface ImageFacts {
  fs: RootFs;
  osId: string;
  groups: string[];
  accounts: string[];
  /** the host key types and files its sshd uses */
  hostKeys: { type: string; file: string }[];
  hasEula: boolean;
  zoneinfo(iana: string): boolean;
  /** is the locale compiled in the image (locale-archive or a directory of its own)? */
  localeCompiled(locale: string): boolean;
  xkb?: readonly XkbLayout[];
}

/** glibc's normalized name of a locale: en_US.UTF-8 → en_US.utf8. */
export function normalizedLocale(locale: string): string {
  const [name, rest] = locale.split('.', 2) as [string, string | undefined];
  if (rest === undefined) return name;
  const [charset, modifier] = rest.split('@', 2) as [string, string | undefined];
  return `${name}.${charset.toLowerCase().replace(/[^a-z0-9]/g, '')}${modifier ? `@${modifier}` : ''}`;
}

export function imageFacts(fs: RootFs): ImageFacts {
  const target = loadTarget(fs);
  const registry = fs.readText('/usr/share/X11/xkb/rules/evdev.xml');
  let xkb: XkbLayout[] | undefined;
  try {
    xkb = registry ? parseXkbRegistry(registry) : undefined;
  } catch {
    xkb = undefined;
  }
  let archive: Buffer | undefined;
  const localeCompiled = (locale: string) => {
    const norm = normalizedLocale(locale);
    if (fs.isFile(`/usr/lib/locale/${norm}/LC_CTYPE`)) return true;
    archive ??= fs.readBytes('/usr/lib/locale/locale-archive') ?? Buffer.alloc(0);
    // the archive's name table holds each locale's name, NUL-terminated
    return archive.includes(Buffer.from(`\0${norm}\0`)) || archive.indexOf(Buffer.from(`${norm}\0`)) === 0;
  };
  return {
    fs,
    osId: target.os.id,
    localeCompiled,
    groups: groupNames(fs),
    accounts: target.accounts.map((a) => a.name),
    hostKeys: fs.isDirectory('/etc/ssh') ? sshHostKeyFiles(fs) : [],
    hasEula: fs.isFile('/etc/sysprep/eula.txt'),
    zoneinfo: (iana) => !iana.includes('..') && fs.isFile(`/usr/share/zoneinfo/${iana}`),
    ...(xkb?.length ? { xkb } : {}),
  };
}

// ------------------------------------------------------------------------------------------------
// the phases

interface PlanInput {
  facts: ImageFacts;
  target: Mode;
  madeAt: 'seal' | 'boot';
  answer?: FoundAnswerFile;
  /** the specialize settings already processed (the OOBE's pages depend on them) */
  specialized?: PassSettings;
  inputs: Plan['inputs'];
}

export function makePlan(phase: Phase, input: PlanInput): Plan {
  const s = input.answer ? getPassSettings(input.answer.doc, PHASE_PASS[phase]) : undefined;
  const plan: Plan = {
    phase,
    target: input.target,
    madeAt: input.madeAt,
    ...(input.answer ? { answer: { origin: input.answer.origin, source: input.answer.source } } : {}),
    inputs: input.inputs,
    steps: [],
    finish: [],
    pages: [],
  };
  const b = new StepBuilder(plan);
  switch (phase) {
    case 'specialize':
      planSpecialize(b, input, s);
      break;
    case 'oobe':
      planOobe(b, input, s);
      break;
    case 'audit':
      planAudit(b, input, s);
      break;
    case 'audit-user':
      planAuditUser(b, input, s);
      break;
  }
  return plan;
}

class StepBuilder {
  constructor(readonly plan: Plan) {}
  step(id: string, op: string, ...args: string[]): void {
    this.plan.steps.push({ id, op, args });
  }
  /** a note of the planner's for the log, when the plan runs */
  note(level: 'Info' | 'Warning', message: string): void {
    this.plan.steps.push({ op: 'op_log', args: [level, message] });
  }
  finish(op: string, ...args: string[]): void {
    this.plan.finish.push({ op, args });
  }
  /** At the end of a pass: the cache marked processed and scrubbed (SPEC 5), then the image state. */
  closePass(answer: FoundAnswerFile | undefined, pass: AnswerPass, phase: Phase): void {
    if (!answer) return;
    const { text, scrubbed } = cacheAfterPass(answer.doc, pass);
    this.plan.cacheAfter = text;
    this.finish('op_install_cache', cacheFile(phase),
      `Answer file: ${pass} pass marked processed in ${PATHS.cachedUnattend}${scrubbed ? `; ${scrubbed} sensitive values deleted` : ''}`);
  }
}

/** The answer file as the cache holds it after `pass`: a copy, marked processed, the pass's secrets deleted. */
export function cacheAfterPass(doc: AnswerFileDocument, pass: AnswerPass): { text: string; doc: AnswerFileDocument; scrubbed: number } {
  const copy = parseAnswerFile(serialize(doc), doc.file);
  markPassProcessed(copy, pass);
  const scrubbed = scrubSensitive(copy, pass);
  return { text: serialize(copy), doc: copy, scrubbed };
}

function planSpecialize(b: StepBuilder, input: PlanInput, s: PassSettings | undefined): void {
  const { facts } = input;
  const wanted = s?.shellSetup.computerName;
  if (wanted && wanted.trim() !== '*') b.step('hostname', 'op_hostname', linuxHostname(wanted), `ComputerName ${wanted}`);
  else b.step('hostname', 'op_hostname_generated', hostnamePrefix(facts.osId), 'generated');
  const providers = specializeProviders(facts.fs);
  for (const p of providers.filter((x) => x.source === 'built-in')) {
    // a built-in provider is TypeScript: the Node.js agent runs it, and only when it has work
    if (p.firstBootWork && !p.firstBootWork(facts.fs)) continue;
    b.step(`provider:${keyOf(p)}`, 'op_agent', 'provider', p.id);
  }
  if (s) {
    common(b, facts, s, 'specialize');
    autoLogon(b, facts, s, 'specialize', new Set());
    deviceForm(b, s, 'specialize');
    extendOsPartition(b, s, 'specialize');
    if (s.shellSetup.copyProfile) b.step('copy-profile', 'op_copy_profile');
    runCommands(b, s, 'specialize', 'root');
  }
  for (const p of providers.filter((x) => x.source !== 'built-in')) {
    if (!p.external) continue;
    waitForHostKeys(b);
    b.step(`provider:${keyOf(p)}`, 'op_external', p.id, p.source ?? '', String(p.external.timeout), input.target, ...p.external.command);
  }
  b.closePass(input.answer, 'specialize', 'specialize');
  b.finish('op_set_state', input.target === 'audit' ? 'IMAGE_STATE_SPECIALIZE_RESEAL_TO_AUDIT' : 'IMAGE_STATE_SPECIALIZE_RESEAL_TO_OOBE');
}

/** The default-enabled specialize providers that apply to the image: built-in ones first, then registered ones. */
function specializeProviders(fs: RootFs): Provider[] {
  const target = loadTarget(fs);
  return allProviders(fs).filter((p) => p.pass === 'specialize' && p.defaultEnabled && appliesTo(p, target)).sort(compareProviders);
}

function planOobe(b: StepBuilder, input: PlanInput, s: PassSettings | undefined): void {
  const { facts } = input;
  const created = new Set<string>();
  if (s) {
    common(b, facts, s, 'oobeSystem');
    accounts(b, facts, s, 'oobeSystem', created);
    autoLogon(b, facts, s, 'oobeSystem', created);
    firstLogonCommands(b, s);
    deviceForm(b, s, 'oobeSystem');
    extendOsPartition(b, s, 'oobeSystem');
  }
  b.plan.pages = oobePages(s, input.specialized, facts.hasEula);
  if (b.plan.pages.length) b.plan.steps.push({ op: 'op_interactive_oobe', args: b.plan.pages });
  else b.note('Info', 'OOBE: the answer file answered every page; nothing to ask');
  b.closePass(input.answer, 'oobeSystem', 'oobe');
  // Reseal in oobeSystem (reference §3.4): Mode Audit goes to audit mode, OOBE (the default) completes
  const reseal = s?.deployment.reseal;
  if (reseal?.mode === 'Audit') {
    b.finish('op_set_state', 'IMAGE_STATE_SPECIALIZE_RESEAL_TO_AUDIT');
    b.finish('op_power', reseal.forceShutdownNow ? 'poweroff' : 'reboot', 'Reseal Mode=Audit in oobeSystem');
    return;
  }
  b.finish('op_set_state', 'IMAGE_STATE_COMPLETE');
  b.finish('op_log', 'Info', 'OOBE complete; image state IMAGE_STATE_COMPLETE');
  if (reseal?.forceShutdownNow) b.finish('op_power', 'poweroff', 'Reseal ForceShutdownNow in oobeSystem');
}

function planAudit(b: StepBuilder, input: PlanInput, s: PassSettings | undefined): void {
  const { facts } = input;
  const created = new Set<string>();
  const mustReboot = s?.deployment.auditComputerName?.mustReboot === true;
  if (s) {
    if (s.shellSetup.timeZone) timeZone(b, facts, s.shellSetup.timeZone, 'auditSystem');
    const acn = s.deployment.auditComputerName;
    if (acn) {
      const name = acn.name?.trim();
      if (name && name !== '*') b.step('auditSystem:computer-name', 'op_hostname', linuxHostname(name), `AuditComputerName ${name}`);
      else if (name === '*' || (name === '' && !acn.mustReboot)) {
        b.step('auditSystem:computer-name', 'op_hostname_generated', hostnamePrefix(facts.osId), 'AuditComputerName, generated');
      }
    }
    accounts(b, facts, s, 'auditSystem', created);
    autoLogon(b, facts, s, 'auditSystem', created);
    deviceForm(b, s, 'auditSystem');
    extendOsPartition(b, s, 'auditSystem');
  }
  // auditUser runs when root logs in on the console (audit mode's autologin)
  b.step('audit:logon-pending', 'op_logon_pending');
  b.closePass(input.answer, 'auditSystem', 'audit');
  // Reseal in auditSystem (reference §3.4): Mode Audit (the default) stays; OOBE goes on to oobeSystem
  const reseal = s?.deployment.reseal;
  if (reseal?.mode === 'OOBE') {
    b.finish('op_set_state', 'IMAGE_STATE_SPECIALIZE_RESEAL_TO_OOBE');
    b.finish('op_power', reseal.forceShutdownNow ? 'poweroff' : 'reboot', 'Reseal Mode=OOBE in auditSystem');
  } else if (reseal?.forceShutdownNow) {
    b.finish('op_power', 'poweroff', 'Reseal Mode=Audit ForceShutdownNow in auditSystem');
  } else if (mustReboot) {
    b.finish('op_power', 'reboot', 'AuditComputerName MustReboot');
  }
}

function planAuditUser(b: StepBuilder, input: PlanInput, s: PassSettings | undefined): void {
  if (s) {
    // user context: the account audit mode logs on, root
    runCommands(b, s, 'auditUser', 'root');
    const owner = s.shellSetup.registeredOwner;
    const org = s.shellSetup.registeredOrganization;
    if (owner !== undefined || org !== undefined) {
      const ini = parseIni(input.facts.fs.readText(PATHS.imageIni) ?? '');
      const image = { ...(ini.Image ?? {}) };
      if (owner !== undefined) image.RegisteredOwner = owner;
      if (org !== undefined) image.RegisteredOrganization = org;
      b.step('auditUser:registration', 'op_write_file', PATHS.imageIni, '0644', formatIni({ ...ini, Image: image }));
    }
  }
  b.closePass(input.answer, 'auditUser', 'audit-user');
  // Generalize (only in auditUser) wins over Reseal (reference §3.4)
  const gen = s?.deployment.generalize;
  if (gen) {
    b.finish('op_generalize', gen.mode === 'Audit' ? 'audit' : 'oobe', gen.forceShutdownNow ? 'shutdown' : 'reboot');
    return;
  }
  const reseal = s?.deployment.reseal;
  if (reseal?.mode === 'OOBE') {
    b.finish('op_set_state', 'IMAGE_STATE_SPECIALIZE_RESEAL_TO_OOBE');
    b.finish('op_power', reseal.forceShutdownNow ? 'poweroff' : 'reboot', 'Reseal Mode=OOBE in auditUser');
  } else if (reseal?.mode === 'Audit') {
    b.finish('op_power', reseal.forceShutdownNow ? 'poweroff' : 'reboot', 'Reseal Mode=Audit in auditUser');
  } else if (reseal?.forceShutdownNow) {
    // no Mode: Windows asks with the Sysprep UI; the dialog is offered after the shutdown's next boot
    b.finish('op_power', 'poweroff', 'Reseal ForceShutdownNow in auditUser');
  }
}

// ------------------------------------------------------------------------------------------------
// settings shared by several passes

/** TimeZone and International-Core: the same meaning in specialize, oobeSystem and auditSystem. */
function common(b: StepBuilder, facts: ImageFacts, s: PassSettings, pass: AnswerPass): void {
  if (s.shellSetup.timeZone) timeZone(b, facts, s.shellSetup.timeZone, pass);
  const intl = s.international;
  const tag = intl.userLocale ?? intl.systemLocale ?? intl.uiLanguage;
  if (tag) {
    const locale = localeForLanguageTag(tag);
    const fallback = intl.uiLanguageFallback ? localeForLanguageTag(intl.uiLanguageFallback)?.split('.')[0] : undefined;
    if (!locale) b.note('Warning', `locale for "${tag}" unknown; not set`);
    else {
      const language = fallback ? [...new Set([locale.split('.')[0]!, fallback])].join(':') : '';
      b.step(`${pass}:locale`, 'op_locale', locale, tag + (fallback ? `, UILanguageFallback ${intl.uiLanguageFallback}` : ''), language,
        facts.localeCompiled(locale) ? 'compiled' : '');
    }
  }
  if (intl.inputLocale?.length) {
    const choice = xkbForInputLocale(intl.inputLocale[0]!, facts.xkb)[0];
    if (!choice) b.note('Warning', `keyboard "${intl.inputLocale[0]}" unknown; not set`);
    else b.step(`${pass}:keyboard`, 'op_keyboard', choice.layout, choice.variant ?? '', `InputLocale ${intl.inputLocale.join(';')}`);
  }
}

function timeZone(b: StepBuilder, facts: ImageFacts, tz: string, pass: AnswerPass): void {
  const iana = timeZoneForWindowsId(tz) ?? (facts.zoneinfo(tz) ? tz : undefined);
  if (!iana) b.note('Warning', `TimeZone "${tz}" is not a Windows time zone this tool knows; not set`);
  else b.step(`${pass}:timezone`, 'op_timezone', iana, `TimeZone ${tz}`);
}

/** UserAccounts: LocalAccounts (groups mapped to the image's), then every password in one chpasswd. */
function accounts(b: StepBuilder, facts: ImageFacts, s: PassSettings, pass: AnswerPass, created: Set<string>): void {
  const passwords: string[] = [];
  const admin = s.shellSetup.administratorPassword?.value;
  if (admin !== undefined) passwords.push('root', admin);
  for (const acct of s.shellSetup.localAccounts.filter((x) => x.action !== 'remove')) {
    const name = linuxUserName(acct.name);
    const groups = mapGroups(b, facts, acct);
    b.step(`${pass}:account:${name}`, 'op_account', name, acct.displayName ?? '', groups.join(','));
    created.add(name);
    if (acct.password?.value !== undefined) passwords.push(name, acct.password.value);
  }
  const auto = s.shellSetup.autoLogon;
  if (auto?.enabled && auto.username && auto.password?.value !== undefined) {
    const user = autoLogonUser(auto.username);
    if (facts.accounts.includes(user) || created.has(user)) passwords.push(user, auto.password.value);
  }
  if (passwords.length) b.step(`${pass}:passwords`, 'op_passwords', ...passwords);
}

function mapGroups(b: StepBuilder, facts: ImageFacts, acct: LocalAccount): string[] {
  const out: string[] = [];
  for (const g of acct.groups) {
    const linux = groupForWindowsGroup(g, facts.groups) ?? (facts.groups.includes(g) ? g : undefined);
    if (linux) {
      if (!out.includes(linux)) out.push(linux);
    } else b.note('Warning', `LocalAccount ${acct.name}: no group for "${g}" in this image`);
  }
  return out;
}

const autoLogonUser = (name: string) => (name.trim().toLowerCase() === 'administrator' ? 'root' : linuxUserName(name));

/** AutoLogon with LogonCount (valid in specialize, auditSystem and oobeSystem). */
function autoLogon(b: StepBuilder, facts: ImageFacts, s: PassSettings, pass: AnswerPass, created: Set<string>): void {
  const auto = s.shellSetup.autoLogon;
  if (!auto?.enabled || !auto.username) return;
  const user = autoLogonUser(auto.username);
  if (pass === 'auditSystem' && user === 'root') {
    b.note('Info', 'AutoLogon: audit mode logs root on automatically on the console already');
    return;
  }
  if (pass === 'specialize' && auto.password?.value !== undefined && facts.accounts.includes(user)) {
    // specialize has no UserAccounts (the other passes set AutoLogon's password with theirs)
    b.step(`${pass}:autologon-password`, 'op_passwords', user, auto.password.value);
  }
  const count = auto.logonCount === undefined ? 1 : auto.logonCount;
  if (count <= 0) {
    b.note('Info', `AutoLogon: LogonCount ${count}; ${user} is not logged on automatically`);
    return;
  }
  b.step(`${pass}:autologon`, 'op_autologon', user, String(count));
}

/** FirstLogonCommands: a file the login hook sources, run by each user's first login shell. */
function firstLogonCommands(b: StepBuilder, s: PassSettings): void {
  const cmds = s.shellSetup.firstLogonCommands.filter((c) => c.action !== 'remove').sort((x, y) => x.order - y.order);
  if (!cmds.length) return;
  const text = '# FirstLogonCommands of the answer file, in Order (sourced by /usr/lib/sysprep/firstboot logon)\n' +
    cmds.map((c) => `first_logon_command ${c.order} ${shellQuote(c.description ?? '')} ${shellQuote(c.commandLine)}\n`).join('');
  b.step('oobeSystem:first-logon-commands', 'op_first_logon_commands', text);
}

function deviceForm(b: StepBuilder, s: PassSettings, pass: AnswerPass): void {
  const code = s.deployment.deviceForm;
  if (code === undefined) return;
  const chassis = chassisForDeviceForm(code);
  if (!chassis) b.note('Info', `DeviceForm ${code}: no systemd chassis type for it; not set`);
  else b.step(`${pass}:chassis`, 'op_chassis', chassis, `DeviceForm ${code}`);
}

function extendOsPartition(b: StepBuilder, s: PassSettings, pass: AnswerPass): void {
  const e = s.deployment.extendOSPartition;
  if (!e?.extend) return;
  b.step(`${pass}:extend-os-partition`, 'op_agent', 'extend-os-partition', e.sizeMB ? String(e.sizeMB) : 'max');
}

/** Specialize's commands see the whole identity: the host keys' unit is waited for, once. */
function waitForHostKeys(b: StepBuilder): void {
  if (!b.plan.steps.some((st) => st.op === 'op_wait_host_keys')) b.plan.steps.push({ op: 'op_wait_host_keys', args: [] });
}

/**
 * RunSynchronous in Order, then RunAsynchronous ("RunSynchronous commands always run before commands
 * in the same pass", reference §3.5). The WillReboot codes are the runner's (op_run_sync).
 */
function runCommands(b: StepBuilder, s: PassSettings, pass: AnswerPass, user: string): void {
  const sync = s.deployment.runSynchronous.filter((c) => c.action !== 'remove').sort((x, y) => x.order - y.order);
  const async = s.deployment.runAsynchronous.filter((c) => c.action !== 'remove').sort((x, y) => x.order - y.order);
  if (pass === 'specialize' && (sync.length || async.length)) waitForHostKeys(b);
  for (const c of sync) {
    b.step(`${pass}:run:${c.order}`, 'op_run_sync', pass, String(c.order), c.willReboot, c.description ?? c.path, c.path, user);
  }
  for (const c of async) b.step(`${pass}:async:${c.order}`, 'op_run_async', pass, String(c.order), c.description ?? c.path, c.path, user);
}

// ------------------------------------------------------------------------------------------------
// OOBE pages

export const OOBE_PAGES = ['eula', 'locale', 'keyboard', 'timezone', 'hostname', 'user'] as const;
export type OobePage = (typeof OOBE_PAGES)[number];

/**
 * The pages the interactive OOBE still asks: those the answer file left open. The licence only when
 * /etc/sysprep/eula.txt exists and HideEULAPage is not set; locale, keyboard, time zone and host name
 * when neither oobeSystem nor specialize set them; the first user unless accounts were given or the
 * account screen is hidden. SkipMachineOOBE skips the first five, SkipUserOOBE the last.
 */
export function oobePages(s: PassSettings | undefined, spec: PassSettings | undefined, hasEula: boolean): OobePage[] {
  const o = s?.shellSetup.oobe ?? {};
  const hasLocale = (x: PassSettings | undefined) => !!(x && (x.international.userLocale || x.international.systemLocale || x.international.uiLanguage));
  // SkipMachineOOBE and SkipUserOOBE are deprecated on Windows, but old answer files rely on them
  const machine = !o.skipMachineOOBE;
  const open: Record<OobePage, boolean> = {
    eula: machine && hasEula && !o.hideEULAPage,
    locale: machine && !hasLocale(s) && !hasLocale(spec),
    keyboard: machine && !s?.international.inputLocale?.length && !spec?.international.inputLocale?.length,
    timezone: machine && !s?.shellSetup.timeZone && !spec?.shellSetup.timeZone,
    hostname: machine && !spec?.shellSetup.computerName && !s?.shellSetup.computerName,
    user: !o.skipUserOOBE && !o.hideLocalAccountScreen && !s?.shellSetup.localAccounts.length,
  };
  return OOBE_PAGES.filter((p) => open[p]);
}

// ------------------------------------------------------------------------------------------------
// writing a plan

/** Single-quoted for bash, unless plainly safe. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

const call = (st: PlanStep) => [st.op, ...st.args].map(shellQuote).join(' ');

export function renderPlan(plan: Plan): string {
  const lines = [
    '# sysprep first-boot plan (see /usr/lib/sysprep/firstboot): made by sysprep ' +
      `${VERSION} ${plan.madeAt === 'seal' ? 'when the image was sealed' : 'at boot'}, ${new Date().toISOString()}.`,
    `# Phase ${plan.phase} (${PHASE_PASS[plan.phase]} pass), then ${plan.target === 'audit' ? 'audit mode' : 'OOBE'}. ` +
      `Answer file: ${plan.answer ? `${plan.answer.source} (${plan.answer.origin})` : 'none'}.`,
    '# It may hold passwords: mode 0600, removed when the pass is complete.',
    `plan_answer_origin=${plan.answer?.origin ?? 'none'}`,
    'plan_inputs=(',
    ...plan.inputs.map((i) => `  ${shellQuote(i.path)} ${i.present ? 'present' : 'absent'}`),
    ')',
    'plan_steps() {',
    ...plan.steps.map((st) => (st.id ? `  step ${shellQuote(st.id)} ${call(st)} || return` : `  ${call(st)} || return`)),
    '  :',
    '}',
    'plan_finish() {',
    ...plan.finish.map((st) => `  ${call(st)} || return`),
    '  :',
    '}',
  ];
  return lines.join('\n') + '\n';
}

/** Write a plan (and the cache it leaves) into the image, 0600; later phases' plans go, they assumed another past. */
export function writePlan(fs: RootFs, plan: Plan): void {
  fs.makeDirectory(PLAN_DIR, 0o700);
  for (const later of LATER[plan.phase]) removePlan(fs, later);
  if (plan.cacheAfter !== undefined) fs.writeText(cacheFile(plan.phase), plan.cacheAfter, { mode: 0o600 });
  else fs.remove(cacheFile(plan.phase));
  fs.writeText(planFile(plan.phase), renderPlan(plan), { mode: 0o600 });
}

/**
 * The host keys the image's sshd uses, for the host-keys unit (sysprep-host-keys.service), and the
 * marker that has the generator start that unit until they exist.
 */
export function writeHostKeysPlan(fs: RootFs, facts: ImageFacts, hostName?: string): void {
  fs.makeDirectory(PLAN_DIR, 0o700);
  fs.writeText(MARKERS.hostKeysPending, '', { mode: 0o644 });
  fs.writeText(`${PLAN_DIR}/host-keys`, '# the SSH host keys this image\'s sshd uses (its HostKey lines), by sysprep\n' +
    `host_keys=(${facts.hostKeys.flatMap((k) => [k.type, k.file]).map(shellQuote).join(' ')})\n` +
    (hostName ? `host_name=${shellQuote(hostName)}\n` : ''), { mode: 0o600 });
}

/** The host name a specialize plan sets, when it is fixed (ComputerName), not generated at boot. */
function plannedHostName(plan: Plan): string | undefined {
  const st = plan.steps.find((x) => x.id === 'hostname');
  return st?.op === 'op_hostname' ? st.args[0] : undefined;
}

export function removePlan(fs: RootFs, phase: Phase): void {
  fs.remove(planFile(phase));
  fs.remove(cacheFile(phase));
}

// ------------------------------------------------------------------------------------------------
// at seal time

/** The candidates of the answer-file search that are in the image (SPEC 5: 2, 4 and 5). */
export const IMAGE_CANDIDATES = [
  { origin: 'cache', path: PATHS.cachedUnattend },
  { origin: 'etc', path: '/etc/sysprep/unattend.xml' },
  { origin: 'root', path: '/unattend.xml' },
] as const;

/**
 * The search as the clone will do it, minus what only the clone has (its kernel command line, its
 * media: the runner checks those). `cache` is the cache's content at that point (the previous pass
 * changed it), undefined when there is none.
 */
function searchInImage(fs: RootFs, pass: AnswerPass, cache: string | undefined, notes: string[]): FoundAnswerFile | undefined {
  for (const c of IMAGE_CANDIDATES) {
    const text = c.origin === 'cache' ? cache : fs.readText(c.path);
    if (text === undefined) continue;
    let doc: AnswerFileDocument;
    try {
      doc = parseAnswerFile(text, c.path);
    } catch (err) {
      // the clone's search will refuse it loudly; the plan leaves that to the agent at boot
      notes.push(`${c.path} cannot be read (${(err as Error).message}); the ${pass} pass will be planned at boot`);
      return undefined;
    }
    if (hasSettingsForPass(doc, pass)) return { doc, source: c.path, origin: c.origin, warnings: 0 };
  }
  return undefined;
}

/** The phases the next boot runs, by the state the seal leaves. */
export function phasesAfter(state: ImageState): { phases: Phase[]; target: Mode } {
  switch (state) {
    case 'IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE':
      return { phases: ['specialize', 'oobe'], target: 'oobe' };
    case 'IMAGE_STATE_GENERALIZE_RESEAL_TO_AUDIT':
      return { phases: ['specialize', 'audit'], target: 'audit' };
    case 'IMAGE_STATE_SPECIALIZE_RESEAL_TO_OOBE':
      return { phases: ['oobe'], target: 'oobe' };
    case 'IMAGE_STATE_SPECIALIZE_RESEAL_TO_AUDIT':
      return { phases: ['audit'], target: 'audit' };
    default:
      return { phases: [], target: 'oobe' };
  }
}

/**
 * Plans for the passes of the next boot, made when the image is sealed; returns what was planned (for
 * the log). A pass whose answer file cannot be known now (an unreadable candidate) gets no plan: the
 * agent plans it at boot.
 */
export function sealPlans(fs: RootFs, state: ImageState): { planned: Plan[]; notes: string[] } {
  for (const name of fs.list(PLAN_DIR)) fs.remove(`${PLAN_DIR}/${name}`);
  const { phases, target } = phasesAfter(state);
  if (!phases.length) return { planned: [], notes: [] };
  const facts = imageFacts(fs);
  // the host keys are made whatever happens to the plans (specialize may be planned at boot)
  if (phases.includes('specialize')) writeHostKeysPlan(fs, facts);
  const notes: string[] = [];
  let cache = fs.readText(PATHS.cachedUnattend);
  let specialized: PassSettings | undefined;
  const planned: Plan[] = [];
  for (const phase of phases) {
    const pass = PHASE_PASS[phase];
    const inputs = [
      { path: PATHS.cachedUnattend, present: cache !== undefined },
      ...IMAGE_CANDIDATES.slice(1).map((c) => ({ path: c.path, present: fs.exists(c.path) })),
      ...(phase === 'oobe' ? [{ path: '/etc/sysprep/eula.txt', present: facts.hasEula }] : []),
    ];
    const unreadable = notes.length;
    const answer = searchInImage(fs, pass, cache, notes);
    if (notes.length > unreadable) break;
    if (phase === 'oobe' && cache !== undefined) {
      try {
        specialized = getPassSettings(parseAnswerFile(cache, PATHS.cachedUnattend), 'specialize');
      } catch {
        specialized = undefined;
      }
    }
    const plan = makePlan(phase, { facts, target, madeAt: 'seal', inputs, ...(answer ? { answer } : {}), ...(specialized ? { specialized } : {}) });
    writePlan(fs, plan);
    if (phase === 'specialize') writeHostKeysPlan(fs, facts, plannedHostName(plan));
    planned.push(plan);
    if (plan.cacheAfter !== undefined) cache = plan.cacheAfter;
  }
  return { planned, notes };
}

/** A short account of a plan for the log: its steps by id, secrets never. */
export function describePlan(plan: Plan): string {
  const ids = plan.steps.filter((st) => st.id).map((st) => st.id!);
  return `${plan.phase}: ${ids.length} steps (${ids.join(', ') || 'none'})${plan.pages.length ? `; OOBE pages ${plan.pages.join(', ')}` : ''}`;
}
