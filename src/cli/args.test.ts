import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SysprepError } from '../model/errors.js';
import { parseRunArgs, tokenize } from './args.js';

const run = (...argv: string[]) => parseRunArgs(tokenize(argv)).request;
const usage = (argv: string[], pattern: RegExp) =>
  assert.throws(() => run(...argv), (e: unknown) => e instanceof SysprepError && e.exitCode === 2 && pattern.test(e.message));

test('Windows, single-dash and GNU spellings are the same, in any case', () => {
  for (const argv of [
    ['/generalize', '/oobe', '/shutdown'],
    ['-Generalize', '-OOBE', '-SHUTDOWN'],
    ['--generalize', '--oobe', '--shutdown'],
    ['/GENERALIZE', '--Oobe', '-shutdown'],
  ]) {
    const r = run(...argv);
    assert.equal(r.generalize, true);
    assert.equal(r.mode, 'oobe');
    assert.equal(r.power, 'shutdown');
  }
});

test('values: /name:V, --name V, --name=V, -name V', () => {
  for (const argv of [['/providers:machine-id,-tmp-files'], ['--providers', 'machine-id,-tmp-files'], ['--providers=machine-id,-tmp-files'], ['-PROVIDERS', 'machine-id,-tmp-files']]) {
    assert.deepEqual(run(...argv).providerLists, ['machine-id,-tmp-files']);
  }
  assert.equal(run('/unattend:C:/x.xml').unattend, 'C:/x.xml');
  assert.equal(run('--unattend', '/srv/u.xml').unattend, '/srv/u.xml');
  assert.equal(run('--unattend=/srv/u.xml').unattend, '/srv/u.xml');
  assert.equal(run('--root', '/mnt/img').root, '/mnt/img');
  assert.equal(run('--root=/mnt/img').root, '/mnt/img');
  assert.equal(run('/mode:VM', '/generalize', '/oobe').vm, true);
  assert.equal(run('--mode', 'vm', '--generalize', '--oobe').vm, true);
});

test('defaults: OOBE, quit, the running system', () => {
  const r = run();
  assert.equal(r.mode, 'oobe');
  assert.equal(r.power, 'quit');
  assert.equal(r.root, '/');
  assert.equal(r.generalize, false);
  assert.equal(run('/audit').mode, 'audit');
});

test('combination rules', () => {
  usage(['/oobe', '/audit'], /exclude each other/);
  usage(['/reboot', '/shutdown'], /exclude each other/);
  usage(['/quit', '/reboot'], /exclude each other/);
  usage(['/reboot', '--root', '/mnt'], /only on the running system/);
  usage(['/shutdown', '--image', 'x.img'], /only on the running system/);
  usage(['--root', '/a', '--image', 'b'], /exclude each other/);
  usage(['/mode:vm', '/oobe'], /needs \/generalize and \/oobe/);
  usage(['/mode:vm', '/generalize'], /needs \/generalize and \/oobe/);
  usage(['/mode:vm', '/generalize', '/audit'], /cannot be used with \/audit/);
  usage(['/mode:vm', '/generalize', '/oobe', '/unattend:u.xml'], /cannot be used with \/unattend/);
  usage(['/mode:pc', '/generalize', '/oobe'], /only mode is vm/);
  assert.equal(run('/quit', '--root', '/mnt').power, 'quit');
});

test('bad options and values', () => {
  usage(['--frobnicate'], /unknown option '--frobnicate'/);
  usage(['-x'], /unknown option/);
  usage(['--root'], /needs a value/);
  usage(['--root='], /non-empty value/);
  usage(['/generalize:yes'], /takes no value/);
  usage(['stray'], /unexpected argument 'stray'/);
  // a "/path" that is not an option is an argument, not an unknown option
  usage(['/srv/file.xml'], /unexpected argument '\/srv\/file.xml'/);
});

test('the options seen are logged upper-case, as Windows does', () => {
  assert.deepEqual(tokenize(['/oobe', '--generalize', '-mode:vm']).seen, ['OOBE', 'GENERALIZE', 'MODE:VM']);
});

test('the parser produces the run request itself; --json and --image stay beside it', () => {
  const r = parseRunArgs(tokenize(['/generalize', '--image', 'disk.qcow2', '--json', '--providers', 'all', '/unattend:u.xml']));
  assert.deepEqual(r, {
    request: {
      mode: 'oobe', generalize: true, vm: false, power: 'quit', quiet: false, dryRun: false, unattend: 'u.xml', root: '/',
      providerLists: ['all'], keepUserAccounts: [], removeUserAccounts: [], verify: 'warn', forgetFingerprints: false, agent: 'packed', optionsSeen: ['GENERALIZE', 'IMAGE', 'JSON', 'PROVIDERS', 'UNATTEND'],
    },
    json: true,
    image: 'disk.qcow2',
  });
  assert.deepEqual(Object.keys(parseRunArgs(tokenize([]))), ['request', 'json']);
});

test('--agent: how the seal installs the first-boot agent', () => {
  const agent = (argv: string[]) => parseRunArgs(tokenize(argv)).request.agent;
  assert.equal(agent(['/generalize']), 'packed');
  assert.equal(agent(['/generalize', '--agent', 'none']), 'none');
  assert.equal(agent(['/generalize', '--agent=PACKED']), 'packed');
  usage(['/generalize', '--agent', 'tiny'], /--agent tiny: choose packed \(the default\), full or none/);
  usage(['/oobe', '--agent', 'none'], /--agent needs \/generalize/);
});
