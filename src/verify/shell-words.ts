/**
 * A small, conservative splitter of shell command lines into commands and words, for the history rule
 * of secrets.ts. It only reads text: nothing is expanded or run. It knows quotes ('…', "…"), backslash
 * escapes, and the separators that start a new command (; & && || | ( ) and newlines); a word keeps the
 * text it would have after quote removal, and whether it started with an expansion ($…, `…`).
 */

export interface Word {
  /** the word after quote removal */
  text: string;
  /** the word starts with an unquoted or double-quoted expansion ($VAR, ${…}, $(…), `…`) */
  expansion: boolean;
}

export interface Command {
  words: Word[];
  /** this command reads the output of the previous one (`a | b`) */
  piped: boolean;
}

const SEPARATORS = new Set([';', '&', '|', '(', ')', '\n']);

/** Splits one line (or a few) into commands. Unbalanced quotes end at the end of the text. */
export function splitCommands(line: string): Command[] {
  const out: Command[] = [];
  let words: Word[] = [];
  let piped = false;
  let cur = '';
  let inWord = false;
  let expansion = false;
  const endWord = () => {
    if (inWord) words.push({ text: cur, expansion });
    cur = '';
    inWord = false;
    expansion = false;
  };
  const endCommand = (nextPiped: boolean) => {
    endWord();
    if (words.length) out.push({ words, piped });
    words = [];
    piped = nextPiped;
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\\') {
      if (i + 1 < line.length) {
        cur += line[i + 1];
        inWord = true;
        i++;
      }
      continue;
    }
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      const stop = end === -1 ? line.length : end;
      cur += line.slice(i + 1, stop);
      inWord = true;
      i = stop;
      continue;
    }
    if (c === '"') {
      if (!inWord && (line[i + 1] === '$' || line[i + 1] === '`')) expansion = true;
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j++) {
        if (line[j] === '\\' && j + 1 < line.length) j++;
        cur += line[j];
      }
      inWord = true;
      i = j;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      endWord();
      continue;
    }
    if (c === '#' && !inWord) {
      // a comment runs to the end of the line
      const nl = line.indexOf('\n', i);
      if (nl === -1) break;
      i = nl - 1;
      continue;
    }
    const redirection = (c === '&' && (line[i - 1] === '>' || line[i - 1] === '<' || line[i + 1] === '>')) || (c === '|' && line[i - 1] === '>');
    if (SEPARATORS.has(c) && !redirection) {
      // `|` alone pipes; `||`, `&&`, `;`, `&`, `(`, `)` start an unrelated command. `|&` pipes too.
      const pipe = c === '|' && line[i + 1] !== '|' && line[i - 1] !== '|';
      if ((c === '|' || c === '&') && line[i + 1] === c) i++;
      else if (c === '|' && line[i + 1] === '&') i++;
      endCommand(pipe);
      continue;
    }
    if (!inWord && (c === '$' || c === '`')) expansion = true;
    cur += c;
    inWord = true;
  }
  endCommand(false);
  return out;
}
