import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after } from 'node:test';
import { CACHE_DIR } from '../../test/fixtures/roots.js';
import { at, providerTreeTest, read } from '../../test/harness/provider-tree.js';

const CONNS = '/etc/NetworkManager/system-connections';
const WIRED = `${CONNS}/Wired.nmconnection`;
const STATE = [
  '/var/lib/NetworkManager/internal-7c3b-eth0.lease',
  '/var/lib/NetworkManager/secret_key',
  '/var/lib/NetworkManager/seen-bssids',
  '/var/lib/NetworkManager/timestamps',
];
const UNPINNED = '[connection]\nid=Wired\ntype=ethernet\ninterface-name=eth0\n\n' +
  '[ethernet]\ncloned-mac-address=preserve\n\n[ipv4]\nmethod=auto\ndns=10.0.0.1;\n\n[ipv6]\nmethod=auto\n';

function put(root: string, p: string, content = '', mode = 0o600): void {
  fs.mkdirSync(path.dirname(at(root, p)), { recursive: true });
  fs.writeFileSync(at(root, p), content, { mode });
}

/** Files on the host, outside the image, that links in the image name; they must stay untouched. */
const HOST = path.join(CACHE_DIR, 'work', `host-networkmanager-${process.pid}`);
after(() => fs.rmSync(HOST, { recursive: true, force: true }));
function hostFile(name: string, content: string): string {
  fs.mkdirSync(path.dirname(path.join(HOST, name)), { recursive: true });
  fs.writeFileSync(path.join(HOST, name), content);
  return path.join(HOST, name);
}

const BOND_UUID = '11111111-2222-4333-8444-555555555555';
const BOND = `[connection]\nid=bond0\nuuid=${BOND_UUID}\ntype=bond\ninterface-name=bond0\n\n[bond]\nmode=active-backup\n\n[ipv4]\nmethod=auto\n`;
const PORT = '[connection]\nid=bond0-port1\nuuid=66666666-7777-4888-8999-000000000000\ntype=ethernet\n' +
  `master=${BOND_UUID}\nslave-type=bond\n\n[ethernet]\nmac-address=52:54:00:AA:BB:01\n`;

providerTreeTest('networkmanager', [
  {
    expect: { changed: [WIRED], removed: STATE },
    check(root) {
      // uuid and mac-address go; cloned-mac-address, ipv4, dns and the rest stay
      assert.equal(read(root, WIRED), UNPINNED);
      const st = fs.statSync(at(root, WIRED));
      assert.equal(st.mode & 0o777, 0o600, 'profiles stay private (NetworkManager ignores others)');
      assert.equal(st.uid, 0);
      assert.ok(fs.statSync(at(root, '/var/lib/NetworkManager')).isDirectory(), 'the state directory stays');
    },
  },
  {
    name: 'nothing to do: unpinned profile, no state',
    prepare(root) {
      fs.writeFileSync(at(root, WIRED), UNPINNED);
      for (const p of STATE) fs.rmSync(at(root, p));
    },
    expect: {},
    check(root, report) {
      assert.equal(report.providers[0].status, 'done');
      assert.equal(read(root, WIRED), UNPINNED);
    },
  },
  {
    name: 'a uuid another profile names (bond port master=) stays; the port\'s own pins go',
    prepare(root) {
      put(root, `${CONNS}/bond0.nmconnection`, BOND);
      put(root, `${CONNS}/bond0-port1.nmconnection`, PORT);
    },
    expect: { changed: [WIRED, `${CONNS}/bond0-port1.nmconnection`], removed: STATE },
    check(root) {
      assert.equal(read(root, `${CONNS}/bond0.nmconnection`), BOND);
      assert.equal(read(root, `${CONNS}/bond0-port1.nmconnection`),
        `[connection]\nid=bond0-port1\ntype=ethernet\nmaster=${BOND_UUID}\nslave-type=bond\n\n[ethernet]\n`);
    },
  },
  {
    name: 'wifi profile and dhclient leases',
    prepare(root) {
      put(root, `${CONNS}/Home.nmconnection`,
        '[connection]\nid=Home\nuuid=aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee\ntype=wifi\n\n[wifi]\nmac-address=52:54:00:12:34:99\n' +
        'mac-address-blacklist=\nmode=infrastructure\nssid=Home\n\n[wifi-security]\nkey-mgmt=wpa-psk\npsk=secret\n');
      put(root, '/var/lib/NetworkManager/dhclient-eth0.conf', 'send host-name "golden";\n', 0o644);
      put(root, '/var/lib/NetworkManager/dhclient6-7c3b-eth0.lease', 'lease6 {}\n', 0o644);
      put(root, '/var/lib/NetworkManager/NetworkManager.state', '[main]\nNetworkingEnabled=true\n', 0o644);
    },
    expect: {
      changed: [WIRED, `${CONNS}/Home.nmconnection`],
      removed: [...STATE, '/var/lib/NetworkManager/dhclient-eth0.conf', '/var/lib/NetworkManager/dhclient6-7c3b-eth0.lease'],
    },
    check(root) {
      assert.equal(read(root, `${CONNS}/Home.nmconnection`),
        '[connection]\nid=Home\ntype=wifi\n\n[wifi]\nmode=infrastructure\nssid=Home\n\n[wifi-security]\nkey-mgmt=wpa-psk\npsk=secret\n');
      assert.equal(read(root, '/var/lib/NetworkManager/NetworkManager.state'), '[main]\nNetworkingEnabled=true\n', 'settings state stays');
    },
  },
  {
    name: 'a profile that is a link to a host file is neither read nor written',
    prepare(root) {
      fs.symlinkSync(hostFile('Host.nmconnection', '[connection]\nid=Host\nuuid=deadbeef\n'), at(root, `${CONNS}/Host.nmconnection`));
      fs.rmSync(at(root, '/var/lib/NetworkManager/secret_key'));
      fs.symlinkSync(hostFile('secret_key', 'HOST SECRET'), at(root, '/var/lib/NetworkManager/secret_key'));
    },
    expect: { changed: [WIRED], removed: STATE },
    check(root) {
      assert.equal(fs.readlinkSync(at(root, `${CONNS}/Host.nmconnection`)), path.join(HOST, 'Host.nmconnection'));
      assert.equal(fs.readFileSync(path.join(HOST, 'Host.nmconnection'), 'utf8'), '[connection]\nid=Host\nuuid=deadbeef\n');
      assert.equal(fs.readFileSync(path.join(HOST, 'secret_key'), 'utf8'), 'HOST SECRET');
    },
  },
]);
