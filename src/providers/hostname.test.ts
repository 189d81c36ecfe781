import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after } from 'node:test';
import { CACHE_DIR } from '../../test/fixtures/roots.js';
import { FEDORA, at, providerTreeTest, read } from '../../test/harness/provider-tree.js';

const SUSE = 'NAME="openSUSE Leap"\nVERSION="15.5"\nID="opensuse-leap"\nID_LIKE="suse opensuse"\nVERSION_ID="15.5"\nPRETTY_NAME="openSUSE Leap 15.5"\n';

/** /etc/hosts as lived-in.ts plants it, minus the golden machine's 127.0.1.1 line */
const DEBIAN_HOSTS_AFTER =
  '127.0.0.1\tlocalhost\n\n# The following lines are desirable for IPv6 capable hosts\n::1     localhost ip6-localhost ip6-loopback\nff02::1 ip6-allnodes\n';
const MACHINE_INFO_AFTER = 'ICON_NAME=computer-vm\n';

function osRelease(root: string, text: string): void {
  fs.rmSync(at(root, '/etc/os-release'), { force: true });
  fs.writeFileSync(at(root, '/etc/os-release'), text);
}

const HOST = path.join(CACHE_DIR, 'work', `host-hostname-${process.pid}`);
after(() => fs.rmSync(HOST, { recursive: true, force: true }));

function assertNoGolden(root: string): void {
  assert.doesNotMatch(read(root, '/etc/hosts'), /golden/);
  assert.equal(read(root, '/etc/machine-info'), MACHINE_INFO_AFTER);
  assert.equal(fs.statSync(at(root, '/etc/hosts')).mode & 0o7777, 0o644);
}

providerTreeTest('hostname', [
  {
    name: 'Debian: /etc/hostname, PRETTY_HOSTNAME and the 127.0.1.1 line (short name and FQDN)',
    expect: { removed: ['/etc/hostname'], changed: ['/etc/hosts', '/etc/machine-info'] },
    check(root) {
      assertNoGolden(root);
      assert.equal(read(root, '/etc/hosts'), DEBIAN_HOSTS_AFTER, 'localhost and the ip6 lines stay as they were');
    },
  },
  {
    name: 'Fedora: FQDN in /etc/hostname, HOSTNAME= in /etc/sysconfig/network, the name on the loopback line',
    prepare(root) {
      osRelease(root, FEDORA);
      fs.writeFileSync(at(root, '/etc/hostname'), 'golden.example.com\n');
      fs.writeFileSync(at(root, '/etc/sysconfig/network'), '# Created by anaconda\nNETWORKING=yes\nHOSTNAME=golden.example.com\n');
      fs.writeFileSync(
        at(root, '/etc/hosts'),
        '127.0.0.1   localhost localhost.localdomain localhost4 localhost4.localdomain4 golden.example.com golden\n' +
          '::1         localhost localhost.localdomain localhost6 localhost6.localdomain6\n' +
          '10.0.0.20   golden.example.com golden # static\n' +
          '10.0.0.1    gateway.example.com gateway\n' +
          '10.0.0.30   golden-db.example.com golden-db\n',
      );
    },
    expect: { removed: ['/etc/hostname'], changed: ['/etc/hosts', '/etc/machine-info', '/etc/sysconfig/network'] },
    check(root, report) {
      assert.match(report.os, /Fedora/);
      assert.equal(
        read(root, '/etc/hosts'),
        '127.0.0.1\tlocalhost\tlocalhost.localdomain\tlocalhost4\tlocalhost4.localdomain4\n' +
          '::1         localhost localhost.localdomain localhost6 localhost6.localdomain6\n' +
          '10.0.0.1    gateway.example.com gateway\n' +
          '10.0.0.30   golden-db.example.com golden-db\n',
        'the loopback names stay; a line left with no name goes; another host that merely starts with the name stays',
      );
      assert.equal(read(root, '/etc/sysconfig/network'), '# Created by anaconda\nNETWORKING=yes\n');
      assert.equal(read(root, '/etc/machine-info'), MACHINE_INFO_AFTER);
    },
  },
  {
    name: 'SUSE: /etc/HOSTNAME',
    prepare(root) {
      osRelease(root, SUSE);
      fs.rmSync(at(root, '/etc/hostname'));
      fs.writeFileSync(at(root, '/etc/HOSTNAME'), 'golden.example.com\n');
    },
    expect: { removed: ['/etc/HOSTNAME'], changed: ['/etc/hosts', '/etc/machine-info'] },
    check(root) {
      assertNoGolden(root);
      assert.equal(read(root, '/etc/hosts'), DEBIAN_HOSTS_AFTER);
    },
  },
  {
    name: "/etc/hostname links to a host file: the link goes, the host's name is neither read nor touched",
    prepare(root) {
      fs.mkdirSync(HOST, { recursive: true });
      fs.writeFileSync(path.join(HOST, 'hostname'), 'hostbox\n');
      fs.rmSync(at(root, '/etc/hostname'));
      fs.symlinkSync(path.join(HOST, 'hostname'), at(root, '/etc/hostname'));
      fs.appendFileSync(at(root, '/etc/hosts'), '10.0.0.99\thostbox\n');
    },
    // the old name is unknown (the link leads nowhere inside the image), so /etc/hosts is left as it is
    expect: { removed: ['/etc/hostname'], changed: ['/etc/machine-info'] },
    check(root) {
      assert.equal(fs.readFileSync(path.join(HOST, 'hostname'), 'utf8'), 'hostbox\n');
      assert.match(read(root, '/etc/hosts'), /^10\.0\.0\.99\thostbox$/m);
      assert.equal(read(root, '/etc/machine-info'), MACHINE_INFO_AFTER);
    },
  },
  {
    name: 'already generalized: nothing to do',
    prepare(root) {
      fs.rmSync(at(root, '/etc/hostname'));
      fs.writeFileSync(at(root, '/etc/machine-info'), MACHINE_INFO_AFTER);
    },
    expect: {},
  },
]);
