import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import test from 'node:test';
import {
  chassisForDeviceForm,
  groupForWindowsGroup,
  languageTagForLcid,
  localeForLanguageTag,
  localeForLcid,
  maximizeLanguageTag,
  parseXkbRegistry,
  timeZoneForWindowsId,
  windowsTimeZoneIds,
  xkbForInputLocale,
  xkbForLocale,
} from './mappings.js';

test('Windows time-zone IDs map to IANA zones (CLDR windowsZones)', () => {
  const cases: [string, string][] = [
    ['Pacific Standard Time', 'America/Los_Angeles'],
    ['W. Europe Standard Time', 'Europe/Berlin'],
    ['GMT Standard Time', 'Europe/London'],
    ['UTC', 'Etc/UTC'],
    ['AUS Eastern Standard Time', 'Australia/Sydney'],
    ['Tokyo Standard Time', 'Asia/Tokyo'],
    ['india standard time', 'Asia/Calcutta'],
    [' Eastern Standard Time ', 'America/New_York'],
  ];
  for (const [w, iana] of cases) assert.equal(timeZoneForWindowsId(w), iana, w);
  assert.equal(timeZoneForWindowsId('W. Europe Standard Time', 'CH'), 'Europe/Zurich');
  assert.equal(timeZoneForWindowsId('Mars Standard Time'), undefined);
  assert.ok(windowsTimeZoneIds().length > 130);
});

test('every TimeZone of the corpus style maps (spot check of common IDs)', () => {
  for (const id of ['Central Standard Time', 'Mountain Standard Time', 'Romance Standard Time', 'China Standard Time', 'E. South America Standard Time', 'Russian Standard Time']) {
    assert.ok(timeZoneForWindowsId(id), id);
  }
});

test('language tags and LCIDs map to glibc locales (npm lcid, CLDR likely subtags)', () => {
  assert.equal(localeForLanguageTag('en-US'), 'en_US.UTF-8');
  assert.equal(localeForLanguageTag('de-ch'), 'de_CH.UTF-8');
  assert.equal(localeForLanguageTag('de'), 'de_DE.UTF-8');
  assert.equal(localeForLanguageTag('ja'), 'ja_JP.UTF-8');
  assert.equal(localeForLanguageTag('sr-Latn-RS'), 'sr_RS.UTF-8@latin');
  assert.equal(localeForLanguageTag('sr-Cyrl-RS'), 'sr_RS.UTF-8');
  assert.equal(localeForLanguageTag('zh-CN'), 'zh_CN.UTF-8');
  assert.equal(localeForLanguageTag('not a tag'), undefined);
  assert.equal(localeForLcid(1033), 'en_US.UTF-8');
  assert.equal(localeForLcid(0x0407), 'de_DE.UTF-8');
  assert.equal(localeForLcid(0x0411), 'ja_JP.UTF-8');
  assert.equal(localeForLcid(0xffff), undefined);
  assert.equal(languageTagForLcid(0x0807), 'de-CH');
  assert.deepEqual(maximizeLanguageTag('pt'), { language: 'pt', script: 'Latn', region: 'BR' });
});

test('keyboards without a registry: the country of the keyboard language', () => {
  assert.deepEqual(xkbForInputLocale('0409:00000409'), [{ layout: 'us', source: '0409:00000409' }]);
  assert.deepEqual(xkbForInputLocale('0407:00000407; en-US'), [
    { layout: 'de', source: '0407:00000407' },
    { layout: 'us', source: 'en-US' },
  ]);
  assert.deepEqual(xkbForInputLocale('0409:00010409'), [{ layout: 'us', source: '0409:00010409', approximate: true }]);
  assert.deepEqual(xkbForInputLocale('0411:{03B5835F-F03C-411B-9CE2-AA23E1171E36}{A76C93D9-5523-4E90-AAFA-4DB112F9AC76}').map((x) => x.layout), ['jp']);
  assert.deepEqual(xkbForInputLocale('en-GB').map((x) => x.layout), ['gb']);
  assert.deepEqual(xkbForInputLocale(' ; ;'), []);
  assert.deepEqual(xkbForInputLocale('0000:00000000;x'), []);
});

