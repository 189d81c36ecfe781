import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after } from 'node:test';
import { GOLDEN_HOSTNAME, GOLDEN_MAC } from '../../test/fixtures/lived-in.js';
import { CACHE_DIR } from '../../test/fixtures/roots.js';
import { FEDORA, OPENSUSE, at, osRelease, providerTreeTest, put, read } from '../../test/harness/provider-tree.js';

const IFCFG = '/etc/sysconfig/network-scripts/ifcfg-eth0';
const LO = 'DEVICE=lo\nIPADDR=127.0.0.1\nNETMASK=255.0.0.0\nUUID=00000000-0000-0000-0000-00000000000a\nONBOOT=yes\n';

/** Files on the host, outside the image, that links in the image name; they must stay untouched. */
const HOST = path.join(CACHE_DIR, 'work', `host-net-hwaddr-${process.pid}`);
after(() => fs.rmSync(HOST, { recursive: true, force: true }));
function hostFile(name: string, content: string): string {
  fs.mkdirSync(path.dirname(path.join(HOST, name)), { recursive: true });
  fs.writeFileSync(path.join(HOST, name), content);
  return path.join(HOST, name);
}

providerTreeTest('net-hwaddr', [
  {
    // an ifcfg file left on a Debian root still names the machine (sysprep verify finds it)
    name: 'Debian: a left-over ifcfg file is cleaned all the same',
    expect: { changed: [IFCFG] },
    check(root, report) {
      assert.equal(report.providers[0].status, 'done');
      assert.doesNotMatch(read(root, IFCFG), /^HWADDR=/m);
    },
  },
  {
    name: 'Fedora: HWADDR, MACADDR and UUID leave the NICs\' files; the loopback\'s stays',
    prepare(root) {
      osRelease(root, FEDORA);
      put(root, '/etc/sysconfig/network-scripts/ifcfg-lo', LO);
      put(root, '/etc/sysconfig/network-scripts/ifcfg-eth1', 'DEVICE=eth1\nMACADDR=02:00:00:00:00:01\nIPADDR=10.1.0.5\n');
    },
    expect: { changed: [IFCFG, '/etc/sysconfig/network-scripts/ifcfg-eth1'] },
    check(root) {
      assert.equal(read(root, IFCFG),
        `DEVICE=eth0\nBOOTPROTO=dhcp\nHOSTNAME=${GOLDEN_HOSTNAME}\nDHCP_HOSTNAME=${GOLDEN_HOSTNAME}\nONBOOT=yes\n`);
      assert.equal(read(root, '/etc/sysconfig/network-scripts/ifcfg-eth1'), 'DEVICE=eth1\nIPADDR=10.1.0.5\n');
      assert.equal(read(root, '/etc/sysconfig/network-scripts/ifcfg-lo'), LO);
    },
  },
  {
    name: 'openSUSE: LLADDR leaves /etc/sysconfig/network/ifcfg-eth0',
    prepare(root) {
      osRelease(root, OPENSUSE);
      put(root, '/etc/sysconfig/network/ifcfg-eth0', `BOOTPROTO='dhcp'\nSTARTMODE='auto'\nLLADDR='${GOLDEN_MAC}'\n`);
      put(root, '/etc/sysconfig/network/ifcfg-lo', "IPADDR=127.0.0.1\nSTARTMODE=nfsroot\n");
    },
    expect: { changed: [IFCFG, '/etc/sysconfig/network/ifcfg-eth0'] },
    check(root) {
      assert.equal(read(root, '/etc/sysconfig/network/ifcfg-eth0'), "BOOTPROTO='dhcp'\nSTARTMODE='auto'\n");
    },
  },
  {
    name: 'Fedora: an ifcfg file that is a link to a host file is neither read nor written',
    prepare(root) {
      osRelease(root, FEDORA);
      fs.symlinkSync(hostFile('ifcfg-eth9', `DEVICE=eth9\nHWADDR=${GOLDEN_MAC}\n`), at(root, '/etc/sysconfig/network-scripts/ifcfg-eth9'));
    },
    expect: { changed: [IFCFG] },
    check() {
      assert.equal(fs.readFileSync(path.join(HOST, 'ifcfg-eth9'), 'utf8'), `DEVICE=eth9\nHWADDR=${GOLDEN_MAC}\n`);
    },
  },
]);
