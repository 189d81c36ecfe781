import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { identityPackagesRoot } from '../../test/fixtures/package-roots.js';
import { at, providerTreeTest, put, read } from '../../test/harness/provider-tree.js';

const KEY = '/etc/ssl/private/ssl-cert-snakeoil.key';
const CERT = '/etc/ssl/certs/ssl-cert-snakeoil.pem';
const real = () => identityPackagesRoot('bookworm');
/** make-ssl-cert's hash links to the golden machine's snakeoil certificate */
const hashLinks = (root: string) => fs.readdirSync(at(root, '/etc/ssl/certs')).filter((n) => /\.\d$/.test(n) && fs.lstatSync(at(root, `/etc/ssl/certs/${n}`)).isSymbolicLink() &&
  fs.readlinkSync(at(root, `/etc/ssl/certs/${n}`)) === 'ssl-cert-snakeoil.pem').map((n) => `/etc/ssl/certs/${n}`);

/** A certificate an authority issued (openssl on the host: a CA, then a certificate it signs). */
function issuedPair(dir: string): { key: string; cert: string } {
  fs.mkdirSync(dir, { recursive: true });
  const o = (args: string[]) => {
    const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  };
  o(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-subj', '/CN=Example CA', '-days', '30']);
  o(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'web.key', '-out', 'web.csr', '-subj', '/CN=web.example.com']);
  o(['x509', '-req', '-in', 'web.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'web.pem', '-days', '30']);
  return { key: fs.readFileSync(path.join(dir, 'web.key'), 'utf8'), cert: fs.readFileSync(path.join(dir, 'web.pem'), 'utf8') };
}

providerTreeTest('ssl-cert-snakeoil', [
  {
    name: 'the real-packages root: the pair ssl-cert\'s postinst made and its hash link go; xrdp\'s links to them stay',
    lower: real,
    prepare: (root) => assert.equal(hashLinks(root).length, 1, 'make-ssl-cert made one hash link'),
    get expect() {
      return { removed: [KEY, CERT, ...hashLinks(real())] };
    },
    check(root) {
      assert.deepEqual(hashLinks(root), []);
      assert.equal(fs.readlinkSync(at(root, '/etc/xrdp/cert.pem')), CERT, 'the link stays: the clone\'s pair comes back at the same place');
    },
  },
  {
    name: 'a certificate an authority issued, put in the snakeoil place by the builder, stays',
    prepare(root) {
      const pair = issuedPair(path.join(path.dirname(root), 'ca'));
      put(root, KEY, pair.key, 0o640);
      put(root, CERT, pair.cert);
    },
    expect: {},
    check: (root) => assert.match(read(root, CERT), /BEGIN CERTIFICATE/),
  },
  {
    name: 'no ssl-cert: nothing to do',
    expect: {},
  },
]);
