import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after } from 'node:test';
import { CACHE_DIR } from '../../test/fixtures/roots.js';
import { FEDORA, at, providerTreeTest } from '../../test/harness/provider-tree.js';

const PLANTED = ['/etc/ipa/ca.crt', '/etc/ipa/default.conf'];
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

function put(root: string, p: string, content = PEM): void {
  fs.mkdirSync(path.dirname(at(root, p)), { recursive: true });
  fs.writeFileSync(at(root, p), content);
}
function osRelease(root: string, text: string): void {
  fs.rmSync(at(root, '/etc/os-release'), { force: true });
  fs.writeFileSync(at(root, '/etc/os-release'), text);
}

const HOST = path.join(CACHE_DIR, 'work', `host-ipa-client-${process.pid}`);
after(() => fs.rmSync(HOST, { recursive: true, force: true }));

providerTreeTest('ipa-client', [
  {
    name: 'Debian: the enrolment under /etc/ipa goes, the directory stays',
    expect: { removed: PLANTED },
    check(root) {
      assert.ok(fs.statSync(at(root, '/etc/ipa')).isDirectory());
    },
  },
  {
    name: 'Fedora: sysrestore, the PKI cache and the IPA CA anchors; other anchors stay',
    prepare(root) {
      osRelease(root, FEDORA);
      put(root, '/var/lib/ipa-client/sysrestore/sysrestore.state', '[network]\n');
      put(root, '/var/lib/ipa-client/sysrestore/sysrestore.index', '[files]\n');
      put(root, '/var/lib/ipa-client/pki/kdc-ca-bundle.pem');
      put(root, '/var/lib/ipa-client/pki/ca-bundle.pem');
      put(root, '/etc/pki/ca-trust/source/anchors/ipa-ca.crt');
      put(root, '/etc/pki/ca-trust/source/anchors/corp-root.crt');
      put(root, '/etc/pki/ca-trust/source/ipa.p11-kit', '[p11-kit-object-v1]\n');
    },
    expect: {
      removed: [...PLANTED, '/var/lib/ipa-client/sysrestore/sysrestore.state', '/var/lib/ipa-client/sysrestore/sysrestore.index',
        '/var/lib/ipa-client/pki/kdc-ca-bundle.pem', '/var/lib/ipa-client/pki/ca-bundle.pem',
        '/etc/pki/ca-trust/source/anchors/ipa-ca.crt', '/etc/pki/ca-trust/source/ipa.p11-kit'],
    },
    check(root, report) {
      assert.match(report.os, /Fedora/);
      assert.ok(fs.existsSync(at(root, '/etc/pki/ca-trust/source/anchors/corp-root.crt')), 'a CA the builder added stays');
      assert.ok(fs.statSync(at(root, '/var/lib/ipa-client/sysrestore')).isDirectory());
    },
  },
  {
    name: "Debian's local CA directory: the IPA CA goes, another local CA stays",
    prepare(root) {
      put(root, '/usr/local/share/ca-certificates/ipa-ca.crt');
      put(root, '/usr/local/share/ca-certificates/corp-root.crt');
    },
    expect: { removed: [...PLANTED, '/usr/local/share/ca-certificates/ipa-ca.crt'] },
    check(root) {
      assert.ok(fs.existsSync(at(root, '/usr/local/share/ca-certificates/corp-root.crt')));
    },
  },
  {
    name: 'a link to a host file goes as a link; a directory linking to the host is not entered',
    prepare(root) {
      fs.mkdirSync(path.join(HOST, 'sysrestore'), { recursive: true });
      fs.writeFileSync(path.join(HOST, 'ca.crt'), 'host CA\n');
      fs.writeFileSync(path.join(HOST, 'sysrestore/sysrestore.state'), 'host state\n');
      fs.rmSync(at(root, '/etc/ipa/ca.crt'));
      fs.symlinkSync(path.join(HOST, 'ca.crt'), at(root, '/etc/ipa/ca.crt'));
      fs.mkdirSync(at(root, '/var/lib/ipa-client'), { recursive: true });
      fs.symlinkSync(path.join(HOST, 'sysrestore'), at(root, '/var/lib/ipa-client/sysrestore'));
    },
    expect: { removed: PLANTED },
    check() {
      assert.equal(fs.readFileSync(path.join(HOST, 'ca.crt'), 'utf8'), 'host CA\n');
      assert.equal(fs.readFileSync(path.join(HOST, 'sysrestore/sysrestore.state'), 'utf8'), 'host state\n');
    },
  },
]);
