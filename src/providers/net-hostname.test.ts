import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GOLDEN_HOSTNAME, GOLDEN_MAC } from '../../test/fixtures/lived-in.js';
import { FEDORA, OPENSUSE, at, osRelease, providerTreeTest, put, read } from '../../test/harness/provider-tree.js';

const IFCFG = '/etc/sysconfig/network-scripts/ifcfg-eth0';
const UUID = '5fb06bd0-0bb0-7ffb-45f1-d6edd65f3e03';

providerTreeTest('net-hostname', [
  {
    // an ifcfg file left on a Debian root still names the machine (sysprep verify finds it)
    name: 'Debian: a left-over ifcfg file is cleaned all the same',
    expect: { changed: [IFCFG] },
    check(root, report) {
      assert.equal(report.providers[0].status, 'done');
      assert.doesNotMatch(read(root, IFCFG), /^HOSTNAME=golden$/m);
    },
  },
  {
    name: 'Fedora: HOSTNAME and DHCP_HOSTNAME leave ifcfg-eth0',
    prepare(root) {
      osRelease(root, FEDORA);
    },
    expect: { changed: [IFCFG] },
    check(root, report) {
      assert.equal(report.providers[0].status, 'done');
      assert.equal(read(root, IFCFG), `DEVICE=eth0\nBOOTPROTO=dhcp\nHWADDR=${GOLDEN_MAC}\nUUID=${UUID}\nONBOOT=yes\n`);
      assert.equal(fs.statSync(at(root, IFCFG)).mode & 0o777, 0o644);
    },
  },
  {
    name: 'Fedora: a file without host names is not rewritten',
    prepare(root) {
      osRelease(root, FEDORA);
      put(root, '/etc/sysconfig/network-scripts/ifcfg-eth1', 'DEVICE=eth1\nBOOTPROTO=none\nIPADDR=10.1.0.5\n');
    },
    expect: { changed: [IFCFG] },
    check(root) {
      assert.equal(read(root, '/etc/sysconfig/network-scripts/ifcfg-eth1'), 'DEVICE=eth1\nBOOTPROTO=none\nIPADDR=10.1.0.5\n');
    },
  },
  {
    name: 'openSUSE: /etc/sysconfig/network/ifcfg-* too',
    prepare(root) {
      osRelease(root, OPENSUSE);
      put(root, '/etc/sysconfig/network/ifcfg-eth0', `BOOTPROTO='dhcp'\nSTARTMODE='auto'\nDHCP_HOSTNAME='${GOLDEN_HOSTNAME}'\nLLADDR='${GOLDEN_MAC}'\n`);
    },
    expect: { changed: [IFCFG, '/etc/sysconfig/network/ifcfg-eth0'] },
    check(root) {
      assert.equal(read(root, '/etc/sysconfig/network/ifcfg-eth0'), `BOOTPROTO='dhcp'\nSTARTMODE='auto'\nLLADDR='${GOLDEN_MAC}'\n`);
    },
  },
]);
