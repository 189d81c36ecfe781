import assert from 'node:assert/strict';
import { identityPackagesRoot } from '../../test/fixtures/package-roots.js';
import { providerTreeTest, put, read } from '../../test/harness/provider-tree.js';

const FILE = '/var/lib/snmp/snmpd.conf';

providerTreeTest('snmp-engine-id', [
  {
    name: 'the real-packages root: the engine id snmpd saved at its first start goes; the rest of the file stays',
    lower: () => identityPackagesRoot('bookworm'),
    expect: { changed: [FILE] },
    check(root) {
      assert.doesNotMatch(read(root, FILE), /^(oldEngineID|engineBoots) /m);
      assert.match(read(root, FILE), /^setserialno /m);
    },
  },
  {
    name: 'SNMPv3 users localized to the engine id: it stays, with a warning',
    prepare: (root) => put(root, FILE, 'usmUser 1 3 0x80001f88801a2b3c4d5e6f7a80 "ops" "ops" NULL .1.3.6.1.6.3.10.1.1.3 0xaa .1.3.6.1.6.3.10.1.2.4 0xbb ""\noldEngineID 0x80001f88801a2b3c4d5e6f7a80\n', 0o600),
    expect: {},
    check: (root, report) => assert.ok(report.log.some((l: { message: string }) => /SNMPv3 users/.test(l.message))),
  },
]);
