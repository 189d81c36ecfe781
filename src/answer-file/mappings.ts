/**
 * Data mappings from Windows answer-file values to Linux settings:
 * - Windows time-zone IDs → IANA zones: CLDR windowsZones (npm `cldr-core`, supplemental/windowsZones.json).
 * - Language tags and LCIDs → glibc locale names: LCIDs through npm `lcid`; missing regions and scripts
 *   through CLDR likelySubtags (`cldr-core`).
 * - Keyboard identifiers (`0409:00000409`, `en-US`, `0411:{…}{…}`) → XKB layouts: the keyboard's locale (above)
 *   gives a country and a language; the XKB layout comes from the image's own xkeyboard-config registry
 *   (`/usr/share/X11/xkb/rules/evdev.xml`, passed in as text), the layout of that country and the variant of
 *   that language (ISO 639-2 codes through CLDR's language aliases). Without a registry: the country code.
 * - Windows built-in group names → the image's groups (sudo or wheel, …): a role table resolved against the
 *   group names the image has.
 * - Deployment/DeviceForm codes → systemd chassis types.
 *
 * All functions are pure (data packages are loaded once, lazily, from node_modules).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import lcid from 'lcid';
import { SaxesParser } from 'saxes';

const require = createRequire(import.meta.url);

/**
 * A CLDR supplemental data file. In the bundled first-boot agent (/usr/lib/sysprep/sysprep.mjs) the
 * files sit beside the bundle in cldr/; in the development tree they come from the cldr-core package.
 */
function loadCldr(name: string): unknown {
  const beside = new URL(`cldr/${name}.json`, import.meta.url);
  if (existsSync(beside)) return JSON.parse(readFileSync(beside, 'utf8'));
  return require(`cldr-core/supplemental/${name}.json`);
}

// ---------------------------------------------------------------------------------------------------------
// Time zones

interface MapZone { mapZone: { _other: string; _type: string; _territory: string } }
let zones: Map<string, { id: string; iana: string; byTerritory: Map<string, string> }> | undefined;

function zoneTable() {
  if (!zones) {
    const data = loadCldr('windowsZones') as { supplemental: { windowsZones: { mapTimezones: MapZone[] } } };
    zones = new Map();
    for (const { mapZone: z } of data.supplemental.windowsZones.mapTimezones) {
      const key = z._other.toLowerCase();
      let e = zones.get(key);
      if (!e) zones.set(key, (e = { id: z._other, iana: '', byTerritory: new Map() }));
      const first = z._type.split(' ')[0]!;
      if (z._territory === '001') e.iana = first;
      else e.byTerritory.set(z._territory, first);
    }
  }
  return zones;
}

/**
 * The IANA zone for a Windows time-zone ID (`Pacific Standard Time` → `America/Los_Angeles`), the CLDR "golden"
 * zone (territory 001), or that of a territory when one is given (`W. Europe Standard Time`, `CH` →
 * `Europe/Zurich`). Matching ignores case and surrounding space. Undefined for an unknown ID.
 */
export function timeZoneForWindowsId(id: string, territory?: string): string | undefined {
  const e = zoneTable().get(id.trim().toLowerCase());
  if (!e) return undefined;
  return (territory && e.byTerritory.get(territory.toUpperCase())) || e.iana || undefined;
}

/** Every Windows time-zone ID CLDR knows, as Windows spells it. */
export function windowsTimeZoneIds(): string[] {
  return [...zoneTable().values()].map((e) => e.id);
}

// ---------------------------------------------------------------------------------------------------------
// Locales

let likely: Record<string, string> | undefined;
function likelySubtags(): Record<string, string> {
  likely ??= (loadCldr('likelySubtags') as { supplemental: { likelySubtags: Record<string, string> } }).supplemental.likelySubtags;
  return likely;
}

export interface LanguageTagParts { language: string; script?: string; region?: string }

