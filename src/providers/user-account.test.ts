import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { test } from 'node:test';
import { overlayRoot, usedRoot } from '../../test/fixtures/used-root.js';
import { at, providerTreeTest, read } from '../../test/harness/provider-tree.js';
import { sysprep } from '../../test/harness/sysprep.js';
import { diff, isSysprepOwn, snapshot } from '../../test/harness/tree.js';

const DATABASES = ['/etc/group', '/etc/gshadow', '/etc/passwd', '/etc/shadow'];
const ALICE_DATA = ['/home/alice/Documents/report.odt', '/home/alice/Documents/old-report.bak', '/home/alice/.bashrc',
  '/home/alice/.config/app/settings.json', '/var/spool/cron/crontabs/alice'];
const BOB_DATA = ['/srv/home/bob/thesis.tex'];
const ALICE_GONE = ['/home/alice', '/var/mail/alice', '/var/spool/cron/crontabs/alice'];
const BOB_GONE = ['/srv/home/bob'];

const names = (root: string, file: string) => read(root, file).split('\n').filter(Boolean).map((l) => l.split(':')[0]);

/** root, the system accounts and the service accounts are never touched. */
function systemAccountsKept(root: string): void {
  for (const f of DATABASES) {
    const n = names(root, f);
    const isGroupFile = f === '/etc/group' || f === '/etc/gshadow';
    for (const name of ['root', 'daemon', 'mail', 'sshd', 'postgres', 'gitea']) {
      if (isGroupFile && name === 'sshd') continue; // sshd has no group of its own
      assert.ok(n.includes(name), `${name} stays in ${f}`);
    }
  }
  assert.match(read(root, '/etc/passwd'), /^root:x:0:0:root:\/root:\/bin\/bash$/m);
  assert.match(read(root, '/etc/passwd'), /^postgres:x:114:121:/m);
  assert.match(read(root, '/etc/passwd'), /^gitea:x:115:122:/m);
  assert.ok(fs.statSync(at(root, '/var/lib/postgresql')).isDirectory());
  assert.ok(fs.statSync(at(root, '/var/lib/gitea/.ssh')).isDirectory());
  // the databases keep their owners and modes (shadow: root:shadow 0640)
  const shadow = fs.statSync(at(root, '/etc/shadow'));
  assert.deepEqual([shadow.mode & 0o7777, shadow.uid, shadow.gid], [0o640, 0, 42]);
  const passwd = fs.statSync(at(root, '/etc/passwd'));
  assert.deepEqual([passwd.mode & 0o7777, passwd.uid, passwd.gid], [0o644, 0, 0]);
}

function gone(root: string, ...accounts: string[]): void {
  for (const f of DATABASES) for (const a of accounts) assert.ok(!names(root, f).includes(a), `${a} left ${f}`);
}
function kept(root: string, ...accounts: string[]): void {
  for (const f of DATABASES) for (const a of accounts) assert.ok(names(root, f).includes(a), `${a} stays in ${f}`);
}

