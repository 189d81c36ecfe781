import { type PassSettings } from '../../answer-file/index.js';
import { formatIni, parseIni } from '../../system/state.js';
import { stateForReseal } from '../../model/image-state.js';
import { PATHS } from '../../model/paths.js';
import { hostnamePrefix, linuxHostname } from '../../system/host.js';
import { StepBuilder } from './builder.js';
import { accounts, autoLogon, deviceForm, driverPaths, extendOsPartition, runCommands, timeZone } from './settings.js';
import { PlanInput } from './types.js';

export function planAudit(b: StepBuilder, input: PlanInput, s: PassSettings | undefined): void {
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
    driverPaths(b, s, 'auditSystem', input.answer, input.madeAt);
  }
  // auditUser runs when root logs in on the console (audit mode's autologin)
  b.step('audit:logon-pending', 'op_logon_pending');
  b.closePass(input.answer, 'auditSystem', 'audit');
  // Reseal in auditSystem (reference §3.4): Mode Audit (the default) stays; OOBE goes on to oobeSystem
  const reseal = s?.deployment.reseal;
  if (reseal?.mode === 'OOBE') {
    b.finish('op_set_state', stateForReseal('oobe'));
    b.finish('op_power', reseal.forceShutdownNow ? 'poweroff' : 'reboot', 'Reseal Mode=OOBE in auditSystem');
  } else if (reseal?.forceShutdownNow) {
    b.finish('op_power', 'poweroff', 'Reseal Mode=Audit ForceShutdownNow in auditSystem');
  } else if (mustReboot) {
    b.finish('op_power', 'reboot', 'AuditComputerName MustReboot');
  }
}

export function planAuditUser(b: StepBuilder, input: PlanInput, s: PassSettings | undefined): void {
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
    b.finish('op_set_state', stateForReseal('oobe'));
    b.finish('op_power', reseal.forceShutdownNow ? 'poweroff' : 'reboot', 'Reseal Mode=OOBE in auditUser');
  } else if (reseal?.mode === 'Audit') {
    b.finish('op_power', reseal.forceShutdownNow ? 'poweroff' : 'reboot', 'Reseal Mode=Audit in auditUser');
  } else if (reseal?.forceShutdownNow) {
    // no Mode: Windows asks with the Sysprep UI; the dialog is offered after the shutdown's next boot
    b.finish('op_power', 'poweroff', 'Reseal ForceShutdownNow in auditUser');
  }
}
