import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after } from 'node:test';
import { CACHE_DIR } from '../../test/fixtures/roots.js';
import { FEDORA, at, providerTreeTest, read } from '../../test/harness/provider-tree.js';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

function put(root: string, p: string, content = PEM, mode = 0o644): void {
  fs.mkdirSync(path.dirname(at(root, p)), { recursive: true });
  fs.writeFileSync(at(root, p), content, { mode });
}
function osRelease(root: string, text: string): void {
  fs.rmSync(at(root, '/etc/os-release'), { force: true });
  fs.writeFileSync(at(root, '/etc/os-release'), text);
}

const HOST = path.join(CACHE_DIR, 'work', `host-ca-certificates-${process.pid}`);
after(() => fs.rmSync(HOST, { recursive: true, force: true }));
function hostFile(name: string, content: string): string {
  fs.mkdirSync(path.dirname(path.join(HOST, name)), { recursive: true });
  fs.writeFileSync(path.join(HOST, name), content);
  return path.join(HOST, name);
}

/** What a Fedora machine with a local CA and a TLS service has under /etc/pki. */
function plantFedoraPki(root: string): void {
  osRelease(root, FEDORA);
  put(root, '/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem', PEM + PEM);
  fs.mkdirSync(at(root, '/etc/pki/tls/certs'), { recursive: true });
  fs.symlinkSync('/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem', at(root, '/etc/pki/tls/certs/ca-bundle.crt'));
  put(root, '/etc/pki/tls/certs/ca-bundle.trust.crt', PEM);
  put(root, '/etc/pki/tls/certs/localhost.crt');
  put(root, '/etc/pki/tls/certs/Makefile', 'all:\n');
  put(root, '/etc/pki/tls/private/localhost.key', '-----BEGIN PRIVATE KEY-----\n', 0o600);
  put(root, '/etc/pki/tls/openssl.cnf', '[ req ]\n');
  put(root, '/etc/pki/CA/certs/web.crt');
  put(root, '/etc/pki/CA/crl/revoked.crt');
  put(root, '/etc/pki/CA/newcerts/01.crt');
  put(root, '/etc/pki/CA/private/cakey.key', '-----BEGIN PRIVATE KEY-----\n', 0o600);
  put(root, '/etc/pki/CA/index.txt', '');
}

const FEDORA_REMOVED = [
  '/etc/pki/tls/certs/localhost.crt',
  '/etc/pki/tls/private/localhost.key',
  '/etc/pki/CA/certs/web.crt',
  '/etc/pki/CA/crl/revoked.crt',
  '/etc/pki/CA/newcerts/01.crt',
  '/etc/pki/CA/private/cakey.key',
];

providerTreeTest('ca-certificates', [
  {
    name: 'Debian image without a local CA: nothing of its kind, nothing done',
    expect: {},
    check(root) {
      assert.ok(fs.existsSync(at(root, '/etc/pki/consumer/cert.pem')), 'other files under /etc/pki are not its business');
    },
  },
  {
    name: 'Fedora: local certificates and keys go, the distribution bundles stay',
    prepare: plantFedoraPki,
    expect: { removed: FEDORA_REMOVED },
    check(root, report) {
      assert.match(report.os, /Fedora/);
      assert.equal(fs.readlinkSync(at(root, '/etc/pki/tls/certs/ca-bundle.crt')), '/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem');
      assert.equal(read(root, '/etc/pki/tls/certs/ca-bundle.trust.crt'), PEM);
      for (const p of ['/etc/pki/tls/certs/Makefile', '/etc/pki/tls/openssl.cnf', '/etc/pki/CA/index.txt']) {
        assert.ok(fs.existsSync(at(root, p)), `${p} stays`);
      }
    },
  },
  {
    name: 'a key linking to a host file goes as a link; a directory linking to the host is not entered',
    prepare(root) {
      plantFedoraPki(root);
      fs.rmSync(at(root, '/etc/pki/tls/private/localhost.key'));
      fs.symlinkSync(hostFile('localhost.key', 'host key\n'), at(root, '/etc/pki/tls/private/localhost.key'));
      fs.rmSync(at(root, '/etc/pki/CA/private'), { recursive: true });
      hostFile('private/cakey.key', 'host CA key\n');
      fs.symlinkSync(path.join(HOST, 'private'), at(root, '/etc/pki/CA/private'));
    },
    expect: { removed: FEDORA_REMOVED.filter((p) => p !== '/etc/pki/CA/private/cakey.key') },
    check() {
      assert.equal(fs.readFileSync(path.join(HOST, 'localhost.key'), 'utf8'), 'host key\n');
      assert.equal(fs.readFileSync(path.join(HOST, 'private/cakey.key'), 'utf8'), 'host CA key\n');
    },
  },
]);
