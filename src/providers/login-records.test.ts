import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { at, hostFiles, providerTreeTest, without, read } from '../../test/harness/provider-tree.js';

const RECORDS = ['/var/log/btmp', '/var/log/faillog', '/var/log/lastlog', '/var/log/wtmp'];
const UTMP_GID = 43;

function put(root: string, p: string, content: string | Buffer = ''): void {
  fs.mkdirSync(path.dirname(at(root, p)), { recursive: true });
  fs.writeFileSync(at(root, p), content);
}

const { dir: HOST, file: hostFile } = hostFiles('login-records');

providerTreeTest('login-records', [
  {
    expect: { changed: RECORDS, removed: ['/var/log/wtmp.1'] },
    check(root) {
      for (const p of RECORDS) assert.equal(fs.statSync(at(root, p)).size, 0, `${p} emptied`);
      // login, sshd and lastlog write these as group utmp; mode and group must survive
      for (const [p, mode] of [['/var/log/wtmp', 0o664], ['/var/log/btmp', 0o660], ['/var/log/lastlog', 0o664]] as const) {
        const st = fs.statSync(at(root, p));
        assert.deepEqual([st.mode & 0o7777, st.uid, st.gid], [mode, 0, UTMP_GID], p);
      }
    },
  },
  {
    name: 'wtmpdb and lastlog2 databases, tallylog and a btmp rotation',
    prepare(root) {
      put(root, '/var/lib/wtmpdb/wtmp.db', 'SQLite format 3\0');
      put(root, '/var/lib/lastlog/lastlog2.db', 'SQLite format 3\0');
      put(root, '/var/log/tallylog', 'tally');
      put(root, '/var/log/btmp.1', 'old');
    },
    expect: {
      changed: [...RECORDS, '/var/log/tallylog'],
      removed: ['/var/log/wtmp.1', '/var/log/btmp.1', '/var/lib/wtmpdb/wtmp.db', '/var/lib/lastlog/lastlog2.db'],
    },
    check(root) {
      assert.ok(fs.statSync(at(root, '/var/lib/wtmpdb')).isDirectory());
    },
  },
  {
    name: 'nothing to do: the records are already empty',
    prepare(root) {
      for (const p of RECORDS) fs.truncateSync(at(root, p), 0);
      fs.rmSync(at(root, '/var/log/wtmp.1'));
    },
    expect: {},
  },
  {
    name: 'a record that is a link to /etc/shadow in the image is not truncated',
    prepare(root) {
      fs.rmSync(at(root, '/var/log/btmp'));
      fs.symlinkSync('/etc/shadow', at(root, '/var/log/btmp'));
      fs.rmSync(at(root, '/var/log/faillog'));
      fs.symlinkSync('../../etc/passwd', at(root, '/var/log/faillog'));
    },
    expect: { changed: without(RECORDS, '/var/log/btmp', '/var/log/faillog'), removed: ['/var/log/wtmp.1'] },
    check(root) {
      assert.equal(fs.readlinkSync(at(root, '/var/log/btmp')), '/etc/shadow');
      assert.match(read(root, '/etc/shadow'), /^root:/);
      assert.match(read(root, '/etc/passwd'), /^root:/);
    },
  },
  {
    name: 'wtmp is a link to a host file: the host file is untouched',
    prepare(root) {
      fs.rmSync(at(root, '/var/log/wtmp'));
      fs.symlinkSync(hostFile('wtmp', 'HOST LOGINS'), at(root, '/var/log/wtmp'));
    },
    expect: { changed: without(RECORDS, '/var/log/wtmp'), removed: ['/var/log/wtmp.1'] },
    check(root) {
      assert.equal(fs.readFileSync(path.join(HOST, 'wtmp'), 'utf8'), 'HOST LOGINS');
      assert.equal(fs.readlinkSync(at(root, '/var/log/wtmp')), path.join(HOST, 'wtmp'));
    },
  },
]);
