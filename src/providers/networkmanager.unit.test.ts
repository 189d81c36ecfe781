import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keyfileUuid, referencedValues, unpinKeyfile } from './networkmanager.js';

const WIRED = '[connection]\nid=Wired\nuuid=7c3b6a9e-1111-4222-8333-944455556666\ntype=ethernet\ninterface-name=eth0\n\n' +
  '[ethernet]\nmac-address=52:54:00:12:34:56\ncloned-mac-address=preserve\n\n[ipv4]\nmethod=auto\ndns=10.0.0.1;\n';

test('unpinKeyfile: uuid and mac-address go, cloned-mac-address and ip settings stay', () => {
  const r = unpinKeyfile(WIRED);
  assert.deepEqual(r.removed, ['connection.uuid', 'ethernet.mac-address']);
  assert.equal(r.text, '[connection]\nid=Wired\ntype=ethernet\ninterface-name=eth0\n\n' +
    '[ethernet]\ncloned-mac-address=preserve\n\n[ipv4]\nmethod=auto\ndns=10.0.0.1;\n');
});

test('unpinKeyfile: every kind of MAC pin in any device section; spacing around = is allowed', () => {
  const r = unpinKeyfile('[wifi]\nssid=x\n  mac-address = AA:BB:CC:DD:EE:FF\npermanent-mac-address=AA:BB:CC:DD:EE:00\n' +
    'mac-address-blacklist=AA:BB:CC:DD:EE:01;\n[802-3-ethernet]\nmac-address-denylist=AA:BB:CC:DD:EE:02;\nmtu=1500\n');
  assert.deepEqual(r.removed, ['wifi.mac-address', 'wifi.permanent-mac-address', 'wifi.mac-address-blacklist', '802-3-ethernet.mac-address-denylist']);
  assert.equal(r.text, '[wifi]\nssid=x\n[802-3-ethernet]\nmtu=1500\n');
});

test('unpinKeyfile: uuid only counts in [connection]; MAC keys in [connection] are not pins', () => {
  const text = '[vpn]\nuuid=keep-me\nservice-type=org.freedesktop.NetworkManager.openvpn\n[connection]\nid=x\n';
  const r = unpinKeyfile(text);
  assert.deepEqual(r.removed, []);
  assert.equal(r.text, text);
});

test('unpinKeyfile: keepUuid keeps the profile uuid but still drops MAC pins', () => {
  const r = unpinKeyfile(WIRED, { keepUuid: true });
  assert.deepEqual(r.removed, ['ethernet.mac-address']);
  assert.match(r.text, /^uuid=7c3b6a9e-1111-4222-8333-944455556666$/m);
});

test('unpinKeyfile: nothing pinned returns the text unchanged (trailing newline and comments kept)', () => {
  const text = '# managed by hand\n[connection]\nid=lan\ntype=ethernet\n\n[ipv4]\nmethod=manual\naddress1=10.0.0.5/24,10.0.0.1\n';
  assert.deepEqual(unpinKeyfile(text), { text, removed: [] });
});

test('keyfileUuid and referencedValues find the links between profiles', () => {
  assert.equal(keyfileUuid(WIRED), '7c3b6a9e-1111-4222-8333-944455556666');
  assert.equal(keyfileUuid('[vpn]\nuuid=x\n'), undefined);
  const refs = referencedValues(['[connection]\nmaster=u1\n', '[connection]\ncontroller = u2\n[vlan]\nparent=u3\n', WIRED]);
  assert.deepEqual([...refs].sort(), ['u1', 'u2', 'u3']);
});
