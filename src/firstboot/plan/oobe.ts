import { type PassSettings } from '../../answer-file/index.js';
import { stateForReseal, STATE_AFTER_OOBE } from '../../model/image-state.js';
import { StepBuilder } from './builder.js';
import { accounts, autoLogon, common, deviceForm, extendOsPartition, firstLogonCommands } from './settings.js';
import { OOBE_PAGES, type OobePage, type PlanInput } from './types.js';

export function planOobe(b: StepBuilder, input: PlanInput, s: PassSettings | undefined): void {
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
  const [page, ...more] = b.plan.pages;
  if (page) b.call('op_interactive_oobe', page, ...more);
  else b.note('Info', 'OOBE: the answer file answered every page; nothing to ask');
  b.closePass(input.answer, 'oobeSystem', 'oobe');
  // Reseal in oobeSystem (reference §3.4): Mode Audit goes to audit mode, OOBE (the default) completes
  const reseal = s?.deployment.reseal;
  if (reseal?.mode === 'Audit') {
    b.finish('op_set_state', stateForReseal('audit'));
    b.finish('op_power', reseal.forceShutdownNow ? 'poweroff' : 'reboot', 'Reseal Mode=Audit in oobeSystem');
    return;
  }
  b.finish('op_set_state', STATE_AFTER_OOBE);
  b.finish('op_log', 'Info', `OOBE complete; image state ${STATE_AFTER_OOBE}`);
  if (reseal?.forceShutdownNow) b.finish('op_power', 'poweroff', 'Reseal ForceShutdownNow in oobeSystem');
}


// OOBE pages


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
