/**
 * The first-boot agent, the windeploy of this tool (SPEC 6): `sysprep agent specialize|oobe|audit|logon`,
 * started by the units the generator pulls in. Each phase checks the image state first and does
 * nothing unless the state asks for it.
 *
 *   GENERALIZE_RESEAL_TO_X --specialize--> SPECIALIZE_RESEAL_TO_X
 *   SPECIALIZE_RESEAL_TO_OOBE --oobeSystem settings + interactive OOBE--> COMPLETE
 *   SPECIALIZE_RESEAL_TO_AUDIT --auditSystem (every boot; sticky until `sysprep /oobe`)
 *
 * While a phase runs the state is UNDEPLOYABLE and a marker says which phase; each step's completion
 * is recorded, so after a power loss the next boot finishes the phase without redoing what is done.
 * A failure leaves the state UNDEPLOYABLE, is written to setuperr.log and the console, and the next
 * boot tries again: the machine never pretends to be set up.
 */
import { spawnSync } from 'node:child_process';
import * as nodefs from 'node:fs';
import { FoundAnswerFile, findAnswerFile } from '../answer-file/locate.js';
import {
  getPassSettings, groupForWindowsGroup, localeForLanguageTag, markPassProcessed, parseAnswerFile, scrubSensitive, serialize,
  timeZoneForWindowsId, xkbForInputLocale, type PassSettings, type Pass as AnswerPass,
} from '../answer-file/index.js';
import { describeError } from '../core/errors.js';
import { allProviders, keyOf } from '../core/engine.js';
import { appliesTo, compareProviders, type Provider, type ProviderContext } from '../core/provider.js';
import { PantherLog } from '../core/panther.js';
import { PATHS } from '../core/paths.js';
import { ImageState, parseIni, readImageState, writeImageState } from '../core/state.js';
import { loadTarget } from '../core/target.js';
import { RootFs } from '../rootfs/rootfs.js';
import { ask, processConsole, type Console } from './prompt.js';
import {
  accountExists, cmd, createUser, generateHostKeys, generatedHostname, groupNames, linuxHostname, linuxUserName,
  setHostname, setKeyboard, setLocale, setPassword, setTimeZone, type Sys,
} from './system.js';
import { AGENT, CONSOLE_GETTYS, MARKERS } from './units.js';

type Mode = 'oobe' | 'audit';

interface FirstBootRecord {
  phase: 'specialize' | 'oobe' | 'audit';
  target: Mode;
  startedAt: string;
  /** step id → ISO time */
  completed: Record<string, string>;
}

interface Agent extends Sys {
  record: FirstBootRecord;
  say(message: string): void;
}

function openAgent(phase: FirstBootRecord['phase']): { sys: Sys; state: ImageState } {
  const fs = new RootFs('/');
  const log = new PantherLog(fs, PATHS.firstBootPanther);
  log.open();
  return { sys: { fs, log }, state: readImageState(fs).imageState };
}

function readRecord(sys: Sys): FirstBootRecord | undefined {
  try {
    return JSON.parse(sys.fs.readText(MARKERS.firstBoot) ?? '') as FirstBootRecord;
  } catch {
    return undefined;
  }
}

function saveRecord(a: Agent): void {
  a.fs.writeText(MARKERS.firstBoot, JSON.stringify(a.record, null, 2) + '\n', { mode: 0o600 });
}

/** Run a step once per phase; its completion survives a power loss. */
async function step(a: Agent, id: string, fn: () => void | Promise<void>): Promise<void> {
  if (a.record.completed[id]) {
    a.log.info(`${id}: already done before the interruption`);
    return;
  }
  await fn();
  a.record.completed[id] = new Date().toISOString();
  saveRecord(a);
}

function unattendLog(sys: Sys): PantherLog {
  const log = new PantherLog(sys.fs, PATHS.unattendGc, 'UNATTD');
  log.open();
  return log;
}

/** The answer file for a pass, by the SPEC 5 search; undefined when none has settings for it. */
function answerFor(sys: Sys, pass: AnswerPass): { found: FoundAnswerFile; settings: PassSettings } | undefined {
  const found = findAnswerFile(sys.fs, pass, sys.log);
  return found ? { found, settings: getPassSettings(found.doc, pass) } : undefined;
}

