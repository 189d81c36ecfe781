import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after } from 'node:test';
import { CACHE_DIR } from '../../test/fixtures/roots.js';
import { at, providerTreeTest } from '../../test/harness/provider-tree.js';

const SEED = '/var/lib/systemd/random-seed';

function put(root: string, p: string, content = ''): void {
  fs.mkdirSync(path.dirname(at(root, p)), { recursive: true });
  fs.writeFileSync(at(root, p), content, { mode: 0o600 });
}

/** Files on the host, outside the image, that links in the image name; they must stay untouched. */
const HOST = path.join(CACHE_DIR, 'work', `host-random-seed-${process.pid}`);
after(() => fs.rmSync(HOST, { recursive: true, force: true }));
function hostFile(name: string, content: string): string {
  fs.mkdirSync(path.dirname(path.join(HOST, name)), { recursive: true });
  fs.writeFileSync(path.join(HOST, name), content);
  return path.join(HOST, name);
}

providerTreeTest('random-seed', [
  {
    expect: { removed: [SEED] },
    check(root, report) {
      assert.ok(fs.statSync(at(root, '/var/lib/systemd')).isDirectory());
      assert.deepEqual(report.providers[0].changes.map((c: any) => [c.path, c.action]), [[SEED, 'removed']]);
    },
  },
  {
    name: 'urandom, ESP loader and legacy seeds',
    prepare(root) {
      put(root, '/var/lib/urandom/random-seed', 'seed');
      put(root, '/var/lib/random-seed', 'seed');
      put(root, '/boot/efi/loader/random-seed', 'seed');
      put(root, '/boot/efi/loader/loader.conf', 'timeout 3\n');
      put(root, '/efi/loader/random-seed', 'seed');
    },
    expect: { removed: [SEED, '/var/lib/urandom/random-seed', '/var/lib/random-seed', '/boot/efi/loader/random-seed', '/efi/loader/random-seed'] },
    check(root) {
      assert.equal(fs.readFileSync(at(root, '/boot/efi/loader/loader.conf'), 'utf8'), 'timeout 3\n');
    },
  },
  {
    name: 'nothing to do',
    prepare(root) {
      fs.rmSync(at(root, SEED));
    },
    expect: {},
  },
  {
    name: 'the seed is a link to a host file: only the link goes',
    prepare(root) {
      fs.rmSync(at(root, SEED));
      fs.symlinkSync(hostFile('random-seed', 'HOST SEED'), at(root, SEED));
    },
    expect: { removed: [SEED] },
    check() {
      assert.equal(fs.readFileSync(path.join(HOST, 'random-seed'), 'utf8'), 'HOST SEED');
    },
  },
]);
