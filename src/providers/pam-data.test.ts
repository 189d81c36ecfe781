import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after } from 'node:test';
import { CACHE_DIR } from '../../test/fixtures/roots.js';
import { at, providerTreeTest, put } from '../../test/harness/provider-tree.js';

/** Files on the host, outside the image, that links in the image name; they must stay untouched. */
const HOST = path.join(CACHE_DIR, 'work', `host-pam-data-${process.pid}`);
after(() => fs.rmSync(HOST, { recursive: true, force: true }));
function hostFile(name: string, content: string): string {
  fs.mkdirSync(path.dirname(path.join(HOST, name)), { recursive: true });
  fs.writeFileSync(path.join(HOST, name), content);
  return path.join(HOST, name);
}

providerTreeTest('pam-data', [
  {
    // /var/run -> /run in the image: the tally is removed (and reported) where it really is
    expect: { removed: ['/run/faillock/alice'] },
    check(root, report) {
      assert.ok(fs.statSync(at(root, '/run/faillock')).isDirectory(), 'the faillock directory stays');
      assert.deepEqual(report.providers[0].changes.map((c: any) => c.path), ['/run/faillock/alice']);
    },
  },
  {
    name: 'console locks, sepermit, persistent faillock; /var/run a directory of its own',
    prepare(root) {
      fs.rmSync(at(root, '/var/run'));
      put(root, '/var/run/console/alice', '');
      put(root, '/var/run/console/console.lock', 'alice');
      put(root, '/var/run/faillock/bob', 'tally');
      put(root, '/var/run/sepermit/alice', '');
      put(root, '/var/lib/faillock/carol', 'tally');
    },
    expect: {
      removed: ['/run/faillock/alice', '/var/run/console/alice', '/var/run/console/console.lock', '/var/run/faillock/bob',
        '/var/run/sepermit/alice', '/var/lib/faillock/carol'],
    },
  },
  {
    name: 'nothing to do',
    prepare(root) {
      fs.rmSync(at(root, '/run/faillock/alice'));
    },
    expect: {},
  },
  {
    name: 'a faillock directory that is a link to /etc in the image is left alone',
    prepare(root) {
      fs.rmSync(at(root, '/run/faillock'), { recursive: true });
      fs.symlinkSync('/etc', at(root, '/run/faillock'));
    },
    expect: {},
    check(root, report) {
      assert.equal(fs.readlinkSync(at(root, '/run/faillock')), '/etc');
      assert.ok(report.warnings.some((w: string) => w.includes('faillock')), 'a warning names it');
    },
  },
  {
    name: 'a tally that is a link to a host file: only the link goes',
    prepare(root) {
      fs.symlinkSync(hostFile('tally', 'HOST TALLY'), at(root, '/run/faillock/bob'));
    },
    expect: { removed: ['/run/faillock/alice', '/run/faillock/bob'] },
    check() {
      assert.equal(fs.readFileSync(path.join(HOST, 'tally'), 'utf8'), 'HOST TALLY');
    },
  },
]);
