import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after } from 'node:test';
import { CACHE_DIR } from '../../test/fixtures/roots.js';
import { at, providerTreeTest } from '../../test/harness/provider-tree.js';

const KEYTAB = '/etc/krb5.keytab';

const HOST = path.join(CACHE_DIR, 'work', `host-kerberos-hostkeytab-${process.pid}`);
after(() => fs.rmSync(HOST, { recursive: true, force: true }));

providerTreeTest('kerberos-hostkeytab', [
  {
    expect: { removed: [KEYTAB] },
  },
  {
    name: 'the keytab links to a host file: the link goes, the host file stays',
    prepare(root) {
      fs.mkdirSync(HOST, { recursive: true });
      fs.writeFileSync(path.join(HOST, 'krb5.keytab'), 'host keytab\n', { mode: 0o600 });
      fs.rmSync(at(root, KEYTAB));
      fs.symlinkSync(path.join(HOST, 'krb5.keytab'), at(root, KEYTAB));
    },
    expect: { removed: [KEYTAB] },
    check() {
      assert.equal(fs.readFileSync(path.join(HOST, 'krb5.keytab'), 'utf8'), 'host keytab\n');
    },
  },
  {
    name: 'no keytab (other keytabs stay): nothing to do',
    prepare(root) {
      fs.rmSync(at(root, KEYTAB));
      fs.mkdirSync(at(root, '/etc/krb5'), { recursive: true });
      fs.writeFileSync(at(root, '/etc/krb5/HTTP.keytab'), 'service keytab\n', { mode: 0o600 });
    },
    expect: {},
  },
]);
