import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after } from 'node:test';
import { CACHE_DIR } from '../../test/fixtures/roots.js';
import { at, providerTreeTest, read } from '../../test/harness/provider-tree.js';

/** What openssh-server's postinst generated in the debootstrap root, plus the planted certificate. */
const KEYS = ['ecdsa', 'ed25519', 'rsa'].flatMap((t) => [`/etc/ssh/ssh_host_${t}_key`, `/etc/ssh/ssh_host_${t}_key.pub`])
  .concat('/etc/ssh/ssh_host_ed25519_key-cert.pub');

function put(root: string, p: string, content = ''): void {
  fs.mkdirSync(path.dirname(at(root, p)), { recursive: true });
  fs.writeFileSync(at(root, p), content, { mode: 0o600 });
}

/** Files on the host, outside the image, that links in the image name; they must stay untouched. */
const HOST = path.join(CACHE_DIR, 'work', `host-ssh-hostkeys-${process.pid}`);
after(() => fs.rmSync(HOST, { recursive: true, force: true }));
function hostFile(name: string, content: string): string {
  fs.mkdirSync(path.dirname(path.join(HOST, name)), { recursive: true });
  fs.writeFileSync(path.join(HOST, name), content);
  return path.join(HOST, name);
}

providerTreeTest('ssh-hostkeys', [
  {
    expect: { removed: KEYS },
    check(root) {
      // sshd's configuration and moduli stay
      assert.deepEqual(fs.readdirSync(at(root, '/etc/ssh')).sort(),
        ['moduli', 'ssh_config', 'ssh_config.d', 'sshd_config', 'sshd_config.d', 'sshd_config~']);
      assert.equal(read(root, '/etc/ssh/sshd_config.d/10-hardening.conf'), 'PasswordAuthentication no\n');
    },
  },
  {
    name: 'Dropbear host keys too',
    prepare(root) {
      put(root, '/etc/dropbear/dropbear_rsa_host_key', 'KEY');
      put(root, '/etc/dropbear/dropbear_ed25519_host_key', 'KEY');
      put(root, '/etc/dropbear/run', '#!/bin/sh\n');
    },
    expect: { removed: [...KEYS, '/etc/dropbear/dropbear_rsa_host_key', '/etc/dropbear/dropbear_ed25519_host_key'] },
    check(root) {
      assert.ok(fs.existsSync(at(root, '/etc/dropbear/run')));
    },
  },
  {
    name: 'nothing to do',
    prepare(root) {
      for (const p of KEYS) fs.rmSync(at(root, p));
    },
    expect: {},
  },
  {
    name: 'a host key that is a link to a host file: only the link goes',
    prepare(root) {
      fs.rmSync(at(root, '/etc/ssh/ssh_host_rsa_key'));
      fs.symlinkSync(hostFile('ssh_host_rsa_key', 'HOST PRIVATE KEY'), at(root, '/etc/ssh/ssh_host_rsa_key'));
    },
    expect: { removed: KEYS },
    check() {
      assert.equal(fs.readFileSync(path.join(HOST, 'ssh_host_rsa_key'), 'utf8'), 'HOST PRIVATE KEY');
    },
  },
]);
