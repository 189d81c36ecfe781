import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { CACHE_DIR } from '../../test/fixtures/roots.js';
import { at, providerTreeTest, put, read } from '../../test/harness/provider-tree.js';
import { flagValue } from './tailscale.js';

const HOST = path.join(CACHE_DIR, 'work', `host-tailscale-${process.pid}`);
after(() => fs.rmSync(HOST, { recursive: true, force: true }));

/** /etc/default/tailscaled as Tailscale's Debian package ships it. */
const DEFAULTS = '# Set the port to listen on for incoming VPN packets.\n# Remote nodes will automatically be informed about the new port number,\n' +
  '# but you might want to configure this in order to set external firewall\n# settings.\nPORT="41641"\n\n# Extra flags you might want to pass to tailscaled.\nFLAGS=""\n';
const STATE = '{"_machinekey":"cHJpdmtleQ==","_current-profile":"cHJvZmlsZQ==","profile-1a2b":"e30="}';
const KEEP: Record<string, string> = {
  'derpmap.cached.json': '{"Regions":{}}',
  'files/report.pdf': 'a Taildrop file',
};

function layOut(root: string, dir = '/var/lib/tailscale', state = `${dir}/tailscaled.state`): string[] {
  put(root, state, STATE, 0o600);
  put(root, `${dir}/tailscaled.log.conf`, '{"PrivateID":"aa11","PublicID":"bb22"}', 0o600);
  put(root, `${dir}/tailscaled.log2.conf`, '{"PrivateID":"cc33","PublicID":"dd44"}', 0o600);
  put(root, `${dir}/certs/golden.tail1234.ts.net.crt`, 'CERT', 0o600);
  put(root, `${dir}/certs/golden.tail1234.ts.net.key`, 'KEY', 0o600);
  for (const [p, content] of Object.entries(KEEP)) put(root, `${dir}/${p}`, content, 0o600);
  return [state, `${dir}/tailscaled.log.conf`, `${dir}/tailscaled.log2.conf`, `${dir}/certs`];
}

test('tailscale: --state and --statedir in FLAGS', () => {
  assert.equal(flagValue('FLAGS="--state=/srv/ts/node.state --verbose=1"', 'state'), '/srv/ts/node.state');
  assert.equal(flagValue('FLAGS="--statedir /srv/ts"', 'statedir'), '/srv/ts');
  assert.equal(flagValue('FLAGS="--statedir=/srv/ts"', 'state'), undefined);
});

providerTreeTest('tailscale', [
  {
    name: 'node state, log IDs and node certificates go; the defaults file, DERP cache and Taildrop files stay',
    prepare(root) {
      put(root, '/etc/default/tailscaled', DEFAULTS);
      layOut(root);
    },
    expect: { removed: ['/var/lib/tailscale/tailscaled.state', '/var/lib/tailscale/tailscaled.log.conf', '/var/lib/tailscale/tailscaled.log2.conf', '/var/lib/tailscale/certs'] },
    check(root) {
      assert.equal(read(root, '/etc/default/tailscaled'), DEFAULTS);
      for (const [p, content] of Object.entries(KEEP)) assert.equal(read(root, `/var/lib/tailscale/${p}`), content, `${p} stays`);
    },
  },
  {
    name: '--state in FLAGS: that state file, and the files next to it',
    prepare(root) {
      put(root, '/etc/default/tailscaled', DEFAULTS.replace('FLAGS=""', 'FLAGS="--state=/srv/tailscale/node.state"'));
      layOut(root, '/srv/tailscale', '/srv/tailscale/node.state');
    },
    expect: {
      removed: ['/srv/tailscale/node.state', '/srv/tailscale/tailscaled.log.conf', '/srv/tailscale/tailscaled.log2.conf', '/srv/tailscale/certs'],
    },
    check(root) {
      assert.equal(read(root, '/etc/default/tailscaled'), DEFAULTS.replace('FLAGS=""', 'FLAGS="--state=/srv/tailscale/node.state"'));
      for (const [p, content] of Object.entries(KEEP)) assert.equal(read(root, `/srv/tailscale/${p}`), content);
    },
  },
  {
    name: '--state in a directory that is not tailscale\'s own: the state and log ID go, a certs/ there stays',
    prepare(root) {
      put(root, '/etc/default/tailscaled', DEFAULTS.replace('FLAGS=""', 'FLAGS="--state=/etc/tailscaled.state"'));
      put(root, '/etc/tailscaled.state', STATE, 0o600);
      put(root, '/etc/tailscaled.log.conf', '{"PrivateID":"aa11"}', 0o600);
      put(root, '/etc/certs/site.crt', 'not tailscale\'s\n');
    },
    expect: { removed: ['/etc/tailscaled.state', '/etc/tailscaled.log.conf'] },
    check(root) {
      assert.equal(read(root, '/etc/certs/site.crt'), 'not tailscale\'s\n');
    },
  },
  {
    name: 'the state a link to a host file, certs a link: only the state link goes, certs is left',
    prepare(root) {
      layOut(root);
      fs.mkdirSync(HOST, { recursive: true });
      fs.writeFileSync(path.join(HOST, 'tailscaled.state'), 'HOST STATE');
      fs.rmSync(at(root, '/var/lib/tailscale/tailscaled.state'));
      fs.symlinkSync(path.join(HOST, 'tailscaled.state'), at(root, '/var/lib/tailscale/tailscaled.state'));
      fs.rmSync(at(root, '/var/lib/tailscale/certs'), { recursive: true });
      put(root, '/etc/ssl/private/site.key', 'SITE KEY\n', 0o600);
      fs.symlinkSync('/etc/ssl/private', at(root, '/var/lib/tailscale/certs'));
    },
    expect: { removed: ['/var/lib/tailscale/tailscaled.state', '/var/lib/tailscale/tailscaled.log.conf', '/var/lib/tailscale/tailscaled.log2.conf'] },
    check(root, report) {
      assert.equal(fs.readFileSync(path.join(HOST, 'tailscaled.state'), 'utf8'), 'HOST STATE');
      assert.equal(read(root, '/etc/ssl/private/site.key'), 'SITE KEY\n');
      assert.ok(report.warnings.some((w: string) => w.includes('/var/lib/tailscale/certs')));
    },
  },
  {
    name: 'no Tailscale: nothing to do',
    expect: {},
  },
]);
