/** The dispatch table of main.ts and the files of commands/ name the same commands, one file each. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { test } from 'node:test';
import { tokenize } from './args.js';
import { COMMANDS, dispatch } from './main.js';

const DIR = new URL('./commands/', import.meta.url);

/** file name → the one function it exports */
async function commandFiles(): Promise<Map<string, unknown>> {
  const files = new Map<string, unknown>();
  for (const name of fs.readdirSync(DIR).filter((n) => n.endsWith('.js') && !n.endsWith('.test.js')).sort()) {
    const exports = Object.values(await import(new URL(name, DIR).href));
    assert.equal(exports.length, 1, `commands/${name} exports one thing, the command`);
    assert.equal(typeof exports[0], 'function', `commands/${name} exports a function`);
    assert.equal((exports[0] as () => unknown).length, 1, `commands/${name}: the command takes the parsed arguments`);
    files.set(name, exports[0]);
  }
  return files;
}

test('every file in commands/ is in the dispatch table, and every dispatched command has its file', async () => {
  const files = await commandFiles();
  assert.ok(files.size >= 10, `found ${files.size} command files`);
  const reached = new Set<string>();
  for (const [key, entry] of Object.entries(COMMANDS)) {
    const command = await entry.load();
    const file = [...files].find(([, f]) => f === command)?.[0];
    assert.ok(file, `dispatch entry ${key} loads a function exported by a file in commands/`);
    assert.ok(!reached.has(file), `commands/${file} is dispatched once`);
    reached.add(file);
  }
  assert.deepEqual([...reached].sort(), [...files.keys()].sort(), 'every file in commands/ is reachable from the dispatch table');
});

test('the words choose the command, case-insensitively; the rest are its arguments', () => {
  const cases: [string[], string, string[]][] = [
    [[], 'dialog', []],
    [['--root', '/mnt'], 'dialog', []],
    [['/generalize', '/oobe'], 'run', []],
    [['stray'], 'run', ['stray']],
    [['--help'], 'help', []],
    [['state', '/?'], 'help', ['state']],
    [['help'], 'help', []],
    [['--version'], 'version', []],
    [['STATE', '--json'], 'state', []],
    [['providers'], 'providers', []],
    [['providers', 'Test', 'machine-id', '--root', '/r'], 'providersTest', ['machine-id']],
    [['rearm'], 'rearm', []],
    [['unattend', 'CHECK', '/srv/u.xml'], 'unattendCheck', ['/srv/u.xml']],
    [['agent', 'plan', 'specialize'], 'agent', ['plan', 'specialize']],
  ];
  for (const [argv, command, rest] of cases) {
    const d = dispatch(tokenize(argv));
    assert.equal(d.command, command, argv.join(' '));
    assert.deepEqual(d.args.positionals, rest, argv.join(' '));
  }
  assert.throws(() => dispatch(tokenize(['unattend', 'verify', 'u.xml'])), /usage: sysprep unattend check FILE/);
});