/** At the end of a pass: mark it processed in the cache and delete the secrets it used. */
function closePass(sys: Sys, answer: { found: FoundAnswerFile } | undefined, pass: AnswerPass): void {
  if (!answer) return;
  markPassProcessed(answer.found.doc, pass);
  const n = scrubSensitive(answer.found.doc, pass);
  sys.fs.makeDirectory('/var/lib/sysprep', 0o755);
  sys.fs.writeText(PATHS.cachedUnattend, serialize(answer.found.doc), { mode: 0o600 });
  sys.log.info(`Answer file: ${pass} pass marked processed in ${PATHS.cachedUnattend}${n ? `; ${n} sensitive values deleted` : ''}`);
}

function fail(sys: Sys, phase: string, err: unknown): number {
  const msg = describeError(err);
  sys.log.error(`${phase}: ${msg}. The image state stays IMAGE_STATE_UNDEPLOYABLE; the next boot tries again.`);
  process.stderr.write(`\nsysprep: ${phase} failed: ${msg}\nThis machine is not set up (IMAGE_STATE_UNDEPLOYABLE). See /var/log/sysprep/panther/setuperr.log.\n\n`);
  return 1;
}

function powerAction(sys: Sys, verb: 'reboot' | 'poweroff', why: string): void {
  sys.log.info(`${why}: systemctl ${verb}`);
  spawnSync('systemctl', ['--no-block', verb]);
}

// ------------------------------------------------------------------------------------------------
// specialize

async function specialize(): Promise<number> {
  const { sys, state } = openAgent('specialize');
  const previous = readRecord(sys);
  const resuming = state === 'IMAGE_STATE_UNDEPLOYABLE' && sys.fs.exists(MARKERS.specializeInProgress) && previous?.phase === 'specialize';
  if (!resuming && state !== 'IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE' && state !== 'IMAGE_STATE_GENERALIZE_RESEAL_TO_AUDIT') {
    sys.log.info(`specialize: nothing to do in ${state}`);
    return 0;
  }
  const target: Mode = resuming ? previous!.target : state === 'IMAGE_STATE_GENERALIZE_RESEAL_TO_AUDIT' ? 'audit' : 'oobe';
  sys.log.banner();
  sys.log.info(`[windeploy] specialize pass ${resuming ? 'resumed after an interruption' : 'started'}; then ${target === 'audit' ? 'audit mode' : 'OOBE'}`);
  const a: Agent = {
    ...sys,
    record: resuming ? previous! : { phase: 'specialize', target, startedAt: new Date().toISOString(), completed: {} },
    say: (m) => process.stdout.write(`sysprep: ${m}\n`),
  };
  sys.fs.writeText(MARKERS.specializeInProgress, `${target}\n`, { mode: 0o644 });
  saveRecord(a);
  writeImageState(sys.fs, 'IMAGE_STATE_UNDEPLOYABLE');
  try {
    const answer = answerFor(sys, 'specialize');
    const s = answer?.settings;
    const os = loadTarget(sys.fs).os;
    await step(a, 'hostname', () => {
      const wanted = s?.shellSetup.computerName;
      const name = wanted && wanted.trim() !== '*' ? linuxHostname(wanted) : generatedHostname(os.id);
      setHostname(a, name);
      a.log.info(`hostname: ${name}${wanted && wanted.trim() !== '*' ? ` (ComputerName ${wanted})` : ' (generated)'}`);
    });
    await step(a, 'ssh-host-keys', () => {
      const made = generateHostKeys(a);
      a.log.info(made.length ? `ssh-host-keys: generated ${made.filter((f) => !f.endsWith('.pub')).join(', ')}` : 'ssh-host-keys: none needed');
    });
    const providers = specializeProviders(a);
    for (const p of providers.filter((x) => x.source === 'built-in')) await step(a, `provider:${keyOf(p)}`, () => runProvider(a, p, target));
    if (s) await applyCommon(a, s, 'specialize');
    if (s?.shellSetup.copyProfile) await step(a, 'copy-profile', () => copyProfile(a));
    if (s) {
      const reboot = await runSynchronous(a, s, 'specialize');
      if (reboot) {
        a.log.info('specialize: a RunSynchronous command asked for a restart; the pass continues after it');
        powerAction(a, 'reboot', 'WillReboot');
        return 0;
      }
    }
    for (const p of providers.filter((x) => x.source !== 'built-in')) await step(a, `provider:${keyOf(p)}`, () => runProvider(a, p, target));
    closePass(sys, answer, 'specialize');
    const next: ImageState = target === 'audit' ? 'IMAGE_STATE_SPECIALIZE_RESEAL_TO_AUDIT' : 'IMAGE_STATE_SPECIALIZE_RESEAL_TO_OOBE';
    writeImageState(sys.fs, next);
    sys.fs.remove(MARKERS.specializeInProgress);
    sys.log.info(`specialize pass complete; image state ${next}`);
    return 0;
  } catch (err) {
    return fail(sys, 'specialize', err);
  } finally {
    sys.log.close();
  }
}

