/**
 * Typed values of the modelled settings of one pass, for the code that applies them (generalize now,
 * specialize / audit / oobeSystem at first boot). Components are chosen by architecture (copies for the
 * image's architecture win; when there are none, every copy is used), several copies and blocks are merged
 * in document order (later values win), and list items are resolved by their wcm:action and key.
 *
 * Values are read as written; run checkAnswerFile first to refuse invalid files.
 */
import { parseBoolean, settingsBlocks, wcmAction, wcmKeyValue, type ComponentBlock } from './reader.js';
import { readPassword, type PasswordValue } from './sensitive.js';
import { type AnswerPass } from '../model/passes.js';
import { childElements, textOf, type XmlDocument, type XmlElement } from './xml.js';

export type ListAction = 'add' | 'modify' | 'remove';

export interface RunCommand {
  order: number;
  path: string;
  description?: string;
  willReboot: 'Always' | 'OnRequest' | 'Never';
  /** Credentials were given (they are not used on Linux). */
  hasCredentials: boolean;
  action: ListAction;
  line: number;
}

export interface LocalAccount {
  name: string;
  displayName?: string;
  description?: string;
  /** Windows group names as written (map them with groupForWindowsGroup). */
  groups: string[];
  password?: PasswordValue;
  action: ListAction;
  line: number;
}

export interface DomainAccountList { domain: string; accounts: { name: string; groups: string[] }[]; action: ListAction; line: number }

export interface FirstLogonCommand {
  order: number;
  commandLine: string;
  description?: string;
  requiresUserInput: boolean;
  action: ListAction;
  line: number;
}

export interface AutoLogon {
  enabled: boolean;
  username?: string;
  domain?: string;
  password?: PasswordValue;
  logonCount?: number;
}

export interface OobeSettings {
  hideEULAPage?: boolean;
  hideLocalAccountScreen?: boolean;
  hideOEMRegistrationScreen?: boolean;
  hideOnlineAccountScreens?: boolean;
  hideWirelessSetupInOOBE?: boolean;
  networkLocation?: string;
  protectYourPC?: string;
  skipMachineOOBE?: boolean;
  skipUserOOBE?: boolean;
}

export interface PassSettings {
  pass: AnswerPass;
  /** Some block of this pass is marked wasPassProcessed="true". */
  processed: boolean;
  deployment: {
    reseal?: { mode?: 'Audit' | 'OOBE'; forceShutdownNow: boolean };
    generalize?: { mode: 'Audit' | 'OOBE'; forceShutdownNow: boolean };
    runSynchronous: RunCommand[];
    runAsynchronous: RunCommand[];
    auditComputerName?: { name?: string; mustReboot: boolean };
    extendOSPartition?: { extend: boolean; sizeMB?: number };
    duplicatorDescription?: string;
    deviceForm?: string;
  };
  pnpSysprep: { persistAllDeviceInstalls?: boolean; doNotCleanUpNonPresentDevices?: boolean };
  securitySpp: { skipRearm?: number };
  shellSetup: {
    computerName?: string;
    timeZone?: string;
    /** Present when a product key was given (never used on Linux; scrubbed after the pass). */
    productKey?: string;
    registeredOwner?: string;
    registeredOrganization?: string;
    copyProfile?: boolean;
    administratorPassword?: PasswordValue;
    localAccounts: LocalAccount[];
    domainAccounts: DomainAccountList[];
    autoLogon?: AutoLogon;
    firstLogonCommands: FirstLogonCommand[];
    oobe: OobeSettings;
  };
  international: { inputLocale?: string[]; systemLocale?: string; uiLanguage?: string; uiLanguageFallback?: string; userLocale?: string };
  driverPaths: { key: string; path: string; action: ListAction }[];
}

/** The answer-file name of the running machine's architecture (amd64, arm64, x86). */
export function hostArchitecture(): string {
  return process.arch === 'x64' ? 'amd64' : process.arch === 'ia32' ? 'x86' : process.arch;
}

const kid = (el: XmlElement, name: string) => childElements(el).find((c) => c.local === name);
const val = (el: XmlElement | undefined, name: string): string | undefined => {
  if (!el) return undefined;
  const c = kid(el, name);
  return c ? textOf(c).trim() : undefined;
};
const bool = (el: XmlElement | undefined, name: string): boolean | undefined => {
  const v = val(el, name);
  return v === undefined ? undefined : parseBoolean(v);
};
const num = (v: string | undefined): number | undefined => (v !== undefined && /^[+-]?\d+$/.test(v) ? Number(v) : undefined);
const mode = (v: string | undefined): 'Audit' | 'OOBE' | undefined =>
  v?.toLowerCase() === 'audit' ? 'Audit' : v?.toLowerCase() === 'oobe' ? 'OOBE' : undefined;