/** Splits and case-normalises a BCP 47 / RFC 3066 tag (`sr-latn-rs` → sr, Latn, RS); undefined when malformed. */
export function parseLanguageTag(tag: string): LanguageTagParts | undefined {
  const parts = tag.trim().replace(/_/g, '-').split('-');
  const language = parts.shift()?.toLowerCase();
  if (!language || !/^[a-z]{2,3}$/.test(language)) return undefined;
  const out: LanguageTagParts = { language };
  let p = parts[0];
  if (p && /^[A-Za-z]{4}$/.test(p)) {
    out.script = p[0]!.toUpperCase() + p.slice(1).toLowerCase();
    parts.shift();
    p = parts[0];
  }
  if (p && /^([A-Za-z]{2}|[0-9]{3})$/.test(p)) out.region = p.toUpperCase();
  return out;
}

/** Fills a tag's missing script and region from CLDR likely subtags (`en` → en-Latn-US, `sr-RS` → sr-Cyrl-RS). */
export function maximizeLanguageTag(tag: string): LanguageTagParts | undefined {
  const t = parseLanguageTag(tag);
  if (!t) return undefined;
  const ls = likelySubtags();
  const keys = [
    [t.language, t.script, t.region].filter(Boolean).join('-'),
    [t.language, t.region].filter(Boolean).join('-'),
    [t.language, t.script].filter(Boolean).join('-'),
    t.language,
  ];
  for (const k of keys) {
    const full = ls[k];
    if (!full) continue;
    const f = parseLanguageTag(full);
    if (!f) continue;
    return { language: t.language, script: t.script ?? f.script!, region: t.region ?? f.region! };
  }
  return t;
}

const SCRIPT_MODIFIER: Record<string, string> = { Latn: 'latin', Cyrl: 'cyrillic', Deva: 'devanagari', Arab: 'arabic' };

/**
 * The glibc locale name for a language tag: `en-US` → `en_US.UTF-8`, `de` → `de_DE.UTF-8`,
 * `sr-Latn-RS` → `sr_RS.UTF-8@latin` (a script other than the language's usual one becomes the modifier).
 * Undefined for a malformed tag or one without a known region.
 */
const localeMemo = new Map<string, string | undefined>();

export function localeForLanguageTag(tag: string): string | undefined {
  if (localeMemo.has(tag)) return localeMemo.get(tag);
  const r = localeForLanguageTagUncached(tag);
  if (localeMemo.size < 4096) localeMemo.set(tag, r);
  return r;
}

function localeForLanguageTagUncached(tag: string): string | undefined {
  const t = parseLanguageTag(tag);
  if (!t) return undefined;
  const full = maximizeLanguageTag(tag);
  if (!full?.region || /^[0-9]/.test(full.region)) return undefined;
  let modifier = '';
  if (t.script) {
    const usual = maximizeLanguageTag(`${t.language}-${full.region}`)?.script;
    if (usual && usual !== t.script && SCRIPT_MODIFIER[t.script]) modifier = `@${SCRIPT_MODIFIER[t.script]}`;
  }
  return `${full.language}_${full.region}.UTF-8${modifier}`;
}

/** The locale of a Windows LCID (1033 or 0x0409 → `en_US.UTF-8`); undefined when unknown. */
export function localeForLcid(code: number): string | undefined {
  const id = lcid.from(code);
  if (!id) return undefined;
  return localeForLanguageTag(id.replace(/_/g, '-'));
}

/** The language tag of a Windows LCID (0x0807 → `de-CH`). */
export function languageTagForLcid(code: number): string | undefined {
  return lcid.from(code)?.replace(/_/g, '-');
}

// ---------------------------------------------------------------------------------------------------------
// Keyboards

export interface XkbItem { name: string; countries: string[]; languages: string[] }
export interface XkbLayout extends XkbItem { variants: XkbItem[] }

/**
 * Reads an xkeyboard-config registry (`evdev.xml`): the layouts with their countries (ISO 3166) and languages
 * (ISO 639-2), and their variants. The registry is trusted system data (its DOCTYPE names a local DTD that is
 * not read).
 */
