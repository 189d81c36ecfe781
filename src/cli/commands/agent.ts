/**
 * `sysprep agent PHASE …`: the first-boot agent's phases, started by its systemd units and the bash
 * runner inside a clone (src/firstboot/agent.ts). The agent's audit-mode dialog is this layer's
 * dialog, handed down so that the first-boot layer does not reach up for it.
 */
import { agentMain } from '../../firstboot/agent.js';
import type { ParsedArgs } from '../args.js';

export async function agentCommand(args: ParsedArgs): Promise<number> {
  return agentMain(args.positionals, async (o) => (await import('../dialog.js')).runDialog(o));
}
