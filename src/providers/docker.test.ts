import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after } from 'node:test';
import { CACHE_DIR } from '../../test/fixtures/roots.js';
import { at, providerTreeTest, put, read } from '../../test/harness/provider-tree.js';

/** Files on the host, outside the image, that links in the image name; they must stay untouched. */
const HOST = path.join(CACHE_DIR, 'work', `host-docker-${process.pid}`);
after(() => fs.rmSync(HOST, { recursive: true, force: true }));
function hostFile(name: string, content: string): string {
  fs.mkdirSync(HOST, { recursive: true });
  fs.writeFileSync(path.join(HOST, name), content);
  return path.join(HOST, name);
}

const DAEMON_JSON = '{\n  "log-driver": "json-file",\n  "log-opts": { "max-size": "10m", "max-file": "3" },\n  "live-restore": true\n}\n';
const KEY_JSON = '{"crv":"P-256","d":"c2VjcmV0","kid":"33Z5:BE33:KSMC:S4GY:GRDO:EH5E:5T7G:GNHG:ENHZ:XRBE:ANQB:SBSV","kty":"EC","x":"eA","y":"eQ"}';
/** Images, containers, volumes and networks: the builder's, they all stay. */
const ENGINE_DATA: Record<string, string> = {
  'image/overlay2/repositories.json': '{"Repositories":{"nginx":{"nginx:latest":"sha256:4f"}}}',
  'containers/4f1c/config.v2.json': '{"ID":"4f1c","Name":"/web"}',
  'volumes/metadata.db': 'volumes',
  'volumes/site/_data/index.html': '<h1>volume</h1>\n',
  'network/files/local-kv.db': 'networks',
  'buildkit/cache.db': 'cache',
};

function layOut(root: string, dataRoot = '/var/lib/docker', daemonJson = DAEMON_JSON): void {
  put(root, '/etc/docker/daemon.json', daemonJson);
  put(root, '/etc/docker/key.json', KEY_JSON, 0o600);
  put(root, `${dataRoot}/engine-id`, 'b7c1a8f2-3d4e-4f50-8a61-7b2c3d4e5f60', 0o600);
  put(root, `${dataRoot}/swarm/docker-state.json`, '{"LocalAddr":"10.0.0.5","ListenAddr":"0.0.0.0:2377"}', 0o600);
  put(root, `${dataRoot}/swarm/certificates/swarm-node.crt`, 'NODE CERT', 0o644);
  put(root, `${dataRoot}/swarm/certificates/swarm-node.key`, 'NODE KEY', 0o600);
  put(root, `${dataRoot}/swarm/certificates/swarm-root-ca.crt`, 'ROOT CA', 0o644);
  put(root, `${dataRoot}/swarm/worker/tasks.db`, 'tasks', 0o600);
  for (const [p, content] of Object.entries(ENGINE_DATA)) put(root, `${dataRoot}/${p}`, content);
}

function assertEngineDataKept(root: string, dataRoot = '/var/lib/docker'): void {
  assert.equal(read(root, '/etc/docker/daemon.json').length > 0, true);
  for (const [p, content] of Object.entries(ENGINE_DATA)) assert.equal(read(root, `${dataRoot}/${p}`), content, `${dataRoot}/${p} stays`);
  assert.ok(fs.statSync(at(root, dataRoot)).isDirectory(), 'the data root stays');
}

providerTreeTest('docker', [
  {
    name: 'engine ID, key.json and swarm state go; daemon.json, images, containers, volumes stay',
    prepare: (root) => layOut(root),
    expect: { removed: ['/var/lib/docker/engine-id', '/etc/docker/key.json', '/var/lib/docker/swarm'] },
    check(root, report) {
      assert.equal(read(root, '/etc/docker/daemon.json'), DAEMON_JSON, 'daemon.json byte for byte');
      assertEngineDataKept(root);
      assert.deepEqual(report.warnings, []);
    },
  },
  {
    name: 'data-root of daemon.json, and an engine ID left in the old default root',
    prepare(root) {
      layOut(root, '/srv/docker', '{\n  "data-root": "/srv/docker/",\n  "storage-driver": "overlay2"\n}\n');
      put(root, '/var/lib/docker/engine-id', '11111111-2222-4333-8444-555555555555', 0o600);
    },
    expect: {
      removed: ['/srv/docker/engine-id', '/srv/docker/swarm', '/etc/docker/key.json', '/var/lib/docker/engine-id'],
    },
    check(root) {
      assert.equal(read(root, '/etc/docker/daemon.json'), '{\n  "data-root": "/srv/docker/",\n  "storage-driver": "overlay2"\n}\n');
      assertEngineDataKept(root, '/srv/docker');
    },
  },
  {
    name: 'data root moved through a link: the ID goes where it really is, the link stays',
    prepare(root) {
      layOut(root, '/data/docker');
      fs.symlinkSync('/data/docker', at(root, '/var/lib/docker'));
    },
    expect: { removed: ['/data/docker/engine-id', '/data/docker/swarm', '/etc/docker/key.json'] },
    check(root, report) {
      assert.equal(fs.readlinkSync(at(root, '/var/lib/docker')), '/data/docker');
      assertEngineDataKept(root, '/data/docker');
      const paths = report.providers[0].changes.map((c: any) => c.path);
      assert.ok(paths.includes('/data/docker/engine-id'), 'reported where it really was');
    },
  },
  {
    name: 'engine-id a link to a host file, swarm a link elsewhere in the image: only the link goes, swarm is left',
    prepare(root) {
      layOut(root);
      fs.rmSync(at(root, '/var/lib/docker/engine-id'));
      fs.symlinkSync(hostFile('engine-id', 'HOST ENGINE ID'), at(root, '/var/lib/docker/engine-id'));
      fs.rmSync(at(root, '/var/lib/docker/swarm'), { recursive: true });
      put(root, '/srv/swarm-data/keep.me', 'not docker\'s to drop\n');
      fs.symlinkSync('/srv/swarm-data', at(root, '/var/lib/docker/swarm'));
    },
    expect: { removed: ['/var/lib/docker/engine-id', '/etc/docker/key.json'] },
    check(root, report) {
      assert.equal(fs.readFileSync(path.join(HOST, 'engine-id'), 'utf8'), 'HOST ENGINE ID');
      assert.equal(fs.readlinkSync(at(root, '/var/lib/docker/swarm')), '/srv/swarm-data');
      assert.equal(read(root, '/srv/swarm-data/keep.me'), 'not docker\'s to drop\n');
      assert.ok(report.warnings.some((w: string) => w.includes('/var/lib/docker/swarm')), 'a warning names the swarm link');
    },
  },
  {
    name: 'daemon.json that is not JSON: a warning, the default data root',
    prepare: (root) => layOut(root, '/var/lib/docker', '{ "data-root": "/srv/docker", \n'),
    expect: { removed: ['/var/lib/docker/engine-id', '/etc/docker/key.json', '/var/lib/docker/swarm'] },
    check(root, report) {
      assert.equal(read(root, '/etc/docker/daemon.json'), '{ "data-root": "/srv/docker", \n');
      assert.ok(report.warnings.some((w: string) => w.includes('daemon.json')));
    },
  },
  {
    name: 'no Docker in the image: nothing to do',
    expect: {},
  },
]);
