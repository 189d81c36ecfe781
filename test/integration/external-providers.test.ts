/**
 * External providers end to end on a used debootstrap root (issue 5, part 1): descriptors in
 * /usr/lib/sysprep/providers.d and /etc/sysprep/providers.d, commands run chrooted in the image with
 * the SYSPREP_* environment, output in the pass's log, order, a failure halting the run, a hang
 * stopped by the timeout, a refusing validate, a malformed descriptor, and `providers test`.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { overlayRoot, usedRoot, type Scratch } from '../fixtures/used-root.js';
import { sysprep } from '../harness/sysprep.js';
import { diff, snapshot } from '../harness/tree.js';

const read = (root: string, p: string) => fs.readFileSync(path.join(root, p), 'utf8');
const exists = (root: string, p: string) => fs.existsSync(path.join(root, p));

/** A shell script inside the image, and a descriptor pointing at it. */
function provider(root: string, dir: 'vendor' | 'admin', id: string, descriptor: Record<string, unknown>, scripts: Record<string, string> = {}) {
  for (const [name, body] of Object.entries(scripts)) {
    const file = path.join(root, 'usr/local/lib/acme', name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  }
  const d = path.join(root, dir === 'vendor' ? 'usr/lib/sysprep/providers.d' : 'etc/sysprep/providers.d');
  fs.mkdirSync(d, { recursive: true });
  fs.writeFileSync(path.join(d, `${id}.json`), JSON.stringify({ id, ...descriptor }, null, 2));
}

function scratch(label: string): Scratch {
  return overlayRoot(usedRoot('bookworm'), label);
}

test('good providers in cleanup and generalize run chrooted, in order, with the SYSPREP_* environment', () => {
  const s = scratch('ext-good');
  try {
    // what the scripts see: the image's own files (chroot) and the environment
    const record = 'echo "$SYSPREP_PROVIDER $SYSPREP_PASS mode=$SYSPREP_MODE vm=$SYSPREP_VM dry=$SYSPREP_DRY_RUN log=$SYSPREP_LOG os=$(. /etc/os-release; echo $ID) proc=$(test -r /proc/self/status && echo yes)" >> /var/tmp/acme-order';
    provider(s.root, 'vendor', 'acme-agent', {
      description: 'Acme monitoring agent identity', order: 10,
      cleanup: ['/usr/local/lib/acme/run.sh'], generalize: ['/usr/local/lib/acme/gen.sh'],
    }, { 'run.sh': record, 'gen.sh': `${record}\nrm -f /etc/acme-agent.id\necho "removed the agent id"` });
    provider(s.root, 'admin', 'zz-early', { order: -5, generalize: ['/usr/local/lib/acme/early.sh'] }, { 'early.sh': record });
    provider(s.root, 'vendor', 'same-order', { order: 10, generalize: ['/usr/local/lib/acme/same.sh'] }, { 'same.sh': record });
    fs.writeFileSync(path.join(s.root, 'etc/acme-agent.id'), 'agent-1234\n');
    fs.writeFileSync(path.join(s.root, 'etc/acme-agent.conf'), 'server = acme.example\n');

    const list = sysprep(['providers', '--root', s.root, '--json']).json;
    const acme = list.providers.filter((p: any) => p.id === 'acme-agent');
    assert.deepEqual(acme.map((p: any) => p.pass), ['cleanup', 'generalize']);
    assert.equal(acme[0].source, '/usr/lib/sysprep/providers.d/acme-agent.json');

    const r = sysprep(['--root', s.root, '/generalize', '--json']);
    assert.equal(r.status, 0, r.stderr);
    // /var/tmp is emptied by tmp-files (a cleanup built-in at order 0) — the record is written after
    const order = read(s.root, '/var/tmp/acme-order').trim().split('\n');
    assert.deepEqual(order.map((l) => l.split(' ').slice(0, 2).join(' ')), [
      'acme-agent cleanup',   // cleanup pass first (order 10, after the built-ins at 0)
      'zz-early generalize',  // order -5: before every built-in generalize provider
      'acme-agent generalize', 'same-order generalize', // order 10: by id
    ]);
    assert.match(order[1]!, /mode=oobe vm=0 dry=0 log=\/var\/lib\/sysprep\/panther\/setupact\.log os=debian proc=yes/);
    const ids = r.json.providers.map((p: any) => p.id);
    assert.ok(ids.indexOf('zz-early:generalize') < ids.indexOf('cloud-init'), 'order -5 runs before the built-ins at 0');
    assert.ok(ids.indexOf('acme-agent:generalize') > ids.indexOf('yum-uuid'), 'order 10 runs after them');
    assert.equal(exists(s.root, '/etc/acme-agent.id'), false);
    assert.equal(read(s.root, '/etc/acme-agent.conf'), 'server = acme.example\n');
    const log = read(s.root, '/var/lib/sysprep/panther/setupact.log');
    assert.match(log, /acme-agent: removed the agent id/);
    assert.match(log, /acme-agent: generalize entry point finished \(exit 0\)/);
    // what the programs changed is listed although only one of them said so (SPEC 8), and nothing else
    const byExternal = r.json.changed.filter((c: any) => /^by (acme-agent|zz-early|same-order)$/.test(c.detail ?? ''));
    assert.deepEqual(byExternal.map((c: any) => `${c.by} ${c.action} ${c.path}`).sort(), [
      'acme-agent created /var/tmp/acme-order',  // cleanup pass
      'acme-agent removed /etc/acme-agent.id',
      'zz-early modified /var/tmp/acme-order',   // a path modified again later is listed once
    ]);
    assert.match(log, /acme-agent: removed \/etc\/acme-agent\.id \(by acme-agent\)/);
    assert.ok(!r.json.changed.some((c: any) => /^\/(proc|sys|dev)\//.test(c.path)), 'the chroot\'s /proc, /sys and /dev are not the image');
    assert.equal(fs.readFileSync('/proc/mounts', 'utf8').includes(s.root + '/proc'), false, 'chroot mounts undone');
  } finally {
    s.dispose();
  }
});

test('a failing provider halts the run: exit code named on screen and in setuperr.log, state UNDEPLOYABLE', () => {
  const s = scratch('ext-fail');
  try {
    provider(s.root, 'vendor', 'acme-broken', { order: -10, generalize: ['/usr/local/lib/acme/broken.sh'] }, { 'broken.sh': 'echo "cannot reach the licence server" >&2\nexit 7' });
    const r = sysprep(['--root', s.root, '/generalize', '--json']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /acme-broken: generalize entry point \/usr\/local\/lib\/acme\/broken\.sh failed with exit code 7/);
    assert.equal(r.json.stateAfter, 'IMAGE_STATE_UNDEPLOYABLE');
    const err = read(s.root, '/var/lib/sysprep/panther/setuperr.log');
    assert.match(err, /acme-broken.*exit code 7/);
    assert.match(read(s.root, '/var/lib/sysprep/panther/setupact.log'), /acme-broken: cannot reach the licence server/);
    assert.notEqual(read(s.root, '/etc/machine-id'), 'uninitialized\n', 'later generalize providers did not run');
    assert.match(read(s.root, '/var/lib/sysprep/state/State.ini'), /UNDEPLOYABLE/);
    // fixed: the rerun completes
    fs.writeFileSync(path.join(s.root, 'usr/local/lib/acme/broken.sh'), '#!/bin/sh\nexit 0\n');
    const again = sysprep(['--root', s.root, '/generalize']);
    assert.equal(again.status, 0, again.stderr);
  } finally {
    s.dispose();
  }
});

test('a hanging provider is stopped after its timeout and counts as failed', () => {
  const s = scratch('ext-hang');
  try {
    provider(s.root, 'vendor', 'acme-hang', { timeout: 2, generalize: ['/usr/local/lib/acme/hang.sh'] }, { 'hang.sh': 'sleep 600' });
    const t0 = Date.now();
    const r = sysprep(['--root', s.root, '/generalize']);
    const seconds = (Date.now() - t0) / 1000;
    assert.equal(r.status, 1);
    assert.match(r.stderr, /acme-hang: generalize entry point did not finish within 2 s and was stopped/);
    assert.ok(seconds < 30, `stopped promptly (${seconds} s)`);
    assert.equal(fs.readFileSync('/proc/mounts', 'utf8').includes(s.root + '/proc'), false);
  } finally {
    s.dispose();
  }
});

test('a refusing validate: exit 4, nothing changed', () => {
  const s = scratch('ext-validate');
  try {
    provider(s.root, 'admin', 'acme-check', {
      validate: ['/usr/local/lib/acme/check.sh'], generalize: ['/usr/local/lib/acme/never.sh'],
    }, { 'check.sh': 'echo "the agent is still enrolled: run acme-unenroll first"\nexit 3', 'never.sh': 'touch /never-ran' });
    const t0 = snapshot(s.root);
    const r = sysprep(['--root', s.root, '/generalize']);
    assert.equal(r.status, 4);
    assert.match(r.stderr, /not able to validate.*acme-check.*exit code 3/);
    const d = diff(t0, snapshot(s.root));
    assert.deepEqual(d.removed, []);
    assert.deepEqual(d.changed.filter((p) => !p.startsWith('/var/lib/sysprep')), []);
    assert.deepEqual(d.added.filter((p) => !p.startsWith('/var/lib/sysprep')), [], 'only the Panther log records the refusal');
    assert.equal(exists(s.root, '/never-ran'), false);
  } finally {
    s.dispose();
  }
});

test('malformed descriptors: the file and the field at fault, exit 2, no provider runs', () => {
  const s = scratch('ext-bad');
  try {
    const dir = path.join(s.root, 'etc/sysprep/providers.d');
    fs.mkdirSync(dir, { recursive: true });
    provider(s.root, 'vendor', 'acme-fine', { generalize: ['/usr/local/lib/acme/fine.sh'] }, { 'fine.sh': 'touch /fine-ran' });
    const cases: [string, RegExp][] = [
      ['{ "id": "x", "generalize": "rm -rf /" }', /x\.json: "generalize" must be a non-empty array/],
      ['{ "id": "x", "generalize": ["rm", "-rf"] }', /x\.json: "generalize" must start with an absolute path/],
      ['{ "id": "x", "generalise": ["/bin/true"] }', /x\.json: "generalise" is not a descriptor field/],
      ['{ "id": "X Y", "generalize": ["/bin/true"] }', /x\.json: "id" must be a lower-case name/],
      ['{ "id": "machine-id", "generalize": ["/bin/true"] }', /x\.json: "id" "machine-id" is the name of a built-in provider/],
      ['{ "id": "x", "timeout": -1, "generalize": ["/bin/true"] }', /x\.json: "timeout" must be a number/],
      ['{ "id": "x" }', /x\.json: "cleanup" or "generalize" or "specialize" is needed/],
      ['{ "id": "x", ', /x\.json: not valid JSON/],
      ['{ "id": "acme-fine", "generalize": ["/bin/true"] }', /"id" "acme-fine" is also the id of/],
    ];
    for (const [text, reason] of cases) {
      fs.writeFileSync(path.join(dir, 'x.json'), text);
      const r = sysprep(['--root', s.root, '/generalize']);
      assert.equal(r.status, 2, `${text}: ${r.stderr}`);
      assert.match(r.stderr, reason);
      assert.match(r.stderr, /\/etc\/sysprep\/providers\.d\/x\.json/);
      assert.equal(exists(s.root, '/fine-ran'), false, 'no provider ran');
      assert.equal(exists(s.root, '/var/lib/sysprep/state/State.ini'), false, 'nothing changed');
    }
  } finally {
    s.dispose();
  }
});

test('a dry run gives external providers SYSPREP_DRY_RUN=1', () => {
  const s = scratch('ext-dry');
  try {
    provider(s.root, 'vendor', 'acme-dry', { generalize: ['/usr/local/lib/acme/dry.sh'] }, { 'dry.sh': 'echo "dry=$SYSPREP_DRY_RUN"' });
    const r = sysprep(['--root', s.root, '/generalize', '--dry-run', '--json']);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.json.log.some((l: any) => l.message === 'acme-dry: dry=1'));
  } finally {
    s.dispose();
  }
});

test('sysprep providers test ID shows the file-tree diff of one provider', () => {
  const s = scratch('ext-test');
  try {
    provider(s.root, 'vendor', 'acme-agent', { generalize: ['/usr/local/lib/acme/gen.sh'], cleanup: ['/usr/local/lib/acme/clean.sh'] },
      { 'gen.sh': 'rm -f /etc/acme-agent.id\ntouch /etc/acme-agent.reset', 'clean.sh': 'true' });
    fs.writeFileSync(path.join(s.root, 'etc/acme-agent.id'), 'agent-1234\n');
    const ambiguous = sysprep(['providers', 'test', 'acme-agent', '--root', s.root]);
    assert.equal(ambiguous.status, 2);
    assert.match(ambiguous.stderr, /choose one with --pass/);
    const r = sysprep(['providers', 'test', 'acme-agent', '--root', s.root, '--pass', 'generalize', '--json']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual([r.json.removed, r.json.added], [['/etc/acme-agent.id'], ['/etc/acme-agent.reset']]);
    const builtIn = sysprep(['providers', 'test', 'machine-id', '--root', s.root]);
    assert.equal(builtIn.status, 0);
    assert.match(builtIn.stdout, /^ {2}~ \/etc\/machine-id$/m);
    assert.match(builtIn.stdout, /^ {2}- \/var\/lib\/dbus\/machine-id$/m);
  } finally {
    s.dispose();
  }
});
