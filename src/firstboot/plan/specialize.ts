import { type PassSettings } from '../../answer-file/index.js';
import { allProviders } from '../../providers/index.js';
import { stateAfterSpecialize } from '../../model/image-state.js';
import { appliesTo, compareProviders, keyOf, type Provider } from '../../providers/api.js';
import { loadTarget } from '../../system/target.js';
import type { RootFs } from '../../rootfs/rootfs.js';
import { hostnamePrefix, linuxHostname } from '../../system/host.js';
import { StepBuilder } from './builder.js';
import { autoLogon, common, deviceForm, extendOsPartition, runCommands, waitForHostKeys } from './settings.js';
import { PlanInput } from './types.js';

export function planSpecialize(b: StepBuilder, input: PlanInput, s: PassSettings | undefined): void {
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
    const [command, ...args] = p.external?.command ?? [];
    if (command === undefined) continue;
    waitForHostKeys(b);
    b.step(`provider:${keyOf(p)}`, 'op_external', p.id, p.source ?? '', String(p.external!.timeout), input.target, command, ...args);
  }
  b.closePass(input.answer, 'specialize', 'specialize');
  b.finish('op_set_state', stateAfterSpecialize(input.target));
}

/** The default-enabled specialize providers that apply to the image: built-in ones first, then registered ones. */
export function specializeProviders(fs: RootFs): Provider[] {
  const target = loadTarget(fs);
  return allProviders(fs).filter((p) => p.pass === 'specialize' && p.defaultEnabled && appliesTo(p, target)).sort(compareProviders);
}
