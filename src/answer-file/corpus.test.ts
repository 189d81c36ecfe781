/**
 * Every real answer file of the shared corpus (../shared/corpus/unattend, read in place) has a pinned
 * outcome: it loads, with its count of settings per pass and of errors and warnings (and for an invalid file
 * the position and rule of each error), or it fails to load at an exact line and column.
 *
 * Outcome format: 'pass=settings … | Ne Mw[ | line:col code, …]' or 'fail line:col code'.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { checkAnswerFileBytes, listSensitiveStrings, parseAnswerFile, scrubSensitive, serialize, settingsBlocks, type CheckReport } from './index.js';
import { corpusDir, corpusFiles } from './testutil.js';

const EXPECTED: readonly [string, string][] = [
  ["Baune8D__packer-windows-desktop__answer_files__11_bypass__Autounattend.xml", 'windowsPE=32 offlineServicing=1 specialize=5 oobeSystem=63 | 0e 22w'],
  ["CodeblackNL__Labs.ALMLAB__unattend.xml", 'windowsPE=11 specialize=8 oobeSystem=9 | 2e 7w | 29:13 bad-value, 30:13 bad-value'],
  ["DonteElrod__windows-11-enterprise-autodeploy__autounattend.xml", 'fail 42:267 xml-syntax'],
  ["Epicminer256__Unattend4Gamers__autounattend.xml", 'windowsPE=12 offlineServicing=0 generalize=0 specialize=11 auditSystem=0 auditUser=0 oobeSystem=20 | 0e 11w'],
  ["FriendsOfMDT__PSD__Templates__Unattend_PE_x64.xml", 'windowsPE=13 | 0e 1w'],
  ["FriendsOfMDT__PSD__Templates__Unattend_x64.xml", 'offlineServicing=1 generalize=1 specialize=39 oobeSystem=25 | 2e 16w | 23:13 empty-value, 115:13 empty-value'],
  ["FriendsOfMDT__PSD__Templates__Unattend_x86.xml", 'offlineServicing=1 generalize=1 specialize=39 oobeSystem=25 | 3e 16w | 23:13 empty-value, 26:13 empty-value, 115:13 empty-value'],
  ["MicrosoftDocs__Virtualization-Documentation__demos__2015-Ignite-Whats-New__scripts__IgniteUnattend.xml", 'specialize=6 oobeSystem=17 | 0e 4w'],
  ["MicrosoftDocs__Virtualization-Documentation__demos__2015-Ignite-Whats-New__scripts__unattendDesktopFull.xml", 'specialize=7 oobeSystem=21 | 1e 7w | 7:13 bad-value'],
  ["MicrosoftDocs__Virtualization-Documentation__demos__2015-Ignite-Whats-New__scripts__unattendServerFull.xml", 'specialize=9 oobeSystem=17 | 0e 7w'],
  ["MicrosoftDocs__Virtualization-Documentation__windows-server-container-tools__VMM  - VM Template__AdminAutoLogon.xml", 'generalize=0 specialize=4 oobeSystem=0 | 0e 0w'],
  ["Olygo__OCI_Cloning_Windows_Instances__unattend.xml", 'windowsPE=5 specialize=2 oobeSystem=8 | 0e 7w'],
  ["ProfessorManhattan__packer-windows-desktop__floppy__Autounattend.xml", 'windowsPE=28 offlineServicing=1 specialize=5 oobeSystem=85 | 0e 29w'],
  ["PublicSatanicVoid__WindowsPowerWash__autodeploy__unattend.xml", 'oobeSystem=19 | 1e 5w | 37:13 bad-value'],
  ["StefanScherer__packer-windows__answer_files__10__Autounattend.xml", 'windowsPE=38 offlineServicing=1 specialize=5 oobeSystem=79 | 0e 27w'],
  ["StefanScherer__packer-windows__answer_files__10_insider_uefi__Autounattend.xml", 'windowsPE=31 offlineServicing=1 specialize=5 oobeSystem=71 | 5e 25w | 52:13 wrong-pass, 53:13 wrong-pass, 54:13 wrong-pass, 55:13 wrong-pass, 56:13 wrong-pass'],
  ["StefanScherer__packer-windows__answer_files__11__Autounattend.xml", 'windowsPE=43 offlineServicing=1 specialize=5 oobeSystem=79 | 0e 27w'],
  ["StefanScherer__packer-windows__answer_files__2008_r2__Autounattend.xml", 'windowsPE=28 offlineServicing=1 specialize=9 oobeSystem=105 | 0e 36w'],
  ["StefanScherer__packer-windows__answer_files__2008_r2_core__Autounattend.xml", 'windowsPE=28 offlineServicing=1 specialize=9 oobeSystem=125 | 0e 35w'],
  ["StefanScherer__packer-windows__answer_files__2012_r2_core__Autounattend.xml", 'windowsPE=32 offlineServicing=1 specialize=18 oobeSystem=60 | 0e 28w'],
  ["StefanScherer__packer-windows__answer_files__2016__Autounattend.xml", 'windowsPE=32 offlineServicing=1 specialize=18 oobeSystem=64 | 0e 29w'],
  ["StefanScherer__packer-windows__answer_files__2016_core__Autounattend.xml", 'windowsPE=32 offlineServicing=1 specialize=9 oobeSystem=64 | 0e 26w'],
  ["StefanScherer__packer-windows__answer_files__2019_hyperv__Autounattend.xml", 'windowsPE=32 offlineServicing=1 specialize=9 oobeSystem=60 | 0e 25w'],
  ["StefanScherer__packer-windows__answer_files__2025__Autounattend.xml", 'windowsPE=42 offlineServicing=1 specialize=18 oobeSystem=64 | 0e 29w'],
  ["StefanScherer__packer-windows__answer_files__7__Autounattend.xml", 'windowsPE=39 offlineServicing=1 specialize=5 oobeSystem=57 | 0e 22w'],
  ["StefanScherer__packer-windows__answer_files__81__Autounattend.xml", 'windowsPE=28 offlineServicing=1 specialize=5 oobeSystem=106 | 0e 34w'],
  ["StefanScherer__packer-windows__answer_files__server_insider_uefi__Autounattend.xml", 'windowsPE=26 offlineServicing=1 specialize=9 oobeSystem=56 | 0e 24w'],
  ["StefanScherer__packer-windows__scripts__unattend.xml", 'generalize=1 specialize=2 oobeSystem=11 | 0e 6w'],
  ["boxcutter__windows__floppy__eval-win10x64-enterprise__Autounattend.xml", 'windowsPE=27 offlineServicing=1 specialize=11 oobeSystem=27 | 0e 11w'],
  ["boxcutter__windows__floppy__eval-win10x86-enterprise__Autounattend.xml", 'windowsPE=26 offlineServicing=1 specialize=11 oobeSystem=27 | 0e 11w'],
  ["boxcutter__windows__floppy__eval-win2016-standard__Autounattend.xml", 'windowsPE=24 offlineServicing=1 specialize=22 oobeSystem=16 | 0e 11w'],
  ["boxcutter__windows__floppy__win2008r2-web__Autounattend.xml", 'windowsPE=22 offlineServicing=1 specialize=22 oobeSystem=16 | 0e 11w'],
  ["boxcutter__windows__floppy__win2012-standard__Autounattend.xml", 'windowsPE=24 offlineServicing=1 specialize=19 oobeSystem=16 | 0e 11w'],
  ["boxcutter__windows__floppy__win2012r2-standardcore__Autounattend.xml", 'windowsPE=24 offlineServicing=1 specialize=22 oobeSystem=16 | 0e 11w'],
  ["boxcutter__windows__floppy__win7x64-pro__Autounattend.xml", 'windowsPE=23 offlineServicing=1 specialize=22 oobeSystem=16 | 0e 10w'],
  ["boxcutter__windows__floppy__win81x86-pro__Autounattend.xml", 'windowsPE=23 offlineServicing=1 specialize=15 oobeSystem=16 | 0e 10w'],
  ["chef__bento__packer_templates__win_answer_files__11__Autounattend.xml", 'windowsPE=56 offlineServicing=1 generalize=3 specialize=10 oobeSystem=87 | 0e 37w'],
  ["chef__bento__packer_templates__win_answer_files__11__arm64__Autounattend.xml", 'windowsPE=49 offlineServicing=0 generalize=0 specialize=12 auditSystem=0 auditUser=0 oobeSystem=20 | 0e 11w'],
  ["chef__bento__packer_templates__win_answer_files__11__hyperv-gen2__Autounattend.xml", 'windowsPE=59 offlineServicing=1 generalize=3 specialize=10 oobeSystem=87 | 0e 37w'],
  ["chef__bento__packer_templates__win_answer_files__2016__Autounattend.xml", 'windowsPE=47 offlineServicing=1 generalize=3 specialize=14 oobeSystem=81 | 0e 38w'],
  ["chef__bento__packer_templates__win_answer_files__2019__hyperv-gen2__Autounattend.xml", 'windowsPE=55 offlineServicing=1 generalize=3 specialize=14 oobeSystem=81 | 0e 38w'],
  ["chef__bento__packer_templates__win_answer_files__2025__Autounattend.xml", 'windowsPE=47 offlineServicing=1 generalize=3 specialize=14 oobeSystem=81 | 0e 38w'],
  ["cloudbase__windows-imaging-tools__UnattendTemplate.xml", 'windowsPE=30 specialize=12 oobeSystem=25 | 1e 14w | 143:13 wrong-pass'],
  ["cschneegans__unattend-generator__resource__autounattend.xml", 'windowsPE=5 offlineServicing=0 generalize=0 specialize=0 auditSystem=0 auditUser=0 oobeSystem=10 | 0e 6w'],
  ["cyberrangecz__image-windows-10__Autounattend.xml", 'windowsPE=37 offlineServicing=1 specialize=4 oobeSystem=70 | 0e 25w'],
  ["cyberrangecz__image-windows-server-2019__Autounattend.xml", 'windowsPE=42 generalize=3 specialize=4 oobeSystem=68 | 0e 26w'],
  ["dafyddj__packer-windows__floppy__win10x64-pro__Autounattend.xml", 'windowsPE=19 offlineServicing=1 oobeSystem=26 | 0e 8w'],
  ["dafyddj__packer-windows__floppy__win81x64-pro__Autounattend.xml", 'windowsPE=24 offlineServicing=1 specialize=21 oobeSystem=16 | 0e 11w'],
  ["devopsjesus__wimauto__Autounattend.xml", 'windowsPE=40 | 0e 1w'],
  ["devopsjesus__wimauto__unattend.xml", 'specialize=1 oobeSystem=20 | 0e 6w'],
  ["dockur__windows__assets__win10x64-ltsc.xml", 'windowsPE=41 offlineServicing=1 generalize=2 specialize=80 auditSystem=0 auditUser=0 oobeSystem=30 | 0e 50w'],
  ["dockur__windows__assets__win11x64.xml", 'windowsPE=48 offlineServicing=1 generalize=2 specialize=80 auditSystem=0 auditUser=0 oobeSystem=30 | 0e 50w'],
  ["dockur__windows__assets__win2008r2.xml", 'windowsPE=41 offlineServicing=1 generalize=2 specialize=26 oobeSystem=25 | 0e 23w'],
  ["dockur__windows__assets__win2019-hv.xml", 'windowsPE=43 offlineServicing=1 generalize=2 specialize=38 oobeSystem=30 | 0e 29w'],
  ["dockur__windows__assets__win2025.xml", 'windowsPE=44 offlineServicing=1 generalize=2 specialize=35 oobeSystem=30 | 0e 29w'],
  ["dockur__windows__assets__win7x86.xml", 'windowsPE=42 offlineServicing=1 generalize=2 specialize=24 oobeSystem=25 | 0e 21w'],
  ["dockur__windows__assets__win81x64.xml", 'windowsPE=43 offlineServicing=1 generalize=2 specialize=28 oobeSystem=30 | 0e 27w'],
  ["dockur__windows__assets__winvistax64.xml", 'windowsPE=27 generalize=2 specialize=10 oobeSystem=30 | 0e 16w'],
  ["edsilas__Autounattend.xml__Autounattend.xml", 'windowsPE=53 specialize=9 oobeSystem=37 | 0e 11w'],
  ["gildas__packer-windows__templates__cic__Autounattend.xml", 'windowsPE=34 offlineServicing=1 specialize=27 oobeSystem=23 | 0e 19w'],
  ["gildas__packer-windows__templates__windows-10-enterprise-eval__Autounattend.xml", 'windowsPE=34 offlineServicing=1 generalize=3 specialize=26 oobeSystem=23 | 0e 18w'],
  ["gildas__packer-windows__templates__windows-2012R2-core-standard-eval__Autounattend.xml", 'windowsPE=34 offlineServicing=1 specialize=27 oobeSystem=23 | 0e 19w'],
  ["joefitzgerald__packer-windows__answer_files__10__Autounattend.xml", 'windowsPE=28 offlineServicing=1 specialize=5 oobeSystem=113 | 0e 36w'],
  ["joefitzgerald__packer-windows__answer_files__2008_r2__Autounattend.xml", 'windowsPE=28 offlineServicing=1 specialize=9 oobeSystem=104 | 0e 36w'],
  ["joefitzgerald__packer-windows__answer_files__2012__Autounattend.xml", 'windowsPE=28 offlineServicing=1 specialize=9 oobeSystem=109 | 0e 40w'],
  ["joefitzgerald__packer-windows__answer_files__2016__Autounattend.xml", 'windowsPE=33 offlineServicing=1 specialize=19 oobeSystem=60 | 0e 30w'],
  ["joefitzgerald__packer-windows__answer_files__81__Autounattend.xml", 'windowsPE=28 offlineServicing=1 specialize=5 oobeSystem=105 | 0e 34w'],
  ["kubernetes-sigs__image-builder__images__capi__packer__nutanix__windows__windows-2022__autounattend.xml", 'windowsPE=35 offlineServicing=1 generalize=1 specialize=9 oobeSystem=75 | 0e 32w'],
  ["kubernetes-sigs__image-builder__images__capi__packer__ova__windows__windows-2019-efi__autounattend.xml", 'windowsPE=39 offlineServicing=1 generalize=1 specialize=15 oobeSystem=58 | 0e 30w'],
  ["kubernetes-sigs__image-builder__images__capi__packer__ova__windows__windows-2022__autounattend.xml", 'windowsPE=35 offlineServicing=1 generalize=1 specialize=15 oobeSystem=58 | 0e 30w'],
  ["luciusbono__Packer-Windows10__Autounattend.xml", 'windowsPE=26 offlineServicing=1 specialize=4 oobeSystem=21 | 0e 7w'],
  ["mattgwagner__New-Machine__Windows-10-Pro__autounattend.xml", 'windowsPE=27 offlineServicing=1 oobeSystem=37 | 0e 13w'],
  ["mattgwagner__New-Machine__Windows-2019__autounattend.xml", 'windowsPE=33 offlineServicing=1 specialize=3 oobeSystem=31 | 0e 14w'],
  ["memstechtips__UnattendedWinstall__autounattend.xml", 'windowsPE=48 offlineServicing=0 generalize=0 specialize=45 auditSystem=0 auditUser=0 oobeSystem=27 | 0e 39w'],
  ["mozilla-platform-ops__ronin_puppet__provisioners__windows__MDC1Windows__base-autounattend.xml", 'windowsPE=23 offlineServicing=0 generalize=0 specialize=3 auditSystem=0 auditUser=0 oobeSystem=26 | 0e 10w'],
  ["mozilla-platform-ops__ronin_puppet__provisioners__windows__azure__generalize.xml", 'oobeSystem=31 | 0e 17w'],
  ["mwrock__packer-templates__answer_files__2012_r2__Autounattend.xml", 'windowsPE=33 generalize=3 specialize=4 oobeSystem=26 | 0e 12w'],
  ["mwrock__packer-templates__answer_files__nano__hyperv__Autounattend.xml", 'windowsPE=40 generalize=3 specialize=4 oobeSystem=26 | 0e 12w'],
  ["mwrock__packer-templates__answer_files__win7__Autounattend.xml", 'windowsPE=28 offlineServicing=1 specialize=5 oobeSystem=19 | 0e 11w'],
  ["mwrock__packer-templates__answer_files__win7__postunattend.xml", 'generalize=3 specialize=1 oobeSystem=17 | 0e 4w'],
  ["mwrock__packer-templates__scripts__postunattend.xml", 'generalize=3 specialize=0 oobeSystem=17 | 0e 4w'],
  ["plossys__packer-windows__answer_files__7_noupdates__Autounattend.xml", 'windowsPE=28 offlineServicing=1 specialize=5 oobeSystem=106 | 0e 34w'],
  ["plossys__packer-windows__answer_files__81x86__Autounattend.xml", 'windowsPE=28 offlineServicing=1 specialize=10 oobeSystem=109 | 0e 37w'],
  ["rbalsleyMSFT__FFU__FFUDevelopment__BuildFFUUnattend__unattend_arm64.xml", 'auditUser=2 oobeSystem=1 | 0e 1w'],
  ["rbalsleyMSFT__FFU__FFUDevelopment__BuildFFUUnattend__unattend_x64.xml", 'auditUser=2 oobeSystem=1 | 0e 1w'],
  ["rbalsleyMSFT__FFU__FFUDevelopment__unattend__SampleUnattend_x64.xml", 'specialize=5 oobeSystem=7 | 1e 2w | 11:7 misspelled-setting'],
  ["rbalsleyMSFT__FFU__FFUDevelopment__unattend__unattend_x64.xml", 'specialize=1 | 0e 0w'],
  ["rgl__windows-vagrant__windows-11-24h2-uefi__autounattend.xml", 'windowsPE=43 offlineServicing=1 oobeSystem=32 | 0e 10w'],
  ["rgl__windows-vagrant__windows-2022-uefi__autounattend.xml", 'windowsPE=37 offlineServicing=1 specialize=1 oobeSystem=32 | 0e 11w'],
  ["rgl__windows-vagrant__windows-2025-uefi__autounattend.xml", 'windowsPE=37 offlineServicing=1 specialize=1 oobeSystem=32 | 0e 11w'],
  ["sfigg__commercialization-public__manufacture__desktop__samples__AnswerFiles__Autounattend_x64_BIOS_sample.xml", 'windowsPE=28 specialize=2 | 0e 2w'],
  ["sfigg__commercialization-public__manufacture__desktop__samples__AnswerFiles__Autounattend_x64_UEFI_sample.xml", 'windowsPE=40 specialize=2 | 0e 2w'],
  ["sfigg__commercialization-public__manufacture__desktop__samples__AnswerFiles__Autounattend_x86_BIOS_sample.xml", 'windowsPE=26 specialize=2 | 0e 2w'],
  ["sfigg__commercialization-public__manufacture__desktop__samples__AnswerFiles__BootToAudit-x64.xml", 'oobeSystem=1 | 0e 0w'],
  ["sfigg__commercialization-public__manufacture__desktop__samples__AnswerFiles__CopyProfile-x64.xml", 'specialize=1 | 0e 0w'],
  ["sfigg__commercialization-public__manufacture__desktop__samples__AnswerFiles__Non_OA3.0__Unattend.xml", 'fail 79:94 xml-syntax'],
  ["sfigg__commercialization-public__manufacture__desktop__samples__AnswerFiles__Non_OA3.0__UnattendSysprep.xml", 'windowsPE=14 generalize=4 specialize=17 oobeSystem=12 | 1e 9w | 27:13 misspelled-setting'],
  ["sfigg__commercialization-public__manufacture__desktop__samples__AnswerFiles__OA3.0__Unattend.xml", 'fail 79:94 xml-syntax'],
  ["sfigg__commercialization-public__manufacture__desktop__samples__AnswerFiles__OA3.0__UnattendSysprep.xml", 'windowsPE=14 generalize=4 specialize=16 oobeSystem=12 | 0e 9w'],
  ["vreguibar__EguibarIT.AutoLabSetup__Unattend.xml", 'windowsPE=13 offlineServicing=3 generalize=2 specialize=50 oobeSystem=38 | 1e 19w | 98:13 bad-value'],
];

function outcome(r: CheckReport): string {
  if (r.loadError) return `fail ${r.loadError.line}:${r.loadError.column} ${r.loadError.code}`;
  const errs = r.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.line}:${d.column} ${d.code}`);
  return `${r.passes.map((p) => `${p.pass}=${p.settingCount}`).join(' ')} | ${r.errors}e ${r.warnings}w${errs.length ? ` | ${errs.join(', ')}` : ''}`;
}

test('the corpus holds exactly the pinned files', () => {
  assert.deepEqual(corpusFiles(), EXPECTED.map(([f]) => f));
});

for (const [file, expected] of EXPECTED) {
  test(`corpus: ${file}`, () => {
    const bytes = readFileSync(join(corpusDir(), file));
    const r = checkAnswerFileBytes(bytes, file);
    assert.equal(outcome(r), expected);
    if (r.loadError) return;
    // Every setting is accounted for: each pass lists what it does on Linux or why it is ignored.
    for (const p of r.passes) if (p.settingCount > 0) assert.ok(p.settings.length > 0, `${p.pass} reports no setting`);
    // No secret of the file reaches the report (unless the same text is also the value of an ordinary
    // setting, as when a password equals the host name: that text is in the file with every secret removed).
    const json = JSON.stringify(r);
    const doc = parseAnswerFile(bytes, file);
    const secrets = listSensitiveStrings(doc);
    for (const b of settingsBlocks(doc)) scrubSensitive(doc, b.pass);
    const scrubbed = serialize(doc);
    for (const s of secrets) {
      if (!scrubbed.includes(s)) assert.ok(!json.includes(s), `a secret of ${file} is in its report`);
    }
  });
}

test('corpus summary: 97 load (87 valid, 10 invalid), 3 fail to parse', () => {
  const rs = EXPECTED.map(([f]) => checkAnswerFileBytes(readFileSync(join(corpusDir(), f)), f));
  assert.equal(rs.filter((r) => r.loadError).length, 3);
  assert.equal(rs.filter((r) => !r.loadError && r.valid).length, 87);
  assert.equal(rs.filter((r) => !r.loadError && !r.valid).length, 10);
});
