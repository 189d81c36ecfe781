import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after } from 'node:test';
import { spawnSync } from 'node:child_process';
import { CACHE_DIR } from '../../test/fixtures/roots.js';
import { installPackages } from '../../test/harness/debian-package.js';
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

/** A real self-signed CA certificate (host openssl), and its subject hash as c_rehash names links. */
function realCa(name: string): { pem: string; hash: string } {
  fs.mkdirSync(HOST, { recursive: true });
  const key = path.join(HOST, `${name}.key`);
  const crt = path.join(HOST, `${name}.crt`);
  const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', crt, '-days', '30', '-subj', `/O=${name}/CN=${name} CA`], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  const hash = spawnSync('openssl', ['x509', '-hash', '-noout', '-in', crt], { encoding: 'utf8' }).stdout.trim();
  return { pem: fs.readFileSync(crt, 'utf8'), hash };
}
const body = (pem: string) => pem.replace(/-----[A-Z ]+-----|\s/g, '');
const ipaCa = realCa('IPA.EXAMPLE');
const storeExpectation = {
  removed: [...PLANTED, '/usr/local/share/ca-certificates/ipa-ca.crt', '/etc/ssl/certs/ipa-ca.pem', `/etc/ssl/certs/${ipaCa.hash}.0`],
  changed: ['/etc/ssl/certs/ca-certificates.crt'],
};
const corpCa = realCa('Corp Root');

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
    name: "Debian with ca-certificates: the IPA CA leaves the system store too, another local CA stays in it",
    prepare(root) {
      installPackages(root, ['openssl', 'ca-certificates']);
      put(root, '/usr/local/share/ca-certificates/ipa-ca.crt', ipaCa.pem);
      put(root, '/usr/local/share/ca-certificates/corp-root.crt', corpCa.pem);
      const r = spawnSync('chroot', [root, 'update-ca-certificates'], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const bundle = fs.readFileSync(at(root, '/etc/ssl/certs/ca-certificates.crt'), 'utf8').replace(/\s/g, '');
      assert.ok(bundle.includes(body(ipaCa.pem)), 'the enrolled image trusts the IPA CA');
      assert.ok(fs.lstatSync(at(root, `/etc/ssl/certs/${ipaCa.hash}.0`)).isSymbolicLink());
      // `update-ca-certificates --fresh` makes every link of the store anew: each is a changed path
      const gone = new Set(['ipa-ca.pem', `${ipaCa.hash}.0`]);
      storeExpectation.changed.push(...fs.readdirSync(at(root, '/etc/ssl/certs'))
        .filter((n) => !gone.has(n) && fs.lstatSync(at(root, `/etc/ssl/certs/${n}`)).isSymbolicLink())
        .map((n) => `/etc/ssl/certs/${n}`));
      assert.ok(storeExpectation.changed.length > 100, 'the Mozilla bundle is in the store');
    },
    expect: storeExpectation,
    check(root, report) {
      const bundle = fs.readFileSync(at(root, '/etc/ssl/certs/ca-certificates.crt'), 'utf8').replace(/\s/g, '');
      assert.ok(!bundle.includes(body(ipaCa.pem)), 'the IPA CA is out of the bundle');
      assert.ok(bundle.includes(body(corpCa.pem)), 'the other local CA is still in the bundle');
      // lstat: the links are absolute, meaningful inside the image only
      const linkTo = (p: string) => (fs.lstatSync(at(root, p), { throwIfNoEntry: false })?.isSymbolicLink() ? fs.readlinkSync(at(root, p)) : undefined);
      assert.equal(linkTo(`/etc/ssl/certs/${ipaCa.hash}.0`), undefined, 'no hashed link to the IPA CA');
      assert.equal(linkTo(`/etc/ssl/certs/${corpCa.hash}.0`), 'corp-root.pem', 'the other CA keeps its hashed link');
      assert.equal(linkTo('/etc/ssl/certs/corp-root.pem'), '/usr/local/share/ca-certificates/corp-root.crt');
      const notes = report.providers[0].notes.join('\n');
      assert.match(notes, /rebuilt the CA store \(update-ca-certificates --fresh: \d+ files changed\)/);
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
