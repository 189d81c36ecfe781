import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after } from 'node:test';
import { CACHE_DIR } from '../../test/fixtures/roots.js';
import { at, providerTreeTest, read } from '../../test/harness/provider-tree.js';

/** Files on the host, outside the image, that links in the image name; they must stay untouched. */
const HOST = path.join(CACHE_DIR, 'work', `host-utmp-${process.pid}`);
after(() => fs.rmSync(HOST, { recursive: true, force: true }));
function hostFile(name: string, content: string): string {
  fs.mkdirSync(path.dirname(path.join(HOST, name)), { recursive: true });
  fs.writeFileSync(path.join(HOST, name), content);
  return path.join(HOST, name);
}

providerTreeTest('utmp', [
  {
    // /var/run -> /run in the image: the image's /run/utmp goes, never the host's
    expect: { removed: ['/run/utmp'] },
    check(root, report) {
      assert.equal(fs.readlinkSync(at(root, '/var/run')), '/run', '/var/run stays a link');
      assert.ok(fs.statSync(at(root, '/run')).isDirectory());
      assert.deepEqual(report.providers[0].changes.map((c: any) => c.path), ['/run/utmp']);
    },
  },
  {
    name: 'old layout: /var/run is a directory of its own',
    prepare(root) {
      fs.rmSync(at(root, '/var/run'));
      fs.mkdirSync(at(root, '/var/run'));
      fs.writeFileSync(at(root, '/var/run/utmp'), 'old utmp');
    },
    expect: { removed: ['/var/run/utmp', '/run/utmp'] },
  },
  {
    name: 'nothing to do',
    prepare(root) {
      fs.rmSync(at(root, '/run/utmp'));
    },
    expect: {},
  },
  {
    name: 'utmp is a link to /etc/shadow in the image: only the link goes',
    prepare(root) {
      fs.rmSync(at(root, '/run/utmp'));
      fs.symlinkSync('/etc/shadow', at(root, '/run/utmp'));
    },
    expect: { removed: ['/run/utmp'] },
    check(root) {
      assert.match(read(root, '/etc/shadow'), /^root:/);
    },
  },
  {
    name: '/var/run is a link to a host directory: nothing outside the image is touched',
    prepare(root) {
      hostFile('run/utmp', 'HOST UTMP');
      fs.rmSync(at(root, '/var/run'));
      fs.symlinkSync(path.join(HOST, 'run'), at(root, '/var/run'));
    },
    expect: { removed: ['/run/utmp'] },
    check(root) {
      assert.equal(fs.readFileSync(path.join(HOST, 'run/utmp'), 'utf8'), 'HOST UTMP');
      assert.equal(fs.readlinkSync(at(root, '/var/run')), path.join(HOST, 'run'));
    },
  },
]);