/** For a modify item: drops the fields whose elements are absent, so that merging keeps the earlier values. */
function partial<T extends object>(item: T, el: XmlElement, fields: Record<string, string>): T {
  if ((item as { action?: ListAction }).action !== 'modify') return item;
  for (const [field, element] of Object.entries(fields)) if (!kid(el, element)) delete (item as Record<string, unknown>)[field];
  return item;
}

const action = (el: XmlElement): ListAction => {
  const a = wcmAction(el).toLowerCase();
  return a === 'modify' || a === 'remove' ? a : 'add';
};

/** Resolves list items by key in document order: add (re)places, modify merges, remove deletes. */
function resolve<T extends { action: ListAction }>(items: T[], key: (t: T) => string): T[] {
  const out = new Map<string, T>();
  for (const it of items) {
    const k = key(it);
    const prev = out.get(k);
    if (it.action === 'remove') {
      if (prev && prev.action !== 'remove') out.delete(k);
      else out.set(k, it);
    } else if (it.action === 'modify' && prev && prev.action !== 'remove') {
      const merged = { ...prev } as Record<string, unknown>;
      for (const [f, v] of Object.entries(it)) if (v !== undefined && f !== 'action' && f !== 'line') merged[f] = v;
      out.set(k, merged as T);
    } else {
      out.set(k, it);
    }
  }
  return [...out.values()];
}

function components(doc: XmlDocument, pass: AnswerPass, name: string, arch: string): ComponentBlock[] {
  const all: ComponentBlock[] = [];
  for (const b of settingsBlocks(doc)) {
    if (b.pass !== pass) continue;
    for (const c of b.components) if (c.identity.name.toLowerCase() === name.toLowerCase()) all.push(c);
  }
  const mine = all.filter((c) => (c.identity.processorArchitecture ?? '').toLowerCase() === arch.toLowerCase());
  return mine.length ? mine : all;
}

function runCommands(list: XmlElement | undefined, itemName: string): RunCommand[] {
  if (!list) return [];
  const items = childElements(list).filter((c) => c.local === itemName).map((c): RunCommand => {
    const wr = val(c, 'WillReboot')?.toLowerCase();
    const r: RunCommand = {
      order: num(val(c, 'Order')) ?? 0,
      path: val(c, 'Path') ?? '',
      willReboot: wr === 'always' ? 'Always' : wr === 'onrequest' ? 'OnRequest' : 'Never',
      hasCredentials: kid(c, 'Credentials') !== undefined,
      action: action(c),
      line: c.line,
    };
    const d = val(c, 'Description');
    if (d !== undefined) r.description = d;
    return partial(r, c, { path: 'Path', willReboot: 'WillReboot', hasCredentials: 'Credentials' });
  });
  return resolve(items, (c) => String(c.order)).sort((a, b) => a.order - b.order);
}

/**
 * The typed settings of one pass. `arch` picks the component copies (default: this machine's architecture).
 * Processed passes are read all the same (`processed` tells); deleted secrets read as `deleted`.
 */
export function getPassSettings(doc: XmlDocument, pass: AnswerPass, options: { arch?: string } = {}): PassSettings {
  const arch = options.arch ?? hostArchitecture();
  const s: PassSettings = {
    pass,
    processed: settingsBlocks(doc).some((b) => b.pass === pass && b.processed),
    deployment: { runSynchronous: [], runAsynchronous: [] },
    pnpSysprep: {},
    securitySpp: {},
    shellSetup: { localAccounts: [], domainAccounts: [], firstLogonCommands: [], oobe: {} },
    international: {},
    driverPaths: [],
  };

  readDeployment(doc, pass, arch, s);
  readPnpSysprep(doc, pass, arch, s);
  readSecuritySpp(doc, pass, arch, s);
  readShellSetup(doc, pass, arch, s);
  readInternational(doc, pass, arch, s);
  readDriverPaths(doc, pass, arch, s);
  return s;
}

