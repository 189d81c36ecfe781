import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after } from 'node:test';
import { CACHE_DIR } from '../../test/fixtures/roots.js';
import { at, providerTreeTest } from '../../test/harness/provider-tree.js';

function put(root: string, p: string, content = '<device DEVNO="0x0801">/dev/sda1</device>\n'): void {
  fs.mkdirSync(path.dirname(at(root, p)), { recursive: true });
  fs.writeFileSync(at(root, p), content);
}

const HOST = path.join(CACHE_DIR, 'work', `host-blkid-tab-${process.pid}`);
after(() => fs.rmSync(HOST, { recursive: true, force: true }));
function hostFile(name: string, content: string): string {
  fs.mkdirSync(path.dirname(path.join(HOST, name)), { recursive: true });
  fs.writeFileSync(path.join(HOST, name), content);
  return path.join(HOST, name);
}

providerTreeTest('blkid-tab', [
  {
    expect: { removed: ['/etc/blkid.tab'] },
  },
  {
    name: 'every location; /var/run/blkid.tab is reported under its real path /run/blkid.tab',
    prepare(root) {
      put(root, '/etc/blkid.tab.old');
      put(root, '/etc/blkid/blkid.tab');
      put(root, '/etc/blkid/blkid.tab.old');
      put(root, '/run/blkid/blkid.tab');
      put(root, '/run/blkid.tab'); // the old /var/run/blkid.tab: /var/run -> /run
      put(root, '/dev/.blkid.tab');
      put(root, '/etc/blkid/blkid.conf', 'EVALUATE=udev\n');
    },
    expect: {
      removed: ['/etc/blkid.tab', '/etc/blkid.tab.old', '/etc/blkid/blkid.tab', '/etc/blkid/blkid.tab.old', '/run/blkid/blkid.tab', '/run/blkid.tab', '/dev/.blkid.tab'],
    },
    check(root, report) {
      assert.ok(fs.existsSync(at(root, '/etc/blkid/blkid.conf')), 'configuration stays');
      assert.ok(fs.statSync(at(root, '/run/blkid')).isDirectory());
      const paths = report.changed.map((c: { path: string }) => c.path);
      assert.ok(paths.includes('/run/blkid.tab'));
      assert.ok(!paths.includes('/var/run/blkid.tab'), 'listed once, under its real path');
    },
  },
  {
    name: 'a link to a host file goes as a link; a directory linking to the host is not entered',
    prepare(root) {
      fs.rmSync(at(root, '/etc/blkid.tab'));
      fs.symlinkSync(hostFile('blkid.tab', 'host cache\n'), at(root, '/etc/blkid.tab'));
      hostFile('blkid/blkid.tab', 'host cache 2\n');
      fs.symlinkSync(path.join(HOST, 'blkid'), at(root, '/etc/blkid'));
    },
    expect: { removed: ['/etc/blkid.tab'] },
    check(root) {
      assert.equal(fs.readFileSync(path.join(HOST, 'blkid.tab'), 'utf8'), 'host cache\n');
      assert.equal(fs.readFileSync(path.join(HOST, 'blkid/blkid.tab'), 'utf8'), 'host cache 2\n');
      assert.equal(fs.readlinkSync(at(root, '/etc/blkid')), path.join(HOST, 'blkid'));
    },
  },
]);