/** The default-enabled specialize providers that apply here: built-in ones first, then registered ones. */
function specializeProviders(a: Agent): Provider[] {
  const target = loadTarget(a.fs);
  return allProviders(a.fs).filter((p) => p.pass === 'specialize' && p.defaultEnabled && appliesTo(p, target)).sort(compareProviders);
}

async function runProvider(a: Agent, p: Provider, mode: Mode): Promise<void> {
  const target = loadTarget(a.fs);
  a.log.info(`RunProvider:Running '${p.id}' (specialize, ${p.source})`);
  const ctx: ProviderContext = {
    fs: a.fs,
    target,
    log: a.log,
    options: { mode, generalize: false, vm: false, dryRun: false, keepUserAccounts: [], removeUserAccounts: [], persistAllDeviceInstalls: false, doNotCleanUpNonPresentDevices: false },
    note: (m) => a.log.info(`${p.id}: ${m}`),
  };
  await p.validate?.(ctx);
  await p.run(ctx);
}

/** TimeZone and International-Core: the same meaning in specialize, oobeSystem and auditSystem. */
async function applyCommon(a: Agent, s: PassSettings, pass: string): Promise<void> {
  const tz = s.shellSetup.timeZone;
  if (tz) {
    await step(a, `${pass}:timezone`, () => {
      const iana = timeZoneForWindowsId(tz) ?? (a.fs.isFile(`/usr/share/zoneinfo/${tz}`) ? tz : undefined);
      if (!iana) a.log.warn(`TimeZone "${tz}" is not a Windows time zone this tool knows; not set`);
      else if (setTimeZone(a, iana)) a.log.info(`time zone: ${iana} (TimeZone ${tz})`);
    });
  }
  const intl = s.international;
  const tag = intl.userLocale ?? intl.systemLocale ?? intl.uiLanguage;
  if (tag) {
    await step(a, `${pass}:locale`, () => {
      const locale = localeForLanguageTag(tag);
      if (!locale) a.log.warn(`locale for "${tag}" unknown; not set`);
      else {
        setLocale(a, locale);
        a.log.info(`locale: ${locale} (${tag})`);
      }
    });
  }
  if (intl.inputLocale?.length) {
    await step(a, `${pass}:keyboard`, () => {
      const choice = xkbForInputLocale(intl.inputLocale![0]!)[0];
      if (!choice) a.log.warn(`keyboard "${intl.inputLocale![0]}" unknown; not set`);
      else {
        setKeyboard(a, choice.layout, choice.variant);
        a.log.info(`keyboard: ${choice.layout}${choice.variant ? `(${choice.variant})` : ''} (InputLocale ${intl.inputLocale!.join(';')})`);
      }
    });
  }
}

/** CopyProfile: root's customised profile becomes the one new accounts start with (/etc/skel). */
function copyProfile(a: Agent): void {
  const skip = /^\.(bash_history|zsh_history|ssh|cache|local\/share\/Trash|lesshst|viminfo|wget-hsts|python_history|sudo_as_admin_successful)$/;
  let n = 0;
  for (const name of a.fs.list('/root')) {
    if (!name.startsWith('.') || skip.test(name)) continue;
    const st = a.fs.lstat(`/root/${name}`);
    if (!st?.isFile()) continue;
    if (a.fs.writeText(`/etc/skel/${name}`, nodefs.readFileSync(a.fs.resolve(`/root/${name}`)))) n++;
  }
  a.log.info(`CopyProfile: ${n} of root's dotfiles copied to /etc/skel`);
}

/**
 * RunSynchronous (reference §3.5): in Order, each waited for. WillReboot Always: restart after it;
 * OnRequest: exit 0 = go on, 1 = restart then the next command, 2 = restart and run it again, anything
 * else = failure; Never/Always: a non-zero exit is logged, not fatal.
 * @returns true when the machine must restart now (the rest continues after the reboot)
 */
