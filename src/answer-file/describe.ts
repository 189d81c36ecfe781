/**
 * One-line Linux meanings of the settings whose meaning depends on data (time zones, locales, keyboards,
 * groups, device forms), for `unattend check`. The data mappings themselves are in mappings.ts.
 */
import { chassisForDeviceForm, localeForLanguageTag, timeZoneForWindowsId, xkbForInputLocale, WINDOWS_GROUP_ROLES } from './mappings.js';

export function describeTimeZone(id: string): string {
  const iana = timeZoneForWindowsId(id);
  return iana
    ? `sets the time zone to ${iana} (/etc/localtime; Windows "${id}")`
    : `unknown Windows time zone "${id}": the time zone is left as it is`;
}

export function describeLocale(tag: string, setting: 'SystemLocale' | 'UILanguage' | 'UILanguageFallback' | 'UserLocale'): string {
  if (tag === '') return 'nothing (empty)';
  const loc = localeForLanguageTag(tag);
  const l = loc ?? `${tag.replace('-', '_')}.UTF-8`;
  switch (setting) {
    case 'UILanguage': return `sets the language (LANG=${l}, /etc/locale.conf)`;
    case 'UILanguageFallback': return `adds ${l.split('.')[0]} to the LANGUAGE fallback list`;
    case 'UserLocale': return `sets the formats (LC_TIME, LC_NUMERIC, LC_MONETARY, LC_PAPER, LC_MEASUREMENT=${l})`;
    case 'SystemLocale': return `sets LANG=${l} when UILanguage is not set (Linux programs are all Unicode)`;
  }
}

export function describeInputLocale(v: string): string {
  if (v === '') return 'nothing (empty)';
  const m = xkbForInputLocale(v);
  if (!m.length) return `keyboard "${v}" has no known XKB layout: the keyboard is left as it is`;
  return `sets the keyboard layout to ${m.map((x) => (x.variant ? `${x.layout}(${x.variant})` : x.layout)).join(', ')} (console and X11, /etc/vconsole.conf, /etc/X11/xorg.conf.d)`;
}

export function describeDeviceForm(code: string): string {
  const c = chassisForDeviceForm(code);
  return c ? `sets the chassis type to "${c}" (hostnamectl set-chassis)` : `device form ${code} has no systemd chassis type: the chassis is left as it is`;
}

/** Windows built-in group → the role it plays on Linux (`admin`, `users`, …), by name; undefined when unknown. */
export function mapWindowsGroup(name: string): string | undefined {
  const role = WINDOWS_GROUP_ROLES[name.trim().toLowerCase()];
  return role ? role.linux : undefined;
}
