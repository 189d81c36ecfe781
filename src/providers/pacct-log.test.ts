import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { at, providerTreeTest, read } from '../../test/harness/provider-tree.js';

function put(root: string, p: string, content = '', mode = 0o600): void {
  fs.mkdirSync(path.dirname(at(root, p)), { recursive: true });
  fs.writeFileSync(at(root, p), content, { mode });
}

providerTreeTest('pacct-log', [
  {
    expect: { changed: ['/var/log/account/pacct'], removed: ['/var/log/account/pacct.0'] },
    check(root) {
      const st = fs.statSync(at(root, '/var/log/account/pacct'));
      assert.equal(st.size, 0, 'the live accounting file is emptied, not removed');
      assert.equal(st.mode & 0o7777, 0o640);
      assert.ok(fs.statSync(at(root, '/var/log/account')).isDirectory());
    },
  },
  {
    name: 'RHEL layout /var/account too',
    prepare(root) {
      put(root, '/var/account/pacct', 'records');
      put(root, '/var/account/pacct-20261120', 'old records');
      put(root, '/var/account/savacct', 'summary');
    },
    expect: {
      changed: ['/var/log/account/pacct', '/var/account/pacct'],
      removed: ['/var/log/account/pacct.0', '/var/account/pacct-20261120'],
    },
    check(root) {
      assert.equal(read(root, '/var/account/savacct'), 'summary', 'only pacct* files');
    },
  },
  {
    name: 'pacct is a link to /etc/shadow in the image: not truncated',
    prepare(root) {
      fs.rmSync(at(root, '/var/log/account/pacct'));
      fs.symlinkSync('/etc/shadow', at(root, '/var/log/account/pacct'));
    },
    expect: { removed: ['/var/log/account/pacct.0'] },
    check(root) {
      assert.equal(fs.readlinkSync(at(root, '/var/log/account/pacct')), '/etc/shadow');
      assert.match(read(root, '/etc/shadow'), /^root:/);
    },
  },
  {
    name: 'nothing to do',
    prepare(root) {
      fs.truncateSync(at(root, '/var/log/account/pacct'), 0);
      fs.rmSync(at(root, '/var/log/account/pacct.0'));
    },
    expect: {},
  },
]);