async function runSynchronous(a: Agent, s: PassSettings, pass: string, user?: string): Promise<boolean> {
  const cmds = s.deployment.runSynchronous.filter((c) => c.action !== 'remove').sort((x, y) => x.order - y.order);
  const gc = unattendLog(a);
  try {
    for (const c of cmds) {
      const id = `${pass}:run:${c.order}`;
      if (a.record.completed[id]) continue;
      const label = c.description ?? c.path;
      gc.info(`[${pass}] RunSynchronous ${c.order}: ${label}`);
      a.say?.(`running ${label}`);
      const argv = user && user !== 'root' ? ['runuser', '-l', user, '-c', c.path] : ['/bin/sh', '-c', c.path];
      const r = cmd(a, argv, { quietLog: true });
      if (r.stdout.trim()) gc.info(`[${pass}] ${c.order} output: ${r.stdout.trim()}`);
      if (r.stderr.trim()) gc.info(`[${pass}] ${c.order} errors: ${r.stderr.trim()}`);
      gc.info(`[${pass}] RunSynchronous ${c.order} exited ${r.status}`);
      if (c.willReboot === 'OnRequest') {
        if (r.status === 2) return true; // run it again after the restart
        if (r.status !== 0 && r.status !== 1) throw new Error(`RunSynchronous command ${c.order} (${label}) failed with exit code ${r.status}`);
        a.record.completed[id] = new Date().toISOString();
        saveRecord(a);
        if (r.status === 1) return true;
        continue;
      }
      if (r.status !== 0) gc.warn(`[${pass}] RunSynchronous ${c.order} (${label}) exited ${r.status}; not fatal (WillReboot ${c.willReboot})`);
      a.record.completed[id] = new Date().toISOString();
      saveRecord(a);
      if (c.willReboot === 'Always') return true;
    }
    return false;
  } finally {
    gc.close();
  }
}

// ------------------------------------------------------------------------------------------------
// oobeSystem and OOBE

async function oobe(): Promise<number> {
  const { sys, state } = openAgent('oobe');
  const previous = readRecord(sys);
  const resuming = state === 'IMAGE_STATE_UNDEPLOYABLE' && sys.fs.exists(MARKERS.oobeInProgress) && previous?.phase === 'oobe';
  if (!resuming && state !== 'IMAGE_STATE_SPECIALIZE_RESEAL_TO_OOBE') {
    sys.log.info(`oobe: nothing to do in ${state}`);
    if (state === 'IMAGE_STATE_UNDEPLOYABLE') process.stdout.write('\r\nsysprep: this machine is not set up: a first-boot pass failed (see /var/log/sysprep/panther/setuperr.log)\r\n');
    return 0;
  }
  const a: Agent = {
    ...sys,
    record: resuming ? previous! : { phase: 'oobe', target: 'oobe', startedAt: new Date().toISOString(), completed: {} },
    say: (m) => process.stdout.write(`sysprep: ${m}\r\n`),
  };
  sys.log.info(`[windeploy] oobeSystem pass ${resuming ? 'resumed' : 'started'}`);
  sys.fs.writeText(MARKERS.oobeInProgress, 'oobe\n', { mode: 0o644 });
  saveRecord(a);
  writeImageState(sys.fs, 'IMAGE_STATE_UNDEPLOYABLE');
  let console_: Console | undefined;
  try {
    const answer = answerFor(sys, 'oobeSystem');
    const s = answer?.settings;
    const specialized = readCachedSettings(sys, 'specialize');
    if (s) await applyOobeSystem(a, s);
    // the pages the answer file left open
    console_ = processConsole();
    await interactiveOobe(a, console_, s, specialized);
    const reseal = s?.deployment.reseal;
    closePass(sys, answer, 'oobeSystem');
    if (reseal?.mode === 'Audit') {
      writeImageState(sys.fs, 'IMAGE_STATE_SPECIALIZE_RESEAL_TO_AUDIT');
      sys.fs.remove(MARKERS.oobeInProgress);
      powerAction(sys, reseal.forceShutdownNow ? 'poweroff' : 'reboot', 'Reseal Mode=Audit in oobeSystem');
      return 0;
    }
    writeImageState(sys.fs, 'IMAGE_STATE_COMPLETE');
    sys.fs.remove(MARKERS.oobeInProgress);
    sys.fs.remove(MARKERS.firstBoot);
    sys.log.info('OOBE complete; image state IMAGE_STATE_COMPLETE');
    if (reseal?.forceShutdownNow) powerAction(sys, 'poweroff', 'Reseal ForceShutdownNow in oobeSystem');
    return 0;
  } catch (err) {
    return fail(sys, 'oobe', err);
  } finally {
    console_?.close();
    sys.log.close();
  }
}

