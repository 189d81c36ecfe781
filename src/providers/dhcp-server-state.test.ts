import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after } from 'node:test';
import { CACHE_DIR } from '../../test/fixtures/roots.js';
import { FEDORA, at, providerTreeTest } from '../../test/harness/provider-tree.js';

const DHCPD = '/var/lib/dhcp/dhcpd.leases';

function put(root: string, p: string, content = 'lease 10.0.0.51 {}\n'): void {
  fs.mkdirSync(path.dirname(at(root, p)), { recursive: true });
  fs.writeFileSync(at(root, p), content);
}
function osRelease(root: string, text: string): void {
  fs.rmSync(at(root, '/etc/os-release'), { force: true });
  fs.writeFileSync(at(root, '/etc/os-release'), text);
}

const HOST = path.join(CACHE_DIR, 'work', `host-dhcp-server-state-${process.pid}`);
after(() => fs.rmSync(HOST, { recursive: true, force: true }));

function assertClientLeasesKept(root: string): void {
  for (const p of ['/var/lib/dhcp/dhclient.eth0.leases', '/var/lib/dhcp/dhclient6.leases']) {
    assert.ok(fs.existsSync(at(root, p)), `${p} is dhcp-client-state's`);
  }
}

providerTreeTest('dhcp-server-state', [
  {
    name: "ISC dhcpd's leases; not the client's",
    expect: { removed: [DHCPD] },
    check: assertClientLeasesKept,
  },
  {
    name: 'dhcpd backups and v6, dnsmasq, Kea; their configuration stays',
    prepare(root) {
      put(root, '/var/lib/dhcp/dhcpd.leases~');
      put(root, '/var/lib/dhcp/dhcpd6.leases');
      put(root, '/var/lib/misc/dnsmasq.leases');
      put(root, '/var/lib/misc/dnsmasq.br0.leases');
      put(root, '/var/lib/kea/kea-leases4.csv', 'address,hwaddr\n');
      put(root, '/var/lib/kea/kea-leases6.csv', 'address,duid\n');
      put(root, '/etc/kea/kea-dhcp4.conf', '{}\n');
      put(root, '/etc/dnsmasq.conf', 'dhcp-range=10.0.0.50,10.0.0.150\n');
    },
    expect: {
      removed: [DHCPD, '/var/lib/dhcp/dhcpd.leases~', '/var/lib/dhcp/dhcpd6.leases', '/var/lib/misc/dnsmasq.leases',
        '/var/lib/misc/dnsmasq.br0.leases', '/var/lib/kea/kea-leases4.csv', '/var/lib/kea/kea-leases6.csv'],
    },
    check(root) {
      assertClientLeasesKept(root);
      assert.ok(fs.existsSync(at(root, '/etc/kea/kea-dhcp4.conf')));
      assert.ok(fs.existsSync(at(root, '/etc/dnsmasq.conf')));
      assert.ok(fs.statSync(at(root, '/var/lib/kea')).isDirectory());
    },
  },
  {
    name: 'Fedora: /var/lib/dhcpd',
    prepare(root) {
      osRelease(root, FEDORA);
      fs.rmSync(at(root, DHCPD));
      put(root, '/var/lib/dhcpd/dhcpd.leases');
      put(root, '/var/lib/dhcpd/dhcpd.leases~');
      put(root, '/var/lib/dhcpd/dhcpd6.leases');
    },
    expect: { removed: ['/var/lib/dhcpd/dhcpd.leases', '/var/lib/dhcpd/dhcpd.leases~', '/var/lib/dhcpd/dhcpd6.leases'] },
    check(root, report) {
      assert.match(report.os, /Fedora/);
      assert.ok(fs.statSync(at(root, '/var/lib/dhcpd')).isDirectory());
      assertClientLeasesKept(root);
    },
  },
  {
    name: 'leases linking to a host file go as a link; /var/lib/dhcpd linking to the host is not entered',
    prepare(root) {
      fs.mkdirSync(path.join(HOST, 'dhcpd'), { recursive: true });
      fs.writeFileSync(path.join(HOST, 'dhcpd.leases'), 'host leases\n');
      fs.writeFileSync(path.join(HOST, 'dhcpd/dhcpd.leases'), 'host leases 2\n');
      fs.rmSync(at(root, DHCPD));
      fs.symlinkSync(path.join(HOST, 'dhcpd.leases'), at(root, DHCPD));
      fs.symlinkSync(path.join(HOST, 'dhcpd'), at(root, '/var/lib/dhcpd'));
    },
    expect: { removed: [DHCPD] },
    check() {
      assert.equal(fs.readFileSync(path.join(HOST, 'dhcpd.leases'), 'utf8'), 'host leases\n');
      assert.equal(fs.readFileSync(path.join(HOST, 'dhcpd/dhcpd.leases'), 'utf8'), 'host leases 2\n');
    },
  },
]);
