import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after } from 'node:test';
import { CACHE_DIR } from '../../test/fixtures/roots.js';
import { FEDORA, at, providerTreeTest } from '../../test/harness/provider-tree.js';

const PLANTED = ['/var/lib/dhcp/dhclient.eth0.leases', '/var/lib/dhcp/dhclient6.leases', '/var/lib/dhcpcd/eth0.lease', '/var/lib/systemd/netif/leases/2'];
const SUSE = 'NAME="openSUSE Leap"\nVERSION="15.5"\nID="opensuse-leap"\nID_LIKE="suse opensuse"\nVERSION_ID="15.5"\nPRETTY_NAME="openSUSE Leap 15.5"\n';

function put(root: string, p: string, content = 'lease {}\n'): void {
  fs.mkdirSync(path.dirname(at(root, p)), { recursive: true });
  fs.writeFileSync(at(root, p), content);
}
function osRelease(root: string, text: string): void {
  fs.rmSync(at(root, '/etc/os-release'), { force: true });
  fs.writeFileSync(at(root, '/etc/os-release'), text);
}

const HOST = path.join(CACHE_DIR, 'work', `host-dhcp-client-state-${process.pid}`);
after(() => fs.rmSync(HOST, { recursive: true, force: true }));

function assertOthersKept(root: string): void {
  assert.ok(fs.existsSync(at(root, '/var/lib/dhcp/dhcpd.leases')), "the DHCP server's leases are dhcp-server-state's");
  assert.ok(fs.existsSync(at(root, '/var/lib/NetworkManager/internal-7c3b-eth0.lease')), "NetworkManager's are networkmanager's");
  for (const d of ['/var/lib/dhcp', '/var/lib/dhcpcd', '/var/lib/systemd/netif/leases']) {
    assert.ok(fs.lstatSync(at(root, d)).isDirectory(), `${d} stays`);
  }
}

providerTreeTest('dhcp-client-state', [
  {
    name: 'dhclient, dhcpcd and networkd leases; not the DHCP server\'s dhcpd.leases',
    expect: { removed: PLANTED },
    check: assertOthersKept,
  },
  {
    name: 'Fedora: /var/lib/dhclient; the server\'s /var/lib/dhcpd stays',
    prepare(root) {
      osRelease(root, FEDORA);
      put(root, '/var/lib/dhclient/dhclient--eth0.lease');
      put(root, '/var/lib/dhclient/dhclient6--eth0.lease');
      put(root, '/var/lib/dhcpd/dhcpd.leases');
    },
    expect: { removed: [...PLANTED, '/var/lib/dhclient/dhclient--eth0.lease', '/var/lib/dhclient/dhclient6--eth0.lease'] },
    check(root, report) {
      assert.match(report.os, /Fedora/);
      assertOthersKept(root);
      assert.ok(fs.existsSync(at(root, '/var/lib/dhcpd/dhcpd.leases')));
    },
  },
  {
    name: 'SUSE: wicked leases and DUID',
    prepare(root) {
      osRelease(root, SUSE);
      put(root, '/var/lib/wicked/lease-eth0-dhcp-ipv4.xml', '<lease/>\n');
      put(root, '/var/lib/wicked/duid.xml', '<duid/>\n');
      put(root, '/var/lib/wicked/iaid.xml', '<iaid/>\n');
    },
    expect: { removed: [...PLANTED, '/var/lib/wicked/lease-eth0-dhcp-ipv4.xml', '/var/lib/wicked/duid.xml', '/var/lib/wicked/iaid.xml'] },
    check(root) {
      assert.ok(fs.statSync(at(root, '/var/lib/wicked')).isDirectory());
    },
  },
  {
    name: 'a lease linking to a host file goes as a link; a lease directory linking to the host is not entered',
    prepare(root) {
      fs.mkdirSync(path.join(HOST, 'dhclient'), { recursive: true });
      fs.writeFileSync(path.join(HOST, 'eth0.leases'), 'host lease\n');
      fs.writeFileSync(path.join(HOST, 'dhclient/dhclient.leases'), 'host lease 2\n');
      fs.rmSync(at(root, '/var/lib/dhcp/dhclient.eth0.leases'));
      fs.symlinkSync(path.join(HOST, 'eth0.leases'), at(root, '/var/lib/dhcp/dhclient.eth0.leases'));
      fs.symlinkSync(path.join(HOST, 'dhclient'), at(root, '/var/lib/dhclient'));
    },
    expect: { removed: PLANTED },
    check(root) {
      assert.equal(fs.readFileSync(path.join(HOST, 'eth0.leases'), 'utf8'), 'host lease\n');
      assert.equal(fs.readFileSync(path.join(HOST, 'dhclient/dhclient.leases'), 'utf8'), 'host lease 2\n');
      assert.equal(fs.readlinkSync(at(root, '/var/lib/dhclient')), path.join(HOST, 'dhclient'));
    },
  },
]);