const REGISTRY = `<?xml version="1.0"?>
<!DOCTYPE xkbConfigRegistry SYSTEM "xkb.dtd">
<xkbConfigRegistry version="1.1">
  <layoutList>
    <layout><configItem><name>us</name><countryList><iso3166Id>US</iso3166Id></countryList><languageList><iso639Id>eng</iso639Id></languageList></configItem>
      <variantList><variant><configItem><name>dvorak</name></configItem></variant></variantList></layout>
    <layout><configItem><name>ch</name><countryList><iso3166Id>CH</iso3166Id></countryList><languageList><iso639Id>deu</iso639Id><iso639Id>gsw</iso639Id></languageList></configItem>
      <variantList><variant><configItem><name>fr</name><languageList><iso639Id>fra</iso639Id></languageList></configItem></variant></variantList></layout>
    <layout><configItem><name>ca</name><countryList><iso3166Id>CA</iso3166Id></countryList><languageList><iso639Id>fra</iso639Id></languageList></configItem>
      <variantList><variant><configItem><name>eng</name><languageList><iso639Id>eng</iso639Id></languageList></configItem></variant></variantList></layout>
    <layout><configItem><name>fr</name><countryList><iso3166Id>FR</iso3166Id></countryList><languageList><iso639Id>fra</iso639Id></languageList></configItem></layout>
  </layoutList>
</xkbConfigRegistry>`;

test('keyboards with an xkeyboard-config registry: country layout, language variant', () => {
  const reg = parseXkbRegistry(REGISTRY);
  assert.deepEqual(reg.map((l) => l.name), ['us', 'ch', 'ca', 'fr']);
  assert.deepEqual(xkbForLocale('de-CH', reg), { layout: 'ch' });
  assert.deepEqual(xkbForLocale('fr-CH', reg), { layout: 'ch', variant: 'fr' });
  assert.deepEqual(xkbForLocale('en-CA', reg), { layout: 'ca', variant: 'eng' });
  assert.deepEqual(xkbForLocale('fr-CA', reg), { layout: 'ca' });
  assert.deepEqual(xkbForLocale('fr-LU', reg), { layout: 'fr' }, 'no layout for the country: the language\'s home country');
  assert.deepEqual(xkbForInputLocale('100c:0000100c', reg), [{ layout: 'ch', variant: 'fr', source: '100c:0000100c' }]);
});

test('the real registry of this machine, when present', { skip: !existsSync('/usr/share/X11/xkb/rules/evdev.xml') }, () => {
  const reg = parseXkbRegistry(readFileSync('/usr/share/X11/xkb/rules/evdev.xml', 'utf8'));
  assert.ok(reg.length > 50);
  assert.deepEqual(xkbForInputLocale('0409:00000409', reg).map((x) => x.layout), ['us']);
  assert.deepEqual(xkbForInputLocale('0407:00000407', reg).map((x) => x.layout), ['de']);
  assert.deepEqual(xkbForInputLocale('fr-CH', reg).map((x) => [x.layout, x.variant]), [['ch', 'fr']]);
});

test('Windows groups map to the groups the image has', () => {
  assert.equal(groupForWindowsGroup('Administrators', ['root', 'sudo', 'users']), 'sudo');
  assert.equal(groupForWindowsGroup('administrators', ['root', 'wheel', 'users']), 'wheel');
  assert.equal(groupForWindowsGroup('Users', ['users']), 'users');
  assert.equal(groupForWindowsGroup('PrintOperators', ['lp', 'lpadmin']), 'lpadmin');
  assert.equal(groupForWindowsGroup('Administrators', ['users']), undefined);
  assert.equal(groupForWindowsGroup('Guests', ['guests']), undefined);
});

test('device forms map to systemd chassis types', () => {
  assert.equal(chassisForDeviceForm('3'), 'desktop');
  assert.equal(chassisForDeviceForm('4'), 'laptop');
  assert.equal(chassisForDeviceForm('2'), 'tablet');
  assert.equal(chassisForDeviceForm('0'), undefined);
  assert.equal(chassisForDeviceForm('1C'), undefined);
});