export function parseXkbRegistry(xml: string): XkbLayout[] {
  const parser = new SaxesParser({ position: false });
  const layouts: XkbLayout[] = [];
  const path: string[] = [];
  let layout: XkbLayout | undefined;
  let item: XkbItem | undefined;
  let text = '';
  parser.on('opentag', (t) => {
    path.push(t.name);
    text = '';
    if (t.name === 'layout') layout = { name: '', countries: [], languages: [], variants: [] };
    else if (t.name === 'variant' && layout) item = { name: '', countries: [], languages: [] };
  });
  parser.on('text', (t) => { text += t; });
  parser.on('closetag', (t) => {
    path.pop();
    const target = item ?? layout;
    if (target && path[path.length - 1] === 'configItem' && t.name === 'name') target.name = text.trim();
    else if (target && t.name === 'iso3166Id') target.countries.push(text.trim().toUpperCase());
    else if (target && t.name === 'iso639Id') target.languages.push(text.trim().toLowerCase());
    else if (t.name === 'variant' && layout && item) {
      layout.variants.push(item);
      item = undefined;
    } else if (t.name === 'layout' && layout) {
      layouts.push(layout);
      layout = undefined;
    }
    text = '';
  });
  parser.write(xml).close();
  return layouts;
}

let iso639: Map<string, string[]> | undefined;
/** The ISO 639-2/3 codes of a two-letter language (`fr` → fra, fre), from CLDR's language aliases. */
function threeLetterCodes(lang: string): string[] {
  if (!iso639) {
    iso639 = new Map();
    const a = (loadCldr('aliases') as {
      supplemental: { metadata: { alias: { languageAlias: Record<string, { _replacement?: string; _reason?: string }> } } };
    }).supplemental.metadata.alias.languageAlias;
    for (const [k, v] of Object.entries(a)) {
      if (!/^[a-z]{3}$/.test(k) || !v._replacement || !/^[a-z]{2}$/.test(v._replacement)) continue;
      if (v._reason !== 'overlong' && v._reason !== 'bibliographic') continue;
      const list = iso639.get(v._replacement) ?? [];
      list.push(k);
      iso639.set(v._replacement, list);
    }
  }
  return [lang, ...(iso639.get(lang) ?? [])];
}

export interface XkbChoice {
  layout: string;
  variant?: string;
  /** The Windows keyboard identifier as written. */
  source: string;
  /** True when the Windows layout is a variant (high word of the KLID) that could not be matched exactly. */
  approximate?: boolean;
}

/** The XKB layout for a locale's country and language, using the registry when given. */
export function xkbForLocale(tag: string, registry?: readonly XkbLayout[]): { layout: string; variant?: string } | undefined {
  const t = maximizeLanguageTag(tag);
  if (!t?.region || /^[0-9]/.test(t.region)) return undefined;
  const cc = t.region;
  const langs = threeLetterCodes(t.language);
  if (!registry) return { layout: cc === 'GB' ? 'gb' : cc.toLowerCase() };
  const speaks = (i: XkbItem) => i.languages.some((l) => langs.includes(l));
  const ofCountry = registry.filter((l) => l.countries.includes(cc) || l.name === cc.toLowerCase());
  // The layout named after the country first, then others of the country.
  ofCountry.sort((a, b) => Number(b.name === cc.toLowerCase()) - Number(a.name === cc.toLowerCase()));
  for (const l of ofCountry) {
    if (speaks(l) || (l.languages.length === 0 && l.name === cc.toLowerCase())) return { layout: l.name };
    const v = l.variants.find((x) => speaks(x) && (x.countries.length === 0 || x.countries.includes(cc)));
    if (v) return { layout: l.name, variant: v.name };
  }
  if (ofCountry[0]) return { layout: ofCountry[0].name };
  // A language without a layout for its country: the layout of the language's own country.
  const home = maximizeLanguageTag(t.language);
  if (home?.region && home.region !== cc) return xkbForLocale(`${t.language}-${home.region}`, registry);
  return undefined;
}

/**
 * The XKB layouts for an International-Core InputLocale value: items separated by `;` (the first is the
 * default), each a language tag (`en-US`), an `LCID:KLID` pair (`0409:00000409`) or an IME (`0411:{…}{…}`).
 * Unknown items are left out.
 */
