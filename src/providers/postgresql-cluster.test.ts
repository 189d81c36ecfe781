import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { identityPackagesRoot } from '../../test/fixtures/package-roots.js';
import { decodeRecords, FORMATS } from '../firstboot/contract.js';
import { at, providerTreeTest } from '../../test/harness/provider-tree.js';

const real = () => identityPackagesRoot('bookworm');
const DATA = '/var/lib/postgresql/15/main';

providerTreeTest('postgresql-cluster', [
  {
    name: 'opt-in, on the real-packages root: the data directory is emptied (it stays, owner and mode), its configuration stays, and the first boot makes the cluster anew',
    lower: real,
    args: ['/oobe'],
    get expect() {
      return { removed: fs.readdirSync(at(real(), DATA)).map((n) => `${DATA}/${n}`) };
    },
    check(root) {
      const st = fs.statSync(at(root, DATA));
      assert.equal(st.mode & 0o777, 0o700);
      assert.equal(st.uid, fs.statSync(at(real(), DATA)).uid);
      assert.ok(fs.existsSync(at(root, '/etc/postgresql/15/main/postgresql.conf')));
      const plan = decodeRecords(FORMATS.hostKeys, fs.readFileSync(at(root, '/var/lib/sysprep/state/plans/host-keys')));
      const make = plan.find((r) => r[0] === 'make' && r[1] === 'postgresql-cluster-15-main');
      assert.ok(make, 'the keys unit makes the cluster anew');
      assert.ok(make.includes('/usr/lib/postgresql/15/bin/initdb') || make.some((f) => f.includes('/usr/lib/postgresql/15/bin/initdb')));
    },
  },
  { name: 'no PostgreSQL: nothing to do', expect: {} },
]);