/** Settings of an already-processed pass, from the cache (to know which OOBE pages they answered). */
function readCachedSettings(sys: Sys, pass: AnswerPass): PassSettings | undefined {
  const text = sys.fs.readText(PATHS.cachedUnattend);
  if (!text) return undefined;
  try {
    return getPassSettings(parseAnswerFile(text, PATHS.cachedUnattend), pass);
  } catch {
    return undefined;
  }
}

async function applyOobeSystem(a: Agent, s: PassSettings): Promise<void> {
  await applyCommon(a, s, 'oobeSystem');
  const admin = s.shellSetup.administratorPassword?.value;
  if (admin !== undefined) await step(a, 'oobeSystem:root-password', () => setPassword(a, 'root', admin));
  const groups = groupNames(a.fs);
  for (const acct of s.shellSetup.localAccounts.filter((x) => x.action !== 'remove')) {
    await step(a, `oobeSystem:account:${acct.name}`, () => {
      const name = linuxUserName(acct.name);
      const mapped = [...new Set(acct.groups.map((g) => groupForWindowsGroup(g, groups) ?? (groups.includes(g) ? g : undefined)).filter((g): g is string => !!g))];
      for (const g of acct.groups) if (!groupForWindowsGroup(g, groups) && !groups.includes(g)) a.log.warn(`LocalAccount ${acct.name}: no group for "${g}" in this image`);
      createUser(a, name, { ...(acct.displayName ? { fullName: acct.displayName } : {}), groups: mapped });
      if (acct.password?.value !== undefined) setPassword(a, name, acct.password.value);
      a.log.info(`account ${name} created${mapped.length ? ` in ${mapped.join(', ')}` : ''}`);
    });
  }
  const auto = s.shellSetup.autoLogon;
  if (auto?.enabled && auto.username) {
    await step(a, 'oobeSystem:autologon', () => {
      const user = auto.username!.toLowerCase() === 'administrator' ? 'root' : linuxUserName(auto.username!);
      if (auto.password?.value !== undefined && accountExists(a.fs, user)) setPassword(a, user, auto.password.value);
      enableAutoLogon(a, user, auto.logonCount ?? 1);
    });
  }
  if (s.shellSetup.firstLogonCommands.length) {
    await step(a, 'oobeSystem:first-logon-commands', () => {
      const cmds = s.shellSetup.firstLogonCommands.filter((c) => c.action !== 'remove').sort((x, y) => x.order - y.order)
        .map((c) => ({ order: c.order, commandLine: c.commandLine, description: c.description ?? null }));
      // readable by everyone: each user's login shell runs them as that user (as Windows does)
      a.fs.makeDirectory(MARKERS.firstLogonDir, 0o755);
      a.fs.writeText(`${MARKERS.firstLogonDir}/commands.json`, JSON.stringify(cmds, null, 2) + '\n', { mode: 0o644 });
      a.fs.writeText(MARKERS.logonPending, '', { mode: 0o644 });
      a.log.info(`FirstLogonCommands: ${cmds.length} commands run at each user's first logon`);
    });
  }
}

/** AutoLogon with LogonCount: agetty --autologin on the console until the count is used up. */
function enableAutoLogon(a: Agent, user: string, count: number): void {
  for (const unit of CONSOLE_GETTYS) {
    const baud = unit.startsWith('serial') ? '--keep-baud 115200,57600,38400,9600 ' : '--noclear ';
    a.fs.makeDirectory(`/etc/systemd/system/${unit}.d`, 0o755);
    // the count is kept by root before each automatic logon (ExecStartPre), not by the user's shell
    a.fs.writeText(`/etc/systemd/system/${unit}.d/sysprep-autologon.conf`,
      `[Service]\nExecStartPre=-${AGENT} agent autologon-tick\nExecStart=\nExecStart=-/sbin/agetty --autologin ${user} ${baud}%I $TERM\n`, { mode: 0o644 });
  }
  a.fs.writeText(MARKERS.autologon, JSON.stringify({ user, remaining: count }) + '\n', { mode: 0o600 });
  a.log.info(`AutoLogon: ${user} logs in automatically on the console ${count} time(s)`);
}