const xkbMemo = new Map<string, XkbChoice[]>();

export function xkbForInputLocale(value: string, registry?: readonly XkbLayout[]): XkbChoice[] {
  if (!registry) {
    let r = xkbMemo.get(value);
    if (!r) {
      r = xkbForInputLocaleUncached(value, undefined);
      if (xkbMemo.size < 4096) xkbMemo.set(value, r);
    }
    return r.map((x) => ({ ...x }));
  }
  return xkbForInputLocaleUncached(value, registry);
}

function xkbForInputLocaleUncached(value: string, registry: readonly XkbLayout[] | undefined): XkbChoice[] {
  const out: XkbChoice[] = [];
  for (const raw of value.split(';')) {
    const source = raw.trim();
    if (!source) continue;
    let tag: string | undefined;
    let approximate = false;
    const klid = /^([0-9A-Fa-f]{4}):([0-9A-Fa-f]{8})$/.exec(source);
    const ime = /^([0-9A-Fa-f]{4}):\{/.exec(source);
    if (klid) {
      const k = parseInt(klid[2]!, 16);
      tag = languageTagForLcid(k & 0xffff) ?? languageTagForLcid(parseInt(klid[1]!, 16));
      approximate = (k >>> 16) !== 0;
    } else if (ime) {
      tag = languageTagForLcid(parseInt(ime[1]!, 16));
    } else {
      tag = source;
    }
    const x = tag ? xkbForLocale(tag, registry) : undefined;
    if (x) out.push({ ...x, source, ...(approximate ? { approximate } : {}) });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Groups

export interface GroupRole { role: string; linux: string; candidates: readonly string[] }

/**
 * Windows built-in groups (the language-neutral names of UserAccounts/…/Group) and the Linux groups that play
 * their part, in order of preference. Groups without a Linux counterpart are absent.
 */
export const WINDOWS_GROUP_ROLES: Readonly<Record<string, GroupRole>> = {
  administrators: { role: 'admin', linux: 'sudo/wheel', candidates: ['sudo', 'wheel', 'admin'] },
  users: { role: 'users', linux: 'users', candidates: ['users'] },
  backupoperators: { role: 'backup', linux: 'backup', candidates: ['backup'] },
  printoperators: { role: 'printing', linux: 'lpadmin', candidates: ['lpadmin', 'lp'] },
  networkconfigurationoperators: { role: 'network', linux: 'netdev', candidates: ['netdev', 'network'] },
  eventlogreaders: { role: 'logs', linux: 'adm/systemd-journal', candidates: ['adm', 'systemd-journal'] },
  remotedesktopusers: { role: 'remote', linux: 'ssh-users', candidates: ['ssh-users', 'sshusers', 'xrdp'] },
};

/**
 * The image's group for a Windows built-in group name (case-insensitive), given the names of the groups
 * the image has (from its /etc/group): `Administrators` → `sudo` on Debian, `wheel` on Fedora. Undefined when
 * the group has no Linux role or the image has none of its candidates.
 */
export function groupForWindowsGroup(name: string, imageGroups: readonly string[]): string | undefined {
  const r = WINDOWS_GROUP_ROLES[name.trim().toLowerCase()];
  if (!r) return undefined;
  return r.candidates.find((c) => imageGroups.includes(c));
}

// ---------------------------------------------------------------------------------------------------------
// Device form

const CHASSIS: Readonly<Record<number, string>> = {
  1: 'handset', 2: 'tablet', 3: 'desktop', 4: 'laptop', 5: 'convertible', 6: 'convertible', 7: 'desktop', 8: 'embedded', 9: 'embedded',
};

/**
 * The systemd chassis (hostnamectl set-chassis) for a Deployment/DeviceForm code. The reference writes codes
 * in hexadecimal (`14` Kiosk, `1C` Vending); codes 1–9 read the same either way.
 */
export function chassisForDeviceForm(code: string): string | undefined {
  const n = parseInt(code.trim().replace(/^0x/i, ''), 16);
  return Number.isNaN(n) ? undefined : CHASSIS[n];
}