/** Microsoft-Windows-Deployment: Reseal, Generalize, the commands, AuditComputerName, ExtendOSPartition, the description, DeviceForm. */
function readDeployment(doc: XmlDocument, pass: AnswerPass, arch: string, s: PassSettings): void {
  for (const c of components(doc, pass, 'Microsoft-Windows-Deployment', arch)) {
    const d = s.deployment;
    for (const el of c.settings) {
      switch (el.local) {
        case 'Reseal': {
          const m = mode(val(el, 'Mode'));
          d.reseal = { forceShutdownNow: bool(el, 'ForceShutdownNow') ?? false, ...(m ? { mode: m } : {}) };
          break;
        }
        case 'Generalize':
          d.generalize = { mode: mode(val(el, 'Mode')) ?? 'OOBE', forceShutdownNow: bool(el, 'ForceShutdownNow') ?? false };
          break;
        case 'RunSynchronous': d.runSynchronous = resolve([...d.runSynchronous, ...runCommands(el, 'RunSynchronousCommand')], (x) => String(x.order)).sort((a, b) => a.order - b.order); break;
        case 'RunAsynchronous': d.runAsynchronous = resolve([...d.runAsynchronous, ...runCommands(el, 'RunAsynchronousCommand')], (x) => String(x.order)).sort((a, b) => a.order - b.order); break;
        case 'AuditComputerName': {
          const n = val(el, 'Name');
          d.auditComputerName = { mustReboot: bool(el, 'MustReboot') ?? false, ...(n !== undefined ? { name: n } : {}) };
          break;
        }
        case 'ExtendOSPartition': {
          const size = num(val(el, 'Size'));
          d.extendOSPartition = { extend: bool(el, 'Extend') ?? false, ...(size !== undefined ? { sizeMB: size } : {}) };
          break;
        }
        case 'DuplicatorDescription': d.duplicatorDescription = textOf(el).trim(); break;
        case 'DeviceForm': d.deviceForm = textOf(el).trim(); break;
      }
    }
  }
}

/** Microsoft-Windows-PnpSysprep: what generalize keeps of the devices. */
function readPnpSysprep(doc: XmlDocument, pass: AnswerPass, arch: string, s: PassSettings): void {
  for (const c of components(doc, pass, 'Microsoft-Windows-PnpSysprep', arch)) {
    for (const el of c.settings) {
      const b = parseBoolean(textOf(el));
      if (el.local === 'PersistAllDeviceInstalls' && b !== undefined) s.pnpSysprep.persistAllDeviceInstalls = b;
      if (el.local === 'DoNotCleanUpNonPresentDevices' && b !== undefined) s.pnpSysprep.doNotCleanUpNonPresentDevices = b;
    }
  }
}

/** Microsoft-Windows-Security-SPP: SkipRearm. */
function readSecuritySpp(doc: XmlDocument, pass: AnswerPass, arch: string, s: PassSettings): void {
  for (const c of components(doc, pass, 'Microsoft-Windows-Security-SPP', arch)) {
    for (const el of c.settings) {
      const n = num(textOf(el).trim());
      if (el.local === 'SkipRearm' && n !== undefined) s.securitySpp.skipRearm = n;
    }
  }
}

/** Microsoft-Windows-Shell-Setup: names, time zone, registration, CopyProfile, accounts, AutoLogon, FirstLogonCommands, OOBE. */
function readShellSetup(doc: XmlDocument, pass: AnswerPass, arch: string, s: PassSettings): void {
  for (const c of components(doc, pass, 'Microsoft-Windows-Shell-Setup', arch)) {
    const sh = s.shellSetup;
    for (const el of c.settings) {
      const t = textOf(el);
      switch (el.local) {
        case 'ComputerName': sh.computerName = t.trim(); break;
        case 'TimeZone': sh.timeZone = t.trim(); break;
        case 'ProductKey': sh.productKey = t.trim(); break;
        case 'RegisteredOwner': sh.registeredOwner = t; break;
        case 'RegisteredOrganization': sh.registeredOrganization = t; break;
        case 'CopyProfile': {
          const b = parseBoolean(t);
          if (b !== undefined) sh.copyProfile = b;
          break;
        }
        case 'UserAccounts': readUserAccounts(el, sh); break;
        case 'AutoLogon': sh.autoLogon = readAutoLogon(el); break;
        case 'FirstLogonCommands': sh.firstLogonCommands = resolve([...sh.firstLogonCommands, ...readFirstLogonCommands(el)], (x) => String(x.order)).sort((a, b) => a.order - b.order); break;
        case 'OOBE': readOobe(el, sh.oobe); break;
      }
    }
  }
}

