import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after } from 'node:test';
import { CACHE_DIR } from '../../test/fixtures/roots.js';
import { at, providerTreeTest } from '../../test/harness/provider-tree.js';

const MACHINE_DIR = '/var/log/journal/0123456789abcdef0123456789abcdef';

function put(root: string, p: string, content = 'LPKSHHRH'): void {
  fs.mkdirSync(path.dirname(at(root, p)), { recursive: true });
  fs.writeFileSync(at(root, p), content);
}

const HOST = path.join(CACHE_DIR, 'work', `host-journal-${process.pid}`);
after(() => fs.rmSync(HOST, { recursive: true, force: true }));

function assertJournalDirKept(root: string): void {
  const st = fs.lstatSync(at(root, '/var/log/journal'));
  assert.ok(st.isDirectory(), '/var/log/journal stays: it keeps storage persistent');
  assert.equal(st.mode & 0o7777, 0o2755);
  assert.deepEqual(fs.readdirSync(at(root, '/var/log/journal')), []);
}

providerTreeTest('journal', [
  {
    name: "the golden machine's journal goes, /var/log/journal stays",
    expect: { removed: [MACHINE_DIR] },
    check(root) {
      assertJournalDirKept(root);
      assert.ok(fs.existsSync(at(root, '/var/log/syslog')), 'other logs are logfiles');
    },
  },
  {
    name: 'volatile /run/log/journal and journal-remote files too',
    prepare(root) {
      put(root, '/run/log/journal/0123456789abcdef0123456789abcdef/system.journal');
      put(root, '/var/log/journal/remote/remote-10.0.0.5.journal');
    },
    expect: { removed: [MACHINE_DIR, '/var/log/journal/remote', '/run/log/journal/0123456789abcdef0123456789abcdef'] },
    check(root) {
      assertJournalDirKept(root);
      assert.ok(fs.statSync(at(root, '/run/log/journal')).isDirectory());
    },
  },
  {
    name: '/var/log/journal links to a host directory: it is not entered',
    prepare(root) {
      fs.mkdirSync(path.join(HOST, 'abc'), { recursive: true });
      fs.writeFileSync(path.join(HOST, 'abc/system.journal'), 'host journal\n');
      fs.rmSync(at(root, '/var/log/journal'), { recursive: true });
      fs.symlinkSync(HOST, at(root, '/var/log/journal'));
    },
    expect: {},
    check(root) {
      assert.equal(fs.readlinkSync(at(root, '/var/log/journal')), HOST);
      assert.equal(fs.readFileSync(path.join(HOST, 'abc/system.journal'), 'utf8'), 'host journal\n');
    },
  },
]);
