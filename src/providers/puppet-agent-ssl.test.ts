import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { at, providerTreeTest, read } from '../../test/harness/provider-tree.js';
import { packageFile } from '../../test/harness/debian-package.js';

function put(root: string, p: string, content: string | Buffer = '', mode = 0o644): void {
  fs.mkdirSync(path.dirname(at(root, p)), { recursive: true });
  fs.writeFileSync(at(root, p), content, { mode });
}

const AIO = '/etc/puppetlabs/puppet';
const AIO_CONF = '[main]\nserver = puppet.example.com\nenvironment = production\n\n[agent]\nruninterval = 30m\n';
const CERTNAME = 'golden.example.com';

/** The agent's own files in an ssldir. */
const own = (ssldir: string) => ['certs', 'private_keys', 'public_keys', 'certificate_requests'].map((d) => `${ssldir}/${d}/${CERTNAME}.pem`);

/** An agent's ssldir after its certificate was signed: its own files, and the site's CA cert and CRL. */
function sslDir(root: string, ssldir: string): void {
  put(root, `${ssldir}/certs/ca.pem`, '-----BEGIN CERTIFICATE-----\nPUPPET CA\n-----END CERTIFICATE-----\n');
  put(root, `${ssldir}/crl.pem`, '-----BEGIN X509 CRL-----\nCRL\n-----END X509 CRL-----\n');
  for (const p of own(ssldir)) put(root, p, `${path.basename(path.dirname(p))} of ${CERTNAME}\n`, p.includes('private') ? 0o640 : 0o644);
}

function assertTrustKept(root: string, ssldir: string): void {
  assert.equal(read(root, `${ssldir}/certs/ca.pem`), '-----BEGIN CERTIFICATE-----\nPUPPET CA\n-----END CERTIFICATE-----\n');
  assert.equal(read(root, `${ssldir}/crl.pem`), '-----BEGIN X509 CRL-----\nCRL\n-----END X509 CRL-----\n');
  for (const d of ['certs', 'private_keys', 'public_keys', 'certificate_requests']) {
    assert.ok(fs.statSync(at(root, `${ssldir}/${d}`)).isDirectory(), `${d} stays`);
  }
}

/** Debian's puppet.conf, as the puppet-agent package ships it (comments; ssldir is patched in). */
const debianConf = () => packageFile('puppet-agent', '/etc/puppet/puppet.conf') ??
  Buffer.from('# This file can be used to override the default puppet settings.\n');

providerTreeTest('puppet-agent-ssl', [
  {
    name: 'Puppet 7/8 (AIO): key pair, CSR and certificate go; ca.pem, crl.pem and puppet.conf stay',
    prepare(root) {
      put(root, `${AIO}/puppet.conf`, AIO_CONF);
      sslDir(root, `${AIO}/ssl`);
    },
    expect: { removed: own(`${AIO}/ssl`) },
    check(root, report) {
      assert.equal(read(root, `${AIO}/puppet.conf`), AIO_CONF);
      assertTrustKept(root, `${AIO}/ssl`);
      assert.deepEqual(report.warnings, []);
    },
  },
  {
    name: 'Debian\'s puppet-agent package: /var/lib/puppet/ssl, its real puppet.conf',
    prepare(root) {
      put(root, '/etc/puppet/puppet.conf', debianConf());
      sslDir(root, '/var/lib/puppet/ssl');
    },
    expect: { removed: own('/var/lib/puppet/ssl') },
    check(root) {
      assert.deepEqual(fs.readFileSync(at(root, '/etc/puppet/puppet.conf')), debianConf());
      assertTrustKept(root, '/var/lib/puppet/ssl');
    },
  },
  {
    name: 'ssldir and certname set in puppet.conf: that ssldir is cleaned, certname stays with a warning',
    prepare(root) {
      put(root, `${AIO}/puppet.conf`, `[main]\nssldir = /srv/puppet/ssl\ncertname = ${CERTNAME}\n`);
      sslDir(root, '/srv/puppet/ssl');
    },
    expect: { removed: own('/srv/puppet/ssl') },
    check(root, report) {
      assert.equal(read(root, `${AIO}/puppet.conf`), `[main]\nssldir = /srv/puppet/ssl\ncertname = ${CERTNAME}\n`);
      assertTrustKept(root, '/srv/puppet/ssl');
      assert.ok(report.warnings.some((w: string) => w.includes(`certname = ${CERTNAME}`)));
    },
  },
  {
    name: 'an ssldir subdirectory that is a link is left alone, with a warning',
    prepare(root) {
      put(root, `${AIO}/puppet.conf`, AIO_CONF);
      sslDir(root, `${AIO}/ssl`);
      fs.rmSync(at(root, `${AIO}/ssl/private_keys`), { recursive: true });
      put(root, '/etc/ssl/private/site.key', 'SITE KEY\n', 0o600);
      fs.symlinkSync('/etc/ssl/private', at(root, `${AIO}/ssl/private_keys`));
    },
    expect: { removed: own(`${AIO}/ssl`).filter((p) => !p.includes('/private_keys/')) },
    check(root, report) {
      assert.equal(read(root, '/etc/ssl/private/site.key'), 'SITE KEY\n');
      assert.ok(report.warnings.some((w: string) => w.includes(`${AIO}/ssl/private_keys`)));
    },
  },
  {
    name: 'no Puppet agent: nothing to do',
    expect: {},
  },
]);
