import assert from 'node:assert/strict';
import { test } from 'node:test';
import { unpinNetplan } from './netplan.js';

const MAC = '52:54:00:12:34:56';

test('unpinNetplan: a MAC match with set-name becomes a match on that name, set-name goes', () => {
  const r = unpinNetplan(
    `# cloud-init\nnetwork:\n  version: 2\n  ethernets:\n    eth0:\n      match:\n        macaddress: "${MAC}"\n      set-name: eth0\n      dhcp4: true\n`,
  );
  assert.deepEqual(r.unpinned, ['eth0']);
  assert.equal(r.text, '# cloud-init\nnetwork:\n  version: 2\n  ethernets:\n    eth0:\n      match:\n        name: eth0\n      dhcp4: true\n');
});

test('unpinNetplan: set-name other than the id is what the match names', () => {
  const r = unpinNetplan(`network:\n  ethernets:\n    uplink:\n      match:\n        macaddress: ${MAC}\n      set-name: wan0\n      dhcp4: true\n`);
  assert.deepEqual(r.unpinned, ['uplink']);
  assert.equal(r.text, 'network:\n  ethernets:\n    uplink:\n      match:\n        name: wan0\n      dhcp4: true\n');
});

test('unpinNetplan: without set-name the match falls back to the config id', () => {
  const r = unpinNetplan(`network:\n  ethernets:\n    eth1:\n      match:\n        macaddress: ${MAC}\n      addresses: [10.0.0.2/24]\n`);
  assert.deepEqual(r.unpinned, ['eth1']);
  assert.equal(r.text, 'network:\n  ethernets:\n    eth1:\n      match:\n        name: eth1\n      addresses: [10.0.0.2/24]\n');
});

test('unpinNetplan: other match keys stay and no name is invented', () => {
  const r = unpinNetplan(`network:\n  ethernets:\n    nic:\n      match:\n        macaddress: ${MAC}\n        driver: virtio_net\n      dhcp4: true\n`);
  assert.deepEqual(r.unpinned, ['nic']);
  assert.equal(r.text, 'network:\n  ethernets:\n    nic:\n      match:\n        driver: virtio_net\n      dhcp4: true\n');
});

test('unpinNetplan: wifis and flow-style maps; comments elsewhere stay', () => {
  const r = unpinNetplan(
    `network:\n  version: 2 # v2\n  wifis:\n    wl0:\n      match: {macaddress: "${MAC}"}\n      set-name: wlan0\n      access-points:\n        home: {password: x}\n`,
  );
  assert.deepEqual(r.unpinned, ['wl0']);
  assert.equal(r.text, 'network:\n  version: 2 # v2\n  wifis:\n    wl0:\n      match: {name: wlan0}\n      access-points:\n        home: {password: x}\n');
});

test('unpinNetplan: the rest of the file keeps its layout (no folding, no re-spaced flow lists)', () => {
  const search = 'search: [aaaaaaaaaaaaaaaa.example.com, bbbbbbbbbbbbbbbbbbbbbb.example.com, cccccccccccccccccccc.example.com]';
  const r = unpinNetplan(
    `network:\n  ethernets:\n    eth0:\n      match:\n        macaddress: ${MAC}\n      set-name: eth0\n      nameservers:\n        ${search}\n`,
  );
  assert.equal(r.text, `network:\n  ethernets:\n    eth0:\n      match:\n        name: eth0\n      nameservers:\n        ${search}\n`);
});

test('unpinNetplan: several pinned interfaces, each reported once', () => {
  const r = unpinNetplan(
    'network:\n  ethernets:\n    a:\n      match: {macaddress: "02:00:00:00:00:0a"}\n      set-name: a\n' +
      '    b:\n      match: {macaddress: "02:00:00:00:00:0b"}\n      set-name: b\n    c:\n      dhcp4: true\n',
  );
  assert.deepEqual(r.unpinned, ['a', 'b']);
  assert.doesNotMatch(r.text, /macaddress|set-name/);
});

test('unpinNetplan: a MAC *setting* (not a match) is configuration and stays; text is returned as given', () => {
  const text = `network:\n  ethernets:\n    eth0:\n      macaddress: "02:00:00:00:00:01"   # spoofed on purpose\n      dhcp4: true\n`;
  const r = unpinNetplan(text);
  assert.deepEqual(r.unpinned, []);
  assert.equal(r.text, text);
});

test('unpinNetplan: documents without a network map are returned untouched', () => {
  for (const text of ['', '# nothing\n', 'network: 5\n', '- a\n- b\n', 'network:\n  bonds:\n    bond0:\n      interfaces: [a]\n']) {
    const r = unpinNetplan(text);
    assert.deepEqual(r.unpinned, [], text);
    assert.equal(r.text, text);
  }
});
