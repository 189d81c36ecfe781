import { chassisForDeviceForm, groupForWindowsGroup, localeForLanguageTag, timeZoneForWindowsId, xkbForInputLocale, type LocalAccount, type PassSettings } from '../../answer-file/index.js';
import * as path from 'node:path';
import { type AnswerPass } from '../../model/passes.js';
import { PATHS } from '../../model/paths.js';
import { linuxUserName } from '../../system/host.js';
import { StepBuilder } from './builder.js';
import { ImageFacts } from './facts.js';

/** Settings shared by several passes: each becomes a step (or a note) of the plan. */

/** TimeZone and International-Core: the same meaning in specialize, oobeSystem and auditSystem. */
export function common(b: StepBuilder, facts: ImageFacts, s: PassSettings, pass: AnswerPass): void {
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

export function timeZone(b: StepBuilder, facts: ImageFacts, tz: string, pass: AnswerPass): void {
  const iana = timeZoneForWindowsId(tz) ?? (facts.zoneinfo(tz) ? tz : undefined);
  if (!iana) b.note('Warning', `TimeZone "${tz}" is not a Windows time zone this tool knows; not set`);
  else b.step(`${pass}:timezone`, 'op_timezone', iana, `TimeZone ${tz}`);
}

/** UserAccounts: LocalAccounts (groups mapped to the image's), then every password in one chpasswd. */
export function accounts(b: StepBuilder, facts: ImageFacts, s: PassSettings, pass: AnswerPass, created: Set<string>): void {
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

export function mapGroups(b: StepBuilder, facts: ImageFacts, acct: LocalAccount): string[] {
  const out: string[] = [];
  for (const g of acct.groups) {
    const linux = groupForWindowsGroup(g, facts.groups) ?? (facts.groups.includes(g) ? g : undefined);
    if (linux) {
      if (!out.includes(linux)) out.push(linux);
    } else b.note('Warning', `LocalAccount ${acct.name}: no group for "${g}" in this image`);
  }
  return out;
}

export const autoLogonUser = (name: string) => (name.trim().toLowerCase() === 'administrator' ? 'root' : linuxUserName(name));

/** AutoLogon with LogonCount (valid in specialize, auditSystem and oobeSystem). */
export function autoLogon(b: StepBuilder, facts: ImageFacts, s: PassSettings, pass: AnswerPass, created: Set<string>): void {
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

/**
 * FirstLogonCommands: ORDER DESCRIPTION COMMAND for each, in Order; the runner keeps them in a file of
 * records that the login hook reads, and runs each command with /bin/sh -c at each user's first login.
 */
export function firstLogonCommands(b: StepBuilder, s: PassSettings): void {
  const cmds = s.shellSetup.firstLogonCommands.filter((c) => c.action !== 'remove').sort((x, y) => x.order - y.order);
  if (!cmds.length) return;
  b.step('oobeSystem:first-logon-commands', 'op_first_logon_commands', ...cmds.flatMap((c) => [String(c.order), c.description ?? '', c.commandLine]));
}

export function deviceForm(b: StepBuilder, s: PassSettings, pass: AnswerPass): void {
  const code = s.deployment.deviceForm;
  if (code === undefined) return;
  const chassis = chassisForDeviceForm(code);
  if (!chassis) b.note('Info', `DeviceForm ${code}: no systemd chassis type for it; not set`);
  else b.step(`${pass}:chassis`, 'op_chassis', chassis, `DeviceForm ${code}`);
}

export function extendOsPartition(b: StepBuilder, s: PassSettings, pass: AnswerPass): void {
  const e = s.deployment.extendOSPartition;
  if (!e?.extend) return;
  b.step(`${pass}:extend-os-partition`, 'op_agent', 'extend-os-partition', e.sizeMB ? String(e.sizeMB) : 'max');
}

/** Specialize's commands see the whole identity: the host keys' unit is waited for, once. */
export function waitForHostKeys(b: StepBuilder): void {
  if (!b.plan.steps.some((st) => st.op === 'op_wait_host_keys')) b.call('op_wait_host_keys');
}

/**
 * RunSynchronous in Order, then RunAsynchronous ("RunSynchronous commands always run before commands
 * in the same pass", reference §3.5). The WillReboot codes are the runner's (op_run_sync).
 */
export function runCommands(b: StepBuilder, s: PassSettings, pass: AnswerPass, user: string): void {
  const sync = s.deployment.runSynchronous.filter((c) => c.action !== 'remove').sort((x, y) => x.order - y.order);
  const async = s.deployment.runAsynchronous.filter((c) => c.action !== 'remove').sort((x, y) => x.order - y.order);
  if (pass === 'specialize' && (sync.length || async.length)) waitForHostKeys(b);
  for (const c of sync) {
    b.step(`${pass}:run:${c.order}`, 'op_run_sync', pass, String(c.order), c.willReboot, c.description ?? c.path, c.path, user);
  }
  for (const c of async) b.step(`${pass}:async:${c.order}`, 'op_run_async', pass, String(c.order), c.description ?? c.path, c.path, user);
}

/**
 * DriverPaths in auditSystem (SPEC 11): the agent adds the drivers at each path on the booted clone
 * (`sysprep agent driver-paths BASE PATH…`). BASE is where a relative path is looked for: the answer
 * file's directory on the clone; an answer file given on sysprep's command line at the seal is not on
 * the clone, only its cache is (/var/lib/sysprep/), so relative paths are then relative to the cache.
 */
export function driverPaths(b: StepBuilder, s: PassSettings, pass: AnswerPass, answer: { origin: string; source: string } | undefined, madeAt: 'seal' | 'boot'): void {
  const entries = s.driverPaths.filter((d) => d.action !== 'remove' && d.path.trim() !== '');
  if (!entries.length) return;
  const onClone = answer && answer.source.startsWith('/') && !(answer.origin === 'explicit' && madeAt === 'seal');
  const base = onClone ? path.posix.dirname(answer.source) : path.posix.dirname(PATHS.cachedUnattend);
  b.step(`${pass}:driver-paths`, 'op_agent', 'driver-paths', base, ...entries.map((e) => e.path.trim()));
}
