/**
 * The before/after file-tree test every provider has: on a used debootstrap root (overlay view),
 * run `bin/sysprep --root R --providers ID` as a process, and compare the tree before and after.
 * The test states exactly which paths the provider removes, changes and adds; any other difference
 * fails it. It also checks that the --json report and setupact.log name every changed path, and that
 * all planted user data survived byte for byte.
 */
import { GOLDEN_MACHINE_ID } from '../fixtures/lived-in.js';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { CACHE_DIR } from '../fixtures/roots.js';
import { expectedUserDataDigests, userDataDigests } from '../fixtures/lived-in.js';
import { overlayRoot, usedRoot } from '../fixtures/used-root.js';
import { diff, isSysprepOwn, snapshot, TreeDiff } from './tree.js';
import { sysprep } from './sysprep.js';

export interface TreeExpectation {
  removed?: string[];
  changed?: string[];
  added?: string[];
}

export interface ProviderTreeCase {
  /** test name suffix */
  name?: string;
  /** extra CLI arguments (e.g. --remove-user-accounts) */
  args?: string[];
  /** runs on the root before the snapshot (plant more, change os-release …); host path given */
  prepare?: (root: string) => void;
  expect: TreeExpectation;
  /** further assertions on the root after the run */
  check?: (root: string, report: any) => void;
  /** user data that this case deliberately removes (opt-in providers) */
  userDataRemoved?: string[];
  /**
   * another cached root to run on (default: the used root with its planted user data), such as the
   * real-packages root (test/fixtures/package-roots.ts), where apt and a first boot made the state
   */
  lower?: () => string;
}

/** Host path of a target path. */
export const at = (root: string, p: string) => path.join(root, p);

/** Plant a file in the image (directories made as needed). */
export function put(root: string, p: string, content: string | Buffer = '', mode = 0o644): void {
  fs.mkdirSync(path.dirname(at(root, p)), { recursive: true });
  fs.writeFileSync(at(root, p), content, { mode });
}

/** os-release texts, to make the Debian test root claim another distribution's layout. */
export const FEDORA = 'NAME="Fedora Linux"\nVERSION="40 (Server Edition)"\nID=fedora\nVERSION_ID=40\nPRETTY_NAME="Fedora Linux 40 (Server Edition)"\n';
export const RHEL = 'NAME="Red Hat Enterprise Linux"\nVERSION="9.4 (Plow)"\nID="rhel"\nID_LIKE="fedora"\nVERSION_ID="9.4"\nPRETTY_NAME="Red Hat Enterprise Linux 9.4 (Plow)"\n';
export const OPENSUSE = 'NAME="openSUSE Leap"\nVERSION="15.6"\nID="opensuse-leap"\nID_LIKE="suse opensuse"\nVERSION_ID="15.6"\nPRETTY_NAME="openSUSE Leap 15.6"\n';

/** Make the image claim another distribution (its /etc/os-release is a link to ../usr/lib/os-release). */
export function osRelease(root: string, text: string): void {
  fs.rmSync(at(root, '/etc/os-release'));
  fs.writeFileSync(at(root, '/etc/os-release'), text);
}
export const read = (root: string, p: string) => fs.readFileSync(at(root, p), 'utf8');

export function coveredBy(report: any, p: string): boolean {
  return report.changed.some((c: { path: string }) => c.path === p || p.startsWith(c.path + '/'));
}

export function providerTreeTest(id: string, cases: ProviderTreeCase[]): void {
  for (const c of cases) {
    test(`${id}: before/after tree${c.name ? ` (${c.name})` : ''}`, () => {
      const lower = c.lower ? c.lower() : usedRoot('bookworm');
      const scratch = overlayRoot(lower, id);
      try {
        const root = scratch.root;
        c.prepare?.(root);
        const before = snapshot(root);
        const host = fs.existsSync(at(root, '/etc/hostname')) ? fs.readFileSync(at(root, '/etc/hostname'), 'utf8').trim().split('.')[0]! : '';
        const r = sysprep(['--root', root, '--providers', id, ...(c.args ?? []), '/generalize', '/quit', '--json']);
        assert.equal(r.status, 0, `sysprep failed: ${r.stderr}\n${r.stdout.slice(0, 2000)}`);
        const report = r.json;
        assert.ok(report, 'a JSON report');
        assert.deepEqual(report.providers.map((p: any) => p.id), [id]);
        const after = snapshot(root);
        const d: TreeDiff = diff(before, after, isSysprepOwn);
        assert.deepEqual(
          { removed: d.removed, changed: d.changed, added: d.added },
          { removed: [...(c.expect.removed ?? [])].sort(), changed: [...(c.expect.changed ?? [])].sort(), added: [...(c.expect.added ?? [])].sort() },
          `tree diff of ${id}`,
        );
        // every changed path is in the report and in the log
        const log = fs.readFileSync(at(root, '/var/lib/sysprep/panther/setupact.log'), 'utf8');
        for (const p of [...d.removed, ...d.changed, ...d.added]) {
          assert.ok(coveredBy(report, p), `${p} missing from the --json report`);
          const listed = report.changed.find((x: { path: string }) => x.path === p || p.startsWith(x.path + '/'));
          // (the log stays in the image: it writes the machine id as <machine-id>)
          // (and a host name of eight characters or more as <host-name>)
          const logged = listed.path.replace(GOLDEN_MACHINE_ID, '<machine-id>').split(host.length >= 8 ? host : '\0').join('<host-name>');
          assert.ok(log.includes(` ${logged}`), `${listed.path} missing from setupact.log`);
        }
        // user data survives byte for byte (the used root's planted data)
        const want = c.lower ? new Map<string, string>() : expectedUserDataDigests();
        const got = userDataDigests(root);
        for (const [p, digest] of want) {
          if (c.userDataRemoved?.includes(p)) continue;
          assert.equal(got.get(p), digest, `user data ${p} changed`);
        }
        c.check?.(root, report);
      } finally {
        scratch.dispose();
      }
    });
  }
}

/**
 * The case every provider of another layout has: on the Debian root it is not applicable, and the
 * file it would remove (planted by the lived-in fixture) is still there afterwards.
 */
export function notApplicableOnDebian(keeps: string, content?: string): ProviderTreeCase {
  return {
    name: 'Debian: not applicable',
    expect: {},
    check(root, report) {
      assert.equal(report.providers[0].status, 'not-applicable');
      assert.ok(fs.existsSync(at(root, keeps)), `${keeps} is kept`);
      if (content !== undefined) assert.equal(read(root, keeps), content);
    },
  };
}

/**
 * Files on the host, outside the image, that links in the image name (a test shows they stay
 * untouched): made under the test cache, removed after the test file.
 */
export function hostFiles(label: string): { dir: string; file(name: string, content: string): string } {
  const dir = path.join(CACHE_DIR, 'work', `host-${label}-${process.pid}`);
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return {
    dir,
    file(name, content) {
      fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      fs.writeFileSync(path.join(dir, name), content);
      return path.join(dir, name);
    },
  };
}

/** A list without some of its entries. */
export const without = (list: string[], ...drop: string[]) => list.filter((p) => !drop.includes(p));

/** The same for another layout: with this os-release the provider is not applicable and changes nothing. */
export function notApplicableOn(name: string, osReleaseText: string): ProviderTreeCase {
  return {
    name: `${name}: not applicable`,
    prepare(root) {
      osRelease(root, osReleaseText);
    },
    expect: {},
    check(_root, report) {
      assert.equal(report.providers[0].status, 'not-applicable');
    },
  };
}