async function interactiveOobe(a: Agent, c: Console, s: PassSettings | undefined, spec: PassSettings | undefined): Promise<void> {
  const o = s?.shellSetup.oobe ?? {};
  // SkipMachineOOBE and SkipUserOOBE are deprecated and ignored (the model says so): pages are hidden
  // by answering them, or with the Hide… settings
  const machine = true;
  const eula = a.fs.readText('/etc/sysprep/eula.txt');
  const pages = {
    eula: machine && eula !== undefined && !o.hideEULAPage,
    locale: machine && !hasLocale(s) && !hasLocale(spec),
    keyboard: machine && !s?.international.inputLocale?.length && !spec?.international.inputLocale?.length,
    timezone: machine && !s?.shellSetup.timeZone && !spec?.shellSetup.timeZone,
    hostname: machine && !spec?.shellSetup.computerName && !s?.shellSetup.computerName,
    user: !o.hideLocalAccountScreen && !(s?.shellSetup.localAccounts.length) &&
      !(s && s.shellSetup.administratorPassword && o.hideLocalAccountScreen),
  };
  const open = Object.entries(pages).filter(([, v]) => v).map(([k]) => k);
  if (!open.length) {
    a.log.info('OOBE: the answer file answered every page; nothing to ask');
    return;
  }
  a.log.info(`OOBE: asking on the console: ${open.join(', ')}`);
  const os = loadTarget(a.fs).os;
  const reg = parseIni(a.fs.readText(PATHS.imageIni) ?? '').Image ?? {};
  const registered = [reg.RegisteredOwner, reg.RegisteredOrganization].filter(Boolean).join(', ');
  c.write(`\n=== Welcome to ${os.prettyName} ===\n` +
    (registered ? `Registered to: ${registered}\n` : '') + (reg.DuplicatorDescription ? `${reg.DuplicatorDescription}\n` : '') +
    `Let's set up this computer. Press Enter to accept a suggestion in [brackets].\n\n`);
  if (pages.eula) {
    await step(a, 'oobe:eula', async () => {
      c.write(`--- Licence ---\n${eula!.trimEnd()}\n---\n`);
      const v = await ask(c, 'Do you accept the licence terms? (yes/no)', { check: (x) => (/^(y|yes|n|no)$/i.test(x) ? undefined : 'answer yes or no') });
      if (/^n/i.test(v)) {
        a.log.warn('OOBE: licence declined; shutting down');
        c.write('The licence was declined. The computer will shut down.\n');
        powerAction(a, 'poweroff', 'licence declined');
        throw new Error('the licence terms were declined');
      }
      a.log.info('OOBE: licence accepted');
    });
  }
  if (pages.locale) {
    await step(a, 'oobe:locale', async () => {
      const v = await ask(c, 'Language and region (locale, e.g. en_US.UTF-8, de_DE.UTF-8)', {
        default: 'en_US.UTF-8',
        check: (x) => (/^[a-z]{2,3}(_[A-Z]{2})?(\.[A-Za-z0-9-]+)?(@\w+)?$|^C(\.UTF-8)?$/.test(x) ? undefined : 'write a locale such as en_US.UTF-8'),
      });
      setLocale(a, v);
      a.log.info(`OOBE: locale ${v}`);
    });
  }
  if (pages.keyboard) {
    await step(a, 'oobe:keyboard', async () => {
      const v = await ask(c, 'Keyboard layout (XKB name, e.g. us, de, fr, gb)', {
        default: 'us',
        check: (x) => (/^[a-z]{2,10}(\([a-z0-9_-]+\))?$/.test(x) ? undefined : 'write a layout such as us or de'),
      });
      const m = /^([a-z]+)(?:\(([^)]+)\))?$/.exec(v)!;
      setKeyboard(a, m[1]!, m[2] ?? '');
      a.log.info(`OOBE: keyboard ${v}`);
    });
  }
  if (pages.timezone) {
    await step(a, 'oobe:timezone', async () => {
      const v = await ask(c, 'Time zone (e.g. Europe/Berlin, America/New_York, UTC)', {
        default: 'UTC',
        check: (x) => (a.fs.isFile(`/usr/share/zoneinfo/${x}`) && !x.includes('..') ? undefined : `no time zone "${x}" in /usr/share/zoneinfo`),
      });
      setTimeZone(a, v);
      a.log.info(`OOBE: time zone ${v}`);
    });
  }
  if (pages.hostname) {
    await step(a, 'oobe:hostname', async () => {
      const current = (a.fs.readText('/etc/hostname') ?? '').trim() || generatedHostname(os.id);
      const v = await ask(c, 'Computer name', {
        default: current,
        check: (x) => (/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i.test(x) ? undefined : 'letters, digits and "-" only, up to 63'),
      });
      setHostname(a, v.toLowerCase());
      a.log.info(`OOBE: computer name ${v.toLowerCase()}`);
    });
  }
  if (pages.user) {
    await step(a, 'oobe:user', async () => {
      c.write('\nCreate the first user account. It may use sudo to administer the computer.\n');
      const name = await ask(c, 'User name', {
        check: (x) => (!/^[a-z_][a-z0-9_-]{0,31}$/.test(x) ? 'lower-case letters, digits, "-" and "_", starting with a letter'
          : accountExists(a.fs, x) ? `"${x}" exists already` : undefined),
      });
      const full = await ask(c, 'Full name', { default: '' });
      let password = '';
      for (;;) {
        password = await ask(c, 'Password', { secret: true, check: (x) => (x.length < 1 ? 'the password cannot be empty' : undefined) });
        const again = await ask(c, 'Password again', { secret: true });
        if (again === password) break;
        c.write('  The passwords differ; try again.\n');
      }
      const admin = ['sudo', 'wheel'].find((g) => groupNames(a.fs).includes(g));
      createUser(a, name, { ...(full ? { fullName: full } : {}), groups: admin ? [admin] : [] });
      setPassword(a, name, password);
      a.log.info(`OOBE: user ${name} created${admin ? ` (member of ${admin})` : ''}`);
      c.write(`User ${name} created.\n`);
    });
  }
  c.write('\nSetup is complete.\n\n');
}

