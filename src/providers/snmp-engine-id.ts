import { defineProvider } from './api.js';
import { configText } from './_identity.js';
import { editLines } from './_shared.js';

/**
 * Net-SNMP's engine id. snmpd makes one for this machine at its first start (random and time based,
 * by default) and keeps it in its persistent file, /var/lib/snmp/snmpd.conf, as `oldEngineID`, with
 * `engineBoots` counting its starts (snmpd.conf(5), "engineID"; nothing in the package's postinst
 * does). SNMPv3 names an agent by its engine id (RFC 3414): managers and traps would see every clone
 * as the golden machine's agent.
 *
 * At generalize the two lines go, and snmpd makes a new engine id at the clone's first start, as it did
 * on the golden machine. Where the file also holds SNMPv3 users (`usmUser` lines, whose keys are
 * localized to that engine id, RFC 3414 2.6), a new engine id would lock them out: the lines stay, a
 * warning says so, and `sysprep verify` reports the engine id with what to do (create the users from
 * the configuration on each clone, `net-snmp-create-v3-user`, and run this provider then).
 */
export const SNMP_PERSISTENT = '/var/lib/snmp/snmpd.conf';
const ENGINE = /^\s*(oldEngineID|engineBoots)\s/;

export default defineProvider({
  id: 'snmp-engine-id',
  summary: "Remove snmpd's saved engine id; snmpd makes a new one at the clone's first start (kept when SNMPv3 users depend on it)",
  pass: 'generalize',
  defaultEnabled: true,
  run(ctx) {
    const text = configText(ctx, SNMP_PERSISTENT);
    if (text === undefined || !/^\s*oldEngineID\s/m.test(text)) return;
    if (/^\s*usmUser\s/m.test(text)) {
      ctx.log.warn(`snmp-engine-id: ${SNMP_PERSISTENT} holds SNMPv3 users whose keys belong to the golden machine's engine id; ` +
        'the engine id stays (a new one would lock them out). Create the users on each clone instead (net-snmp-create-v3-user), then remove the usmUser and oldEngineID lines');
      return;
    }
    if (editLines(ctx, SNMP_PERSISTENT, (lines) => lines.filter((l) => !ENGINE.test(l)), 'engine id')) {
      ctx.note('removed the saved SNMP engine id; snmpd makes a new one at its first start');
    }
  },
});
