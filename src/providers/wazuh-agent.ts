import { defineProvider } from './api.js';
import { configText, removeFile, removeFilesOf } from './_identity.js';
import { count } from './_shared.js';

/**
 * The Wazuh (and OSSEC) agent's enrollment: /var/ossec/etc/client.keys, one line `<ID> <name>
 * <address> <key>` that must match the manager's entry for this agent ("Client keys file",
 * https://documentation.wazuh.com/current/development/client-keys.html). Every clone would send as
 * the golden agent, with its ID and key. The agent "checks for the registration key in the
 * client.keys file, and when the file is empty, it automatically requests the key from the
 * configured manager" ("Registration using the enrollment method",
 * https://documentation.wazuh.com/current/user-manual/registering/agent-enrollment.html), so the file
 * is emptied, keeping its owner (root:wazuh) and mode, not removed. With it goes the agent's state
 * bound to that key: the message counters of queue/rids (`RIDS_DIR`, `sender_counter` in the agent's
 * sec.h) and the connection status of var/run/wazuh-agentd.state (ossec-agentd.state before 4.2).
 *
 * A manager keeps every agent's key in the same path: when the image is a manager (wazuh-remoted or
 * wazuh-analysisd is installed) or client.keys has more than one entry, nothing is touched, with a
 * warning. ossec.conf stays; an <agent_name> set in it is kept, with a warning, since every clone
 * would then enroll under that one name.
 */
const OSSEC = '/var/ossec';
const MANAGER_BINARIES = ['wazuh-remoted', 'wazuh-analysisd', 'ossec-remoted', 'ossec-analysisd'];

export default defineProvider({
  id: 'wazuh-agent',
  summary: "Empty the Wazuh agent's client.keys so each clone enrolls anew, and drop its key-bound state",
  pass: 'generalize',
  identity: ['/var/ossec/etc/client.keys'],
  defaultEnabled: true,
  run(ctx) {
    const keys = `${OSSEC}/etc/client.keys`;
    const st = ctx.fs.lstat(keys);
    if (!st) return;
    if (MANAGER_BINARIES.some((b) => ctx.fs.exists(`${OSSEC}/bin/${b}`))) {
      ctx.log.warn(`wazuh-agent: ${OSSEC} is a Wazuh manager; its client.keys (every agent's key) is left as it is`);
      return;
    }
    if (!st.isFile()) {
      ctx.log.warn(`wazuh-agent: left ${keys} alone: it is not a regular file`);
      return;
    }
    const entries = (ctx.fs.readText(keys) ?? '').split('\n').filter((l) => /^\d+\s+[^#!\s]/.test(l));
    if (entries.length > 1) {
      ctx.log.warn(`wazuh-agent: ${keys} has ${entries.length} entries, as a manager's does; left as it is`);
      return;
    }
    let n = ctx.fs.truncate(keys) ? 1 : 0;
    n += removeFilesOf(ctx, 'wazuh-agent', `${OSSEC}/queue/rids`);
    for (const f of ['wazuh-agentd.state', 'ossec-agentd.state']) if (removeFile(ctx, 'wazuh-agent', `${OSSEC}/var/run/${f}`)) n++;
    const name = /<agent_name>\s*([^<\s]+)\s*<\/agent_name>/.exec(configText(ctx, `${OSSEC}/etc/ossec.conf`) ?? '')?.[1];
    if (name) ctx.log.warn(`wazuh-agent: ${OSSEC}/etc/ossec.conf sets <agent_name>${name}</agent_name>; every clone enrolls under that name`);
    if (n) ctx.note(`reset the agent's enrollment (${count(n, 'path')})`);
  },
});
