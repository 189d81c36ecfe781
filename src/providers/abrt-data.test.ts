import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after } from 'node:test';
import { CACHE_DIR } from '../../test/fixtures/roots.js';
import { at, providerTreeTest, put } from '../../test/harness/provider-tree.js';

const REPORT = '/var/spool/abrt/ccpp-2026-11-20-10:00:00-1234';

/** Files on the host, outside the image, that links in the image name; they must stay untouched. */
const HOST = path.join(CACHE_DIR, 'work', `host-abrt-data-${process.pid}`);
after(() => fs.rmSync(HOST, { recursive: true, force: true }));
function hostFile(name: string, content: string): string {
  fs.mkdirSync(path.dirname(path.join(HOST, name)), { recursive: true });
  fs.writeFileSync(path.join(HOST, name), content);
  return path.join(HOST, name);
}

providerTreeTest('abrt-data', [
  {
    expect: { removed: [REPORT] },
    check(root) {
      assert.ok(fs.lstatSync(at(root, '/var/spool/abrt')).isDirectory(), 'the spool directory itself stays');
      assert.deepEqual(fs.readdirSync(at(root, '/var/spool/abrt')), []);
    },
  },
  {
    name: 'dot files go too; a link to a host file is removed as a link',
    prepare(root) {
      put(root, '/var/spool/abrt/.lock', '1234\n');
      put(root, '/var/spool/abrt/last-ccpp', '2026-11-20\n');
      fs.symlinkSync(hostFile('latest/coredump', 'host crash\n'), at(root, '/var/spool/abrt/latest'));
    },
    expect: { removed: [REPORT, '/var/spool/abrt/.lock', '/var/spool/abrt/last-ccpp', '/var/spool/abrt/latest'] },
    check() {
      assert.equal(fs.readFileSync(path.join(HOST, 'latest/coredump'), 'utf8'), 'host crash\n');
    },
  },
  {
    name: 'the spool is an absolute link to a host directory: nothing outside the image is touched',
    prepare(root) {
      hostFile('spool/ccpp-1/coredump', 'host core\n');
      fs.rmSync(at(root, '/var/spool/abrt'), { recursive: true });
      fs.symlinkSync(path.join(HOST, 'spool'), at(root, '/var/spool/abrt'));
    },
    expect: {},
    check(root) {
      assert.equal(fs.readlinkSync(at(root, '/var/spool/abrt')), path.join(HOST, 'spool'));
      assert.equal(fs.readFileSync(path.join(HOST, 'spool/ccpp-1/coredump'), 'utf8'), 'host core\n');
    },
  },
]);
