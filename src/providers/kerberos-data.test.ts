import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after } from 'node:test';
import { CACHE_DIR } from '../../test/fixtures/roots.js';
import { FEDORA, at, providerTreeTest, read } from '../../test/harness/provider-tree.js';

const DB = ['principal', 'principal.ok', 'principal.kadm5', 'principal.kadm5.lock', '.k5.EXAMPLE.COM'];

function put(root: string, p: string, content = 'db\n'): void {
  fs.mkdirSync(path.dirname(at(root, p)), { recursive: true });
  fs.writeFileSync(at(root, p), content, { mode: 0o600 });
}
function osRelease(root: string, text: string): void {
  fs.rmSync(at(root, '/etc/os-release'), { force: true });
  fs.writeFileSync(at(root, '/etc/os-release'), text);
}

const HOST = path.join(CACHE_DIR, 'work', `host-kerberos-data-${process.pid}`);
after(() => fs.rmSync(HOST, { recursive: true, force: true }));

providerTreeTest('kerberos-data', [
  {
    name: 'opt-in, Debian: the database in /var/lib/krb5kdc and the stash in /etc/krb5kdc; configuration stays',
    prepare(root) {
      for (const f of DB) put(root, `/var/lib/krb5kdc/${f}`);
      put(root, '/etc/krb5kdc/stash', 'master key\n');
      put(root, '/etc/krb5kdc/kdc.conf', '[realms]\n');
      put(root, '/etc/krb5kdc/kadm5.acl', '*/admin@EXAMPLE.COM *\n');
    },
    expect: { removed: [...DB.map((f) => `/var/lib/krb5kdc/${f}`), '/etc/krb5kdc/stash'] },
    check(root) {
      assert.ok(fs.statSync(at(root, '/var/lib/krb5kdc')).isDirectory());
      assert.equal(read(root, '/etc/krb5kdc/kdc.conf'), '[realms]\n');
      assert.equal(read(root, '/etc/krb5kdc/kadm5.acl'), '*/admin@EXAMPLE.COM *\n');
    },
  },
  {
    name: 'Fedora: /var/kerberos/krb5kdc, keeping kdc.conf and kadm5.acl next to the database',
    prepare(root) {
      osRelease(root, FEDORA);
      for (const f of DB) put(root, `/var/kerberos/krb5kdc/${f}`);
      put(root, '/var/kerberos/krb5kdc/kdc.conf', '[realms]\n');
      put(root, '/var/kerberos/krb5kdc/kadm5.acl', '*/admin@EXAMPLE.COM *\n');
    },
    expect: { removed: DB.map((f) => `/var/kerberos/krb5kdc/${f}`) },
    check(root, report) {
      assert.match(report.os, /Fedora/);
      assert.deepEqual(fs.readdirSync(at(root, '/var/kerberos/krb5kdc')).sort(), ['kadm5.acl', 'kdc.conf']);
    },
  },
  {
    name: 'no KDC: nothing to do',
    expect: {},
  },
  {
    name: 'the database directory links to a host directory: it is not entered',
    prepare(root) {
      fs.mkdirSync(HOST, { recursive: true });
      fs.writeFileSync(path.join(HOST, 'principal'), 'host db\n');
      fs.mkdirSync(at(root, '/var/lib'), { recursive: true });
      fs.symlinkSync(HOST, at(root, '/var/lib/krb5kdc'));
    },
    expect: {},
    check() {
      assert.equal(fs.readFileSync(path.join(HOST, 'principal'), 'utf8'), 'host db\n');
    },
  },
]);
