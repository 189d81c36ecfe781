import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitCommands } from './shell-words.js';

const words = (line: string) => splitCommands(line).map((c) => c.words.map((w) => w.text));

test('quotes are removed, escapes kept, words split on blanks', () => {
  assert.deepEqual(words(`mysql -u 'root user' -p"pa ss" a\\ b`), [['mysql', '-u', 'root user', '-ppa ss', 'a b']]);
});

test('separators start commands; only a single | pipes', () => {
  const c = splitCommands('echo x | chpasswd; ls && pwd || id & date');
  assert.deepEqual(c.map((x) => [x.words[0]!.text, x.piped]), [['echo', false], ['chpasswd', true], ['ls', false], ['pwd', false], ['id', false], ['date', false]]);
});

test('redirections with & are words, not separators; a comment ends the line', () => {
  assert.deepEqual(words('make 2>&1 &>log # export TOKEN=x'), [['make', '2>&1', '&>log']]);
});

test('expansions are marked (unquoted or in double quotes), single-quoted text is literal', () => {
  const [c] = splitCommands(`x $A "\${B}" '$C' \`d\``);
  assert.deepEqual(c!.words.map((w) => w.expansion), [false, true, true, false, true]);
});