function hasLocale(s: PassSettings | undefined): boolean {
  return !!(s && (s.international.userLocale || s.international.systemLocale || s.international.uiLanguage));
}

// ------------------------------------------------------------------------------------------------
// audit mode

async function audit(): Promise<number> {
  const { sys, state } = openAgent('audit');
  if (state !== 'IMAGE_STATE_SPECIALIZE_RESEAL_TO_AUDIT') {
    sys.log.info(`audit: nothing to do in ${state}`);
    sys.log.close();
    return 0;
  }
  const a: Agent = {
    ...sys,
    record: { phase: 'audit', target: 'audit', startedAt: new Date().toISOString(), completed: {} },
    say: (m) => process.stdout.write(`sysprep: ${m}\n`),
  };
  try {
    sys.log.info('[windeploy] audit mode: auditSystem pass');
    const answer = answerFor(sys, 'auditSystem');
    const s = answer?.settings;
    if (s) {
      await applyCommon(a, s, 'auditSystem');
      const admin = s.shellSetup.administratorPassword?.value;
      if (admin !== undefined) setPassword(a, 'root', admin);
    }
    // auditUser runs when root logs in on the console (autologin); then the dialog is offered
    sys.fs.writeText(MARKERS.logonPending, '', { mode: 0o644 });
    closePass(sys, answer, 'auditSystem');
    const reseal = s?.deployment.reseal;
    if (reseal?.mode === 'OOBE') {
      writeImageState(sys.fs, 'IMAGE_STATE_SPECIALIZE_RESEAL_TO_OOBE');
      powerAction(sys, reseal.forceShutdownNow ? 'poweroff' : 'reboot', 'Reseal Mode=OOBE in auditSystem');
    } else if (reseal?.forceShutdownNow) {
      powerAction(sys, 'poweroff', 'Reseal Mode=Audit ForceShutdownNow in auditSystem');
    }
    return 0;
  } catch (err) {
    return fail(sys, 'audit', err);
  } finally {
    sys.log.close();
  }
}

/**
 * Before each automatic logon (ExecStartPre of the getty, as root): count it; when LogonCount is used
 * up, the autologin drop-ins go, and from the next getty start on the console asks for a login.
 */
function autologonTick(): number {
  const fs = new RootFs('/');
  let auto: { user: string; remaining: number };
  try {
    auto = JSON.parse(fs.readText(MARKERS.autologon) ?? '');
  } catch {
    return 0;
  }
  const log = new PantherLog(fs, PATHS.firstBootPanther);
  log.open();
  auto.remaining--;
  if (auto.remaining <= 0) {
    for (const unit of CONSOLE_GETTYS) fs.remove(`/etc/systemd/system/${unit}.d/sysprep-autologon.conf`);
    fs.remove(MARKERS.autologon);
    log.info(`AutoLogon: the last automatic logon of ${auto.user} (LogonCount used up)`);
  } else {
    fs.writeText(MARKERS.autologon, JSON.stringify(auto) + '\n', { mode: 0o600 });
    log.info(`AutoLogon: ${auto.user}, ${auto.remaining} automatic logons left`);
  }
  log.close();
  return 0;
}

// ------------------------------------------------------------------------------------------------
// logon hook: auditUser + dialog (audit mode), FirstLogonCommands, AutoLogon count

