import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { at, providerTreeTest, put, read } from '../../test/harness/provider-tree.js';

const MINION = '##### Primary configuration settings #####\n#master: salt\nmaster: salt.example.com\nhash_type: sha256\n' +
  '#pki_dir: /etc/salt/pki/minion\nmine_functions:\n  network.ip_addrs: []\ngrains:\n  roles:\n    - web\n';
const PKI = '/etc/salt/pki/minion';
const IDENTITY = ['/etc/salt/minion_id', `${PKI}/minion.pem`, `${PKI}/minion.pub`, `${PKI}/minion_master.pub`];

function layOut(root: string, pki = PKI): void {
  put(root, '/etc/salt/minion', MINION);
  put(root, '/etc/salt/minion.d/_schedule.conf', 'schedule:\n  __mine_interval: {enabled: true, function: mine.update, minutes: 60}\n');
  put(root, '/etc/salt/minion_id', 'golden.example.com');
  put(root, `${pki}/minion.pem`, '-----BEGIN RSA PRIVATE KEY-----\nGOLDEN\n-----END RSA PRIVATE KEY-----\n', 0o400);
  put(root, `${pki}/minion.pub`, '-----BEGIN PUBLIC KEY-----\nGOLDEN\n-----END PUBLIC KEY-----\n');
  put(root, `${pki}/minion_master.pub`, '-----BEGIN PUBLIC KEY-----\nMASTER\n-----END PUBLIC KEY-----\n');
  // a builder's pinned master signing key: configuration
  put(root, `${pki}/master_sign.pub`, '-----BEGIN PUBLIC KEY-----\nSIGN\n-----END PUBLIC KEY-----\n');
  put(root, '/var/cache/salt/minion/extmods/grains/custom.py', 'def g(): return {}\n');
}

function assertConfigKept(root: string, pki = PKI): void {
  assert.equal(read(root, '/etc/salt/minion.d/_schedule.conf'), 'schedule:\n  __mine_interval: {enabled: true, function: mine.update, minutes: 60}\n');
  assert.equal(read(root, `${pki}/master_sign.pub`), '-----BEGIN PUBLIC KEY-----\nSIGN\n-----END PUBLIC KEY-----\n');
  assert.equal(read(root, '/var/cache/salt/minion/extmods/grains/custom.py'), 'def g(): return {}\n');
}

providerTreeTest('salt-minion', [
  {
    name: 'minion_id, key pair and cached master key go; minion config and the pinned signing key stay',
    prepare: (root) => layOut(root),
    expect: { removed: IDENTITY },
    check(root, report) {
      assert.equal(read(root, '/etc/salt/minion'), MINION);
      assertConfigKept(root);
      assert.deepEqual(report.warnings, []);
    },
  },
  {
    name: 'pki_dir set in minion.d; an explicit id is kept with a warning',
    prepare(root) {
      layOut(root, '/srv/salt-pki');
      put(root, '/etc/salt/minion.d/local.conf', 'pki_dir: /srv/salt-pki\nid: web01\n');
    },
    expect: { removed: ['/etc/salt/minion_id', '/srv/salt-pki/minion.pem', '/srv/salt-pki/minion.pub', '/srv/salt-pki/minion_master.pub'] },
    check(root, report) {
      assert.equal(read(root, '/etc/salt/minion.d/local.conf'), 'pki_dir: /srv/salt-pki\nid: web01\n');
      assertConfigKept(root, '/srv/salt-pki');
      assert.ok(report.warnings.some((w: string) => w.includes('id: web01')));
    },
  },
  {
    name: 'the minion key a link to a file elsewhere in the image: only the link goes',
    prepare(root) {
      layOut(root);
      put(root, '/srv/keys/minion.pem', 'SOMETHING ELSE\n', 0o600);
      fs.rmSync(at(root, `${PKI}/minion.pem`));
      fs.symlinkSync('/srv/keys/minion.pem', at(root, `${PKI}/minion.pem`));
    },
    expect: { removed: IDENTITY },
    check(root) {
      assert.equal(read(root, '/srv/keys/minion.pem'), 'SOMETHING ELSE\n');
    },
  },
  {
    name: 'no Salt: nothing to do',
    expect: {},
  },
]);