providerTreeTest('user-account', [
  {
    name: 'default: every login account (alice, bob) with home, mailbox and crontab',
    expect: { changed: DATABASES, removed: [...ALICE_GONE, ...BOB_GONE] },
    userDataRemoved: [...ALICE_DATA, ...BOB_DATA],
    check(root, report) {
      gone(root, 'alice', 'bob');
      systemAccountsKept(root);
      assert.ok(fs.statSync(at(root, '/home')).isDirectory(), '/home stays');
      assert.ok(fs.statSync(at(root, '/srv/home')).isDirectory(), 'the parent of a home outside /home stays');
      assert.deepEqual(report.providers[0].notes, ['removed 2 accounts: alice, bob']);
    },
  },
  {
    name: '--keep-user-accounts alice',
    args: ['--keep-user-accounts', 'alice'],
    expect: { changed: DATABASES, removed: BOB_GONE },
    userDataRemoved: BOB_DATA,
    check(root) {
      gone(root, 'bob');
      kept(root, 'alice');
      systemAccountsKept(root);
      assert.match(read(root, '/etc/shadow'), /^alice:\$y\$j9T\$alicehash:/m);
    },
  },
  {
    name: '--remove-user-accounts bob',
    args: ['--remove-user-accounts', 'bob'],
    expect: { changed: DATABASES, removed: BOB_GONE },
    userDataRemoved: BOB_DATA,
    check(root) {
      gone(root, 'bob');
      kept(root, 'alice');
      systemAccountsKept(root);
    },
  },
  {
    name: '--remove-user-accounts "*" still spares root and the system accounts',
    args: ['--remove-user-accounts', '*'],
    expect: { changed: DATABASES, removed: [...ALICE_GONE, ...BOB_GONE] },
    userDataRemoved: [...ALICE_DATA, ...BOB_DATA],
    check(root) {
      gone(root, 'alice', 'bob');
      systemAccountsKept(root);
    },
  },
  {
    name: 'keep wins over remove',
    args: ['--remove-user-accounts', 'alice,bob', '--keep-user-accounts', 'alice'],
    expect: { changed: DATABASES, removed: BOB_GONE },
    userDataRemoved: BOB_DATA,
    check(root) {
      kept(root, 'alice');
      gone(root, 'bob');
    },
  },
  {
    name: 'service accounts below UID_MIN are never removed, even when named',
    args: ['--remove-user-accounts', 'postgres,gitea,daemon'],
    expect: {},
    check(root) {
      systemAccountsKept(root);
      kept(root, 'alice', 'bob');
    },
  },
  {
    name: 'group memberships and gshadow admin lists lose the removed accounts',
    prepare(root) {
      const edit = (f: string, from: RegExp, to: string) => fs.writeFileSync(at(root, f), read(root, f).replace(from, to));
      edit('/etc/group', /^sudo:x:27:.*$/m, 'sudo:x:27:alice,postgres');
      edit('/etc/group', /^users:x:100:.*$/m, 'users:x:100:bob,alice');
      edit('/etc/gshadow', /^sudo:\*::.*$/m, 'sudo:*:alice:alice,postgres');
      edit('/etc/gshadow', /^users:\*::.*$/m, 'users:*:bob,gitea:bob,alice');
    },
    expect: { changed: DATABASES, removed: [...ALICE_GONE, ...BOB_GONE] },
    userDataRemoved: [...ALICE_DATA, ...BOB_DATA],
    check(root) {
      assert.match(read(root, '/etc/group'), /^sudo:x:27:postgres$/m);
      assert.match(read(root, '/etc/group'), /^users:x:100:$/m);
      assert.match(read(root, '/etc/gshadow'), /^sudo:\*::postgres$/m);
      assert.match(read(root, '/etc/gshadow'), /^users:\*:gitea:$/m);
      gone(root, 'alice', 'bob');
    },
  },
  {
    name: 'a home that is a system directory or another account\'s home stays; the account goes',
    prepare(root) {
      const add = (f: string, line: string) => fs.appendFileSync(at(root, f), line + '\n');
      add('/etc/passwd', 'carol:x:1002:1002:Carol:/srv:/bin/bash');
      add('/etc/passwd', 'dave:x:1003:1003:Dave:/var/lib/postgresql/:/bin/bash');
      add('/etc/shadow', 'carol:!:19000:0:99999:7:::');
      add('/etc/shadow', 'dave:!:19000:0:99999:7:::');
      add('/etc/group', 'carol:x:1002:');
      add('/etc/group', 'dave:x:1003:');
      add('/etc/gshadow', 'carol:!::');
      add('/etc/gshadow', 'dave:!::');
    },
    expect: { changed: DATABASES, removed: [...ALICE_GONE, ...BOB_GONE] },
    userDataRemoved: [...ALICE_DATA, ...BOB_DATA],
    check(root, report) {
      gone(root, 'alice', 'bob', 'carol', 'dave');
      systemAccountsKept(root);
      assert.equal(read(root, '/srv/www/index.html'), '<h1>site</h1>\n');
      assert.equal(read(root, '/var/lib/postgresql/15/main/PG_VERSION'), '15\n');
      assert.ok(report.warnings.some((w: string) => w.includes('kept /srv')), 'a warning says why /srv stays');
      assert.ok(report.warnings.some((w: string) => w.includes('kept /var/lib/postgresql') && w.includes('postgres')));
    },
  },
]);

test('user-account: --keep-user-accounts / --remove-user-accounts without the provider is a usage error', () => {
  const scratch = overlayRoot(usedRoot('bookworm'), 'user-account-usage');
  try {
    const before = snapshot(scratch.root);
    for (const args of [['--keep-user-accounts', 'alice'], ['--remove-user-accounts', 'bob']]) {
      const r = sysprep(['--root', scratch.root, '--providers', 'defaults', ...args, '/generalize', '/quit']);
      assert.equal(r.status, 2, `${args[0]}: exit 2 (usage)\n${r.stderr}`);
      assert.match(r.stderr, /user-account/);
    }
    const d = diff(before, snapshot(scratch.root));
    assert.deepEqual(d, { removed: [], added: [], changed: [] }, 'nothing changed, not even sysprep\'s own files');
  } finally {
    scratch.dispose();
  }
});

test('user-account: removing root is refused at validation (exit 4), nothing changed', () => {
  const scratch = overlayRoot(usedRoot('bookworm'), 'user-account-root');
  try {
    const before = snapshot(scratch.root);
    const r = sysprep(['--root', scratch.root, '--providers', 'user-account', '--remove-user-accounts', 'root', '/generalize', '/quit', '--json']);
    assert.equal(r.status, 4, r.stderr);
    assert.match(r.stderr, /refusing to remove "root"/);
    assert.deepEqual(diff(before, snapshot(scratch.root), isSysprepOwn), { removed: [], added: [], changed: [] });
  } finally {
    scratch.dispose();
  }
});