async function logon(): Promise<number> {
  const fs = new RootFs('/');
  const user = (process.env.USER ?? process.env.LOGNAME ?? '').trim() || (process.getuid?.() === 0 ? 'root' : '');
  const uid = process.getuid?.() ?? -1;
  const state = readImageState(fs).imageState;
  await firstLogonCommands(fs, user);
  if (state === 'IMAGE_STATE_SPECIALIZE_RESEAL_TO_AUDIT' && uid === 0 && /^\/dev\/(tty1|ttyS0|console)$/.test(ttyName())) {
    return auditUser(fs);
  }
  return 0;
}

function ttyName(): string {
  try {
    return nodefs.readlinkSync('/proc/self/fd/0');
  } catch {
    return '';
  }
}

async function firstLogonCommands(fs: RootFs, user: string): Promise<void> {
  const text = fs.readText(`${MARKERS.firstLogonDir}/commands.json`);
  if (!text || !user) return;
  const home = process.env.HOME ?? '';
  const done = `${home}/.config/sysprep-first-logon.done`;
  if (!home || nodefs.existsSync(done)) return;
  const cmds = JSON.parse(text) as { order: number; commandLine: string; description: string | null }[];
  for (const c of cmds) {
    process.stdout.write(`sysprep: first logon: ${c.description ?? c.commandLine}\n`);
    spawnSync('/bin/sh', ['-c', c.commandLine], { stdio: 'inherit' });
  }
  nodefs.mkdirSync(`${home}/.config`, { recursive: true });
  nodefs.writeFileSync(done, new Date().toISOString() + '\n');
}

/** auditUser pass (RunSynchronous as root, once per boot), then the System Preparation Tool dialog. */
async function auditUser(fs: RootFs): Promise<number> {
  const sys: Sys = { fs, log: new PantherLog(fs, PATHS.firstBootPanther) };
  sys.log.open();
  const bootId = nodefs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  const stamp = '/run/sysprep-audituser.done';
  if (!nodefs.existsSync(stamp)) {
    nodefs.writeFileSync(stamp, bootId);
    const answer = answerFor(sys, 'auditUser');
    if (answer) {
      const a: Agent = { ...sys, record: { phase: 'audit', target: 'audit', startedAt: '', completed: {} }, say: (m) => process.stdout.write(`sysprep: ${m}\n`) };
      const reboot = await runSynchronous(a, answer.settings, 'auditUser', 'root');
      closePass(sys, answer, 'auditUser');
      const gen = answer.settings.deployment.generalize;
      if (gen) {
        sys.log.info(`auditUser: Generalize Mode=${gen.mode}; running sysprep /generalize`);
        sys.log.close();
        const r = spawnSync('/usr/lib/sysprep/sysprep', ['/generalize', gen.mode === 'Audit' ? '/audit' : '/oobe', gen.forceShutdownNow ? '/shutdown' : '/reboot'], { stdio: 'inherit' });
        return r.status ?? 1;
      }
      const reseal = answer.settings.deployment.reseal;
      if (reseal?.mode === 'OOBE') {
        writeImageState(fs, 'IMAGE_STATE_SPECIALIZE_RESEAL_TO_OOBE');
        powerAction(sys, reseal.forceShutdownNow ? 'poweroff' : 'reboot', 'Reseal Mode=OOBE in auditUser');
        return 0;
      }
      if (reboot) {
        powerAction(sys, 'reboot', 'auditUser RunSynchronous WillReboot');
        return 0;
      }
    }
  }
  sys.log.close();
  process.stdout.write('\nsysprep: this machine is in audit mode. Customize it, then reseal it with the System Preparation Tool\n' +
    '(run `sysprep` for the dialog, or e.g. `sysprep /oobe /generalize /shutdown`).\n\n');
  if (process.stdin.isTTY && process.stdout.isTTY && process.env.TERM && process.env.TERM !== 'dumb') {
    const { runDialog } = await import('../cli/dialog.js');
    const choice = await runDialog({ target: '/' });
    if (choice) {
      const r = spawnSync('/usr/lib/sysprep/sysprep', choice, { stdio: 'inherit' });
      return r.status ?? 1;
    }
  }
  return 0;
}

export async function agentMain(args: readonly string[]): Promise<number> {
  switch (args[0]) {
    case 'specialize':
      return specialize();
    case 'oobe':
      return oobe();
    case 'audit':
      return audit();
    case 'logon':
      return logon();
    case 'autologon-tick':
      return autologonTick();
    default:
      process.stderr.write('usage: sysprep agent specialize|oobe|audit|logon (run by the first-boot units)\n');
      return 2;
  }
}