function readUserAccounts(el: XmlElement, sh: PassSettings['shellSetup']): void {
  const admin = kid(el, 'AdministratorPassword');
  if (admin) sh.administratorPassword = readPassword(admin);
  const local = kid(el, 'LocalAccounts');
  if (local) {
    const items = childElements(local).filter((x) => x.local === 'LocalAccount').map((a): LocalAccount => {
      const r: LocalAccount = {
        name: val(a, 'Name') ?? '',
        groups: (val(a, 'Group') ?? '').split(';').map((g) => g.trim()).filter(Boolean),
        action: action(a),
        line: a.line,
      };
      const dn = val(a, 'DisplayName');
      const de = val(a, 'Description');
      const pw = kid(a, 'Password');
      if (dn !== undefined) r.displayName = dn;
      if (de !== undefined) r.description = de;
      if (pw) r.password = readPassword(pw);
      return partial(r, a, { groups: 'Group' });
    });
    sh.localAccounts = resolve([...sh.localAccounts, ...items], (a) => a.name.toLowerCase());
  }
  const domain = kid(el, 'DomainAccounts');
  if (domain) {
    const items = childElements(domain).filter((x) => x.local === 'DomainAccountList').map((l): DomainAccountList => ({
      domain: val(l, 'Domain') ?? '',
      accounts: childElements(l).filter((x) => x.local === 'DomainAccount').filter((x) => action(x) !== 'remove').map((x) => ({
        name: val(x, 'Name') ?? '',
        groups: (val(x, 'Group') ?? '').split(';').map((g) => g.trim()).filter(Boolean),
      })),
      action: action(l),
      line: l.line,
    }));
    sh.domainAccounts = resolve([...sh.domainAccounts, ...items], (d) => d.domain.toLowerCase());
  }
}

function readAutoLogon(el: XmlElement): AutoLogon {
  const a: AutoLogon = { enabled: bool(el, 'Enabled') ?? false };
  const u = val(el, 'Username');
  const d = val(el, 'Domain');
  const n = num(val(el, 'LogonCount'));
  const pw = kid(el, 'Password');
  if (u !== undefined) a.username = u;
  if (d !== undefined) a.domain = d;
  if (n !== undefined) a.logonCount = n;
  if (pw) a.password = readPassword(pw);
  return a;
}

function readFirstLogonCommands(el: XmlElement): FirstLogonCommand[] {
  const items = childElements(el).filter((x) => x.local === 'SynchronousCommand').map((x): FirstLogonCommand => {
    const r: FirstLogonCommand = {
      order: num(val(x, 'Order')) ?? 0,
      commandLine: val(x, 'CommandLine') ?? '',
      requiresUserInput: bool(x, 'RequiresUserInput') ?? false,
      action: action(x),
      line: x.line,
    };
    const d = val(x, 'Description');
    if (d !== undefined) r.description = d;
    return partial(r, x, { commandLine: 'CommandLine', requiresUserInput: 'RequiresUserInput' });
  });
  return items;
}

function readOobe(el: XmlElement, o: PassSettings['shellSetup']['oobe']): void {
  const flags = ['HideEULAPage', 'HideLocalAccountScreen', 'HideOEMRegistrationScreen', 'HideOnlineAccountScreens', 'HideWirelessSetupInOOBE', 'SkipMachineOOBE', 'SkipUserOOBE'] as const;
  for (const f of flags) {
    const b = bool(el, f);
    if (b !== undefined) (o as Record<string, unknown>)[f[0]!.toLowerCase() + f.slice(1)] = b;
  }
  const nl = val(el, 'NetworkLocation');
  const pp = val(el, 'ProtectYourPC');
  if (nl !== undefined) o.networkLocation = nl;
  if (pp !== undefined) o.protectYourPC = pp;
}

/** Microsoft-Windows-International-Core: locales and keyboards. */
function readInternational(doc: XmlDocument, pass: AnswerPass, arch: string, s: PassSettings): void {
  for (const c of components(doc, pass, 'Microsoft-Windows-International-Core', arch)) {
    const i = s.international;
    for (const el of c.settings) {
      const t = textOf(el).trim();
      switch (el.local) {
        case 'InputLocale': i.inputLocale = t.split(';').map((x) => x.trim()).filter(Boolean); break;
        case 'SystemLocale': i.systemLocale = t; break;
        case 'UILanguage': i.uiLanguage = t; break;
        case 'UILanguageFallback': i.uiLanguageFallback = t; break;
        case 'UserLocale': i.userLocale = t; break;
      }
    }
  }
}

/** Microsoft-Windows-PnpCustomizationsNonWinPE: DriverPaths (read; applied by issue 16). */
function readDriverPaths(doc: XmlDocument, pass: AnswerPass, arch: string, s: PassSettings): void {
  for (const c of components(doc, pass, 'Microsoft-Windows-PnpCustomizationsNonWinPE', arch)) {
    for (const el of c.settings) {
      if (el.local !== 'DriverPaths') continue;
      const items = childElements(el).filter((x) => x.local === 'PathAndCredentials')
        .map((x) => ({ key: wcmKeyValue(x) ?? '', path: val(x, 'Path') ?? '', action: action(x) }));
      s.driverPaths = resolve([...s.driverPaths, ...items], (x) => x.key);
    }
  }
}
