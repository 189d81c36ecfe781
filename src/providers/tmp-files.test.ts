import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after } from 'node:test';
import { CACHE_DIR } from '../../test/fixtures/roots.js';
import { at, providerTreeTest, put } from '../../test/harness/provider-tree.js';

const BASE = ['/tmp/.hidden-lock', '/tmp/build-1234', '/var/tmp/systemd-cache.tmp'];

/** Files on the host, outside the image, that links in the image name; they must stay untouched. */
const HOST = path.join(CACHE_DIR, 'work', `host-tmp-files-${process.pid}`);
after(() => fs.rmSync(HOST, { recursive: true, force: true }));
function hostFile(name: string, content: string): string {
  fs.mkdirSync(path.dirname(path.join(HOST, name)), { recursive: true });
  fs.writeFileSync(path.join(HOST, name), content);
  return path.join(HOST, name);
}

function assertSticky(root: string): void {
  for (const d of ['/tmp', '/var/tmp']) {
    const st = fs.lstatSync(at(root, d));
    assert.ok(st.isDirectory(), `${d} stays a directory`);
    assert.equal(st.mode & 0o7777, 0o1777, `${d} keeps mode 1777`);
    assert.deepEqual(fs.readdirSync(at(root, d)), [], `${d} is empty`);
  }
}

providerTreeTest('tmp-files', [
  {
    expect: { removed: BASE },
    check: assertSticky,
  },
  {
    name: 'dot directories and X sockets of an offline image go too',
    prepare(root) {
      put(root, '/tmp/.X11-unix/X0', '');
      put(root, '/tmp/.ICE-unix/1234', '');
      put(root, '/tmp/systemd-private-abc-nginx.service-XYZ/tmp/x', 'x');
      put(root, '/var/tmp/.cache-dir/a/b', 'b');
    },
    expect: {
      removed: [...BASE, '/tmp/.X11-unix', '/tmp/.ICE-unix', '/tmp/systemd-private-abc-nginx.service-XYZ', '/var/tmp/.cache-dir'],
    },
    check: assertSticky,
  },
  {
    name: 'nothing to do',
    prepare(root) {
      for (const p of BASE) fs.rmSync(at(root, p), { recursive: true });
    },
    expect: {},
    check: assertSticky,
  },
  {
    name: 'links to host files and directories: only the links go',
    prepare(root) {
      fs.symlinkSync(hostFile('file', 'HOST FILE'), at(root, '/tmp/host-file'));
      hostFile('dir/inner', 'HOST INNER');
      fs.symlinkSync(path.join(HOST, 'dir'), at(root, '/var/tmp/host-dir'));
      fs.symlinkSync('/etc', at(root, '/tmp/etc'));
    },
    expect: { removed: [...BASE, '/tmp/host-file', '/var/tmp/host-dir', '/tmp/etc'] },
    check(root) {
      assert.equal(fs.readFileSync(path.join(HOST, 'file'), 'utf8'), 'HOST FILE');
      assert.equal(fs.readFileSync(path.join(HOST, 'dir/inner'), 'utf8'), 'HOST INNER');
      assert.ok(fs.existsSync(at(root, '/etc/passwd')));
      assertSticky(root);
    },
  },
]);
