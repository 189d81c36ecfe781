import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { at, providerTreeTest, read } from '../../test/harness/provider-tree.js';
import { WG_KEY_MARKER } from './wireguard-keys.js';

function put(root: string, p: string, content = '', mode = 0o600): void {
  fs.mkdirSync(path.dirname(at(root, p)), { recursive: true, mode: 0o700 });
  fs.writeFileSync(at(root, p), content, { mode });
}

const WG0 = '# site-to-site tunnel\n[Interface]\nAddress = 10.8.0.2/24\nListenPort = 51820\n' +
  'PrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\n' +
  'PostUp = iptables -A FORWARD -i %i -j ACCEPT\nPostDown = iptables -D FORWARD -i %i -j ACCEPT\n\n' +
  '[Peer]\n# hub\nPublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\nPresharedKey = /UwcSPg38hW/D9Y3tcS1FOV0K1wuURMbS0sesJEP5ak=\n' +
  'AllowedIPs = 10.8.0.0/24\nEndpoint = hub.example.com:51820\nPersistentKeepalive = 25\n';
const WG0_GENERALIZED = WG0.replace('PrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=', WG_KEY_MARKER);

providerTreeTest('wireguard-keys', [
  {
    name: 'the [Interface] PrivateKey becomes the marker; addresses, peers, preshared keys, hooks and mode stay',
    prepare: (root) => put(root, '/etc/wireguard/wg0.conf', WG0),
    expect: { changed: ['/etc/wireguard/wg0.conf'] },
    check(root) {
      assert.equal(read(root, '/etc/wireguard/wg0.conf'), WG0_GENERALIZED);
      assert.equal(fs.statSync(at(root, '/etc/wireguard/wg0.conf')).mode & 0o777, 0o600, 'still private');
    },
  },
  {
    name: 'several interfaces, any case of the key name; a key read by a PostUp hook is not touched',
    prepare(root) {
      put(root, '/etc/wireguard/wg0.conf', WG0);
      put(root, '/etc/wireguard/wg1.conf', '[interface]\nprivatekey=ME4N3ZLpBYlWOMxxMdUY0/23Gg0gJDSxbtbsoIzO2lI=\nAddress = 10.9.0.1/24\n');
      put(root, '/etc/wireguard/wg2.conf', '[Interface]\nAddress = 10.10.0.1/24\nPostUp = wg set %i private-key /etc/wireguard/wg2.key\n');
      put(root, '/etc/wireguard/wg2.key', 'ME4N3ZLpBYlWOMxxMdUY0/23Gg0gJDSxbtbsoIzO2lI=\n');
    },
    expect: { changed: ['/etc/wireguard/wg0.conf', '/etc/wireguard/wg1.conf'] },
    check(root) {
      assert.equal(read(root, '/etc/wireguard/wg1.conf'), `[interface]\n${WG_KEY_MARKER}\nAddress = 10.9.0.1/24\n`);
      assert.equal(read(root, '/etc/wireguard/wg2.conf'), '[Interface]\nAddress = 10.10.0.1/24\nPostUp = wg set %i private-key /etc/wireguard/wg2.key\n');
      assert.equal(read(root, '/etc/wireguard/wg2.key'), 'ME4N3ZLpBYlWOMxxMdUY0/23Gg0gJDSxbtbsoIzO2lI=\n');
    },
  },
  {
    name: 'a configuration that is a link is neither read nor written',
    prepare(root) {
      put(root, '/srv/vpn/wg0.conf', WG0);
      fs.mkdirSync(at(root, '/etc/wireguard'), { recursive: true });
      fs.symlinkSync('/srv/vpn/wg0.conf', at(root, '/etc/wireguard/wg0.conf'));
    },
    expect: {},
    check(root) {
      assert.equal(read(root, '/srv/vpn/wg0.conf'), WG0);
    },
  },
  {
    name: 'no WireGuard: nothing to do',
    expect: {},
  },
]);
