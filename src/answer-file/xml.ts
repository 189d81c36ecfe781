/**
 * The XML layer of the answer-file reader: bytes → text (UTF-8 with or without a BOM, UTF-16 LE/BE with a
 * BOM), a refusal of DOCTYPEs and entity declarations before any parsing (no XXE, no billion laughs), a
 * strict well-formedness parse with saxes (a conformant, namespace-aware XML parser that reports the exact
 * line and column of the first error), a small DOM that keeps what serialising back needs (attribute order,
 * comments, processing instructions, CDATA, self-closing tags) and the serialiser.
 *
 * Pure: strings and buffers in, values out; no file-system access.
 */
import { SaxesParser, type SaxesAttributeNS, type SaxesTagNS } from 'saxes';

/** Answer files larger than this are refused before decoding (real ones are well under 1 MiB). */
export const MAX_ANSWER_FILE_BYTES = 10 * 1024 * 1024;

export type TextEncodingName = 'utf-8' | 'utf-16le' | 'utf-16be' | string;

/** A failure to load an answer file: names the file, the line and the column (both 1-based). */
export class AnswerFileError extends Error {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** The message without the location prefix. */
  readonly detail: string;
  /** A stable identifier of the kind of failure (for tests and --json). */
  readonly code: string;
  constructor(code: string, file: string, line: number, column: number, detail: string) {
    super(`${file}:${line}:${column}: ${detail}`);
    this.name = 'AnswerFileError';
    this.code = code;
    this.file = file;
    this.line = line;
    this.column = column;
    this.detail = detail;
  }
}

// ---------------------------------------------------------------------------------------------------------
// DOM

export interface XmlAttribute {
  /** Qualified name as written (`wcm:action`). */
  name: string;
  prefix: string;
  local: string;
  /** Namespace URI ('' for unprefixed attributes, which are in no namespace). */
  uri: string;
  value: string;
}

export interface XmlElement {
  type: 'element';
  name: string;
  prefix: string;
  local: string;
  uri: string;
  attributes: XmlAttribute[];
  children: XmlNode[];
  parent: XmlElement | null;
  /** Position of the `<` of the start tag (1-based line and column; the column counts characters). */
  line: number;
  column: number;
  /** Written as `<x/>` in the source (kept when serialising an element that still has no children). */
  selfClosing: boolean;
}

export interface XmlText { type: 'text'; value: string }
export interface XmlCData { type: 'cdata'; value: string }
export interface XmlComment { type: 'comment'; value: string }
export interface XmlProcessingInstruction { type: 'pi'; target: string; body: string }
export type XmlNode = XmlElement | XmlText | XmlCData | XmlComment | XmlProcessingInstruction;

export interface XmlDocument {
  /** The XML declaration as written, if any (`encoding` is rewritten to utf-8 when serialising). */
  declaration: { version?: string; encoding?: string; standalone?: string } | null;
  /** Comments and processing instructions before and after the root element. */
  before: XmlNode[];
  root: XmlElement;
  after: XmlNode[];
}

export interface DecodedText {
  text: string;
  encoding: TextEncodingName;
  bom: boolean;
  /** Non-fatal observations (a declaration that contradicts the byte-order mark, …). */
  warnings: { line: number; column: number; message: string }[];
}

// ---------------------------------------------------------------------------------------------------------
// Bytes → text

/** Offset of the first byte that is not valid UTF-8, or -1. */
function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  const n = b.length;
  while (i < n) {
    const c = b[i]!;
    if (c < 0x80) { i++; continue; }
    let need: number;
    let min: number;
    if (c >= 0xc2 && c <= 0xdf) { need = 1; min = 0x80; }
    else if (c >= 0xe0 && c <= 0xef) { need = 2; min = 0x800; }
    else if (c >= 0xf0 && c <= 0xf4) { need = 3; min = 0x10000; }
    else return i;
    let cp = c & (need === 1 ? 0x1f : need === 2 ? 0x0f : 0x07);
    for (let k = 1; k <= need; k++) {
      const d = b[i + k];
      if (d === undefined || (d & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (d & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

/** Line and column (1-based) of a byte offset in UTF-8 bytes. */
function bytePosition(b: Uint8Array, offset: number): { line: number; column: number } {
  let line = 1;
  let column = 1;
  for (let i = 0; i < offset; i++) {
    const c = b[i]!;
    if (c === 0x0a) { line++; column = 1; }
    else if ((c & 0xc0) !== 0x80) column++;
  }
  return { line, column };
}

const DECL_ENCODING = /^<\?xml[^>]*?\bencoding\s*=\s*(["'])([A-Za-z][A-Za-z0-9._-]*)\1/;

function family(label: string): 'utf-8' | 'utf-16' | 'other' {
  const l = label.toLowerCase();
  if (l === 'utf-8' || l === 'utf8') return 'utf-8';
  if (l === 'utf-16' || l === 'utf-16le' || l === 'utf-16be' || l === 'unicode' || l === 'ucs-2') return 'utf-16';
  return 'other';
}

/**
 * Decodes the bytes of an answer file. UTF-8 (with or without a BOM) and UTF-16 LE/BE with a BOM; a byte-order
 * mark wins over the declaration (Windows tools write UTF-16 files that still say `encoding="utf-8"`), with a
 * warning. Without a BOM, a declared single-byte encoding the runtime knows (windows-1252, iso-8859-1, …) is
 * honoured. Throws AnswerFileError for a file too large, UTF-16 without a BOM, or bytes that are not valid in
 * the encoding.
 */
export function decodeAnswerFileBytes(input: Uint8Array, file: string): DecodedText {
  if (input.length > MAX_ANSWER_FILE_BYTES) {
    throw new AnswerFileError('too-large', file, 1, 1,
      `the answer file is ${input.length} bytes; answer files over ${MAX_ANSWER_FILE_BYTES} bytes (10 MiB) are refused`);
  }
  const warnings: DecodedText['warnings'] = [];
  let text: string;
  let encoding: TextEncodingName;
  let bom = false;
  const b0 = input[0];
  const b1 = input[1];
  if (b0 === 0xff && b1 === 0xfe) {
    bom = true;
    encoding = 'utf-16le';
    if ((input.length - 2) % 2 !== 0) {
      throw new AnswerFileError('bad-encoding', file, 1, 1, 'the file starts with a UTF-16 LE byte-order mark but has an odd number of bytes: it is truncated or not UTF-16');
    }
    text = new TextDecoder('utf-16le').decode(input.subarray(2));
  } else if (b0 === 0xfe && b1 === 0xff) {
    bom = true;
    encoding = 'utf-16be';
    if ((input.length - 2) % 2 !== 0) {
      throw new AnswerFileError('bad-encoding', file, 1, 1, 'the file starts with a UTF-16 BE byte-order mark but has an odd number of bytes: it is truncated or not UTF-16');
    }
    text = new TextDecoder('utf-16be').decode(input.subarray(2));
  } else if ((b0 === 0x00 && b1 === 0x3c) || (b0 === 0x3c && b1 === 0x00)) {
    throw new AnswerFileError('bad-encoding', file, 1, 1,
      'the file looks like UTF-16 without a byte-order mark; save it as UTF-8, or as UTF-16 with a byte-order mark');
  } else {
    let body = input;
    if (b0 === 0xef && b1 === 0xbb && input[2] === 0xbf) {
      bom = true;
      body = input.subarray(3);
    }
    encoding = 'utf-8';
    // The declaration is ASCII in every encoding we accept without a BOM.
    const head = Buffer.from(body.subarray(0, 200)).toString('latin1');
    const declared = DECL_ENCODING.exec(head)?.[2];
    if (!bom && declared && family(declared) === 'other') {
      let decoder: TextDecoder;
      try {
        decoder = new TextDecoder(declared, { fatal: true });
      } catch {
        throw new AnswerFileError('bad-encoding', file, 1, head.indexOf(declared) + 1,
          `the declared encoding "${declared}" is not supported; save the file as UTF-8`);
      }
      try {
        text = decoder.decode(body);
      } catch {
        throw new AnswerFileError('bad-encoding', file, 1, head.indexOf(declared) + 1,
          `the file is not valid ${declared}; save it as UTF-8`);
      }
      return { text, encoding: decoder.encoding, bom, warnings };
    }
    const bad = firstInvalidUtf8(body);
    if (bad >= 0) {
      const at = bytePosition(body, bad);
      throw new AnswerFileError('bad-encoding', file, at.line, at.column,
        `byte 0x${body[bad]!.toString(16).padStart(2, '0')} is not valid UTF-8; save the file as UTF-8 (or declare its real encoding)`);
    }
    text = new TextDecoder('utf-8').decode(body);
  }
  const declared = DECL_ENCODING.exec(text.slice(0, 200))?.[2];
  if (declared) {
    const actual = encoding === 'utf-8' ? 'utf-8' : 'utf-16';
    const fam = family(declared);
    if (fam !== actual) {
      const column = text.indexOf(declared) + 1;
      if (bom) {
        warnings.push({ line: 1, column, message: `the declaration says encoding="${declared}" but the file starts with a ${encoding.toUpperCase()} byte-order mark; it is read as ${encoding.toUpperCase()} (fix the declaration)` });
      } else {
        warnings.push({ line: 1, column, message: `the declaration says encoding="${declared}" but the file has no byte-order mark and is valid UTF-8; it is read as UTF-8 (fix the declaration)` });
      }
    }
  }
  return { text, encoding, bom, warnings };
}

// ---------------------------------------------------------------------------------------------------------
// Positions

/** Maps UTF-16 offsets of a text to 1-based line and character column (\n, \r\n and \r end lines). */
export class LineIndex {
  private readonly starts: number[] = [0];
  constructor(private readonly text: string) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) this.starts.push(i + 1);
      else if (c === 13) {
        if (text.charCodeAt(i + 1) === 10) i++;
        this.starts.push(i + 1);
      }
    }
  }
  position(offset: number): { line: number; column: number } {
    const s = this.starts;
    let lo = 0;
    let hi = s.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (s[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    const start = s[lo]!;
    let column = offset - start + 1;
    // Count characters, not UTF-16 units: subtract the low halves of surrogate pairs before the offset.
    for (let i = start; i < offset; i++) {
      const c = this.text.charCodeAt(i);
      if (c >= 0xdc00 && c <= 0xdfff && i > start) {
        const p = this.text.charCodeAt(i - 1);
        if (p >= 0xd800 && p <= 0xdbff) column--;
      }
    }
    return { line: lo + 1, column };
  }
}

// ---------------------------------------------------------------------------------------------------------
// Refusal of DTDs and entities

const UNSAFE = /<!--[\s\S]*?(?:-->|$)|<!\[CDATA\[[\s\S]*?(?:\]\]>|$)|<!DOCTYPE|<!ENTITY/gi;

/**
 * Refuses a DOCTYPE or an entity declaration anywhere outside comments and CDATA sections, before any parsing:
 * an answer file has no use for a DTD, and a DTD is what entity expansion ("billion laughs") and external
 * entities (XXE) need.
 */
export function refuseUnsafeXml(text: string, file: string): void {
  UNSAFE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = UNSAFE.exec(text))) {
    const tok = m[0];
    if (tok.startsWith('<!--') || tok.startsWith('<![')) continue;
    const at = new LineIndex(text).position(m.index);
    if (tok.toUpperCase() === '<!ENTITY') {
      throw new AnswerFileError('entity-declaration', file, at.line, at.column,
        'entity declarations are refused (no entity expansion, no external entities); an answer file needs none: remove it');
    }
    const rest = text.slice(m.index, m.index + 65536);
    const subset = /^<!DOCTYPE[^[>]*(\[[\s\S]*?\]\s*)?>/i.exec(rest);
    const decl = subset ? subset[0] : rest.slice(0, 2000);
    let why = 'a DOCTYPE is refused: answer files have no document type declaration';
    if (/<!ENTITY/i.test(decl)) {
      why = 'a DOCTYPE with entity declarations is refused (entity expansion such as "billion laughs" and external entities are not processed)';
    } else if (/\b(SYSTEM|PUBLIC)\b/.test(decl)) {
      why = 'a DOCTYPE that names an external DTD is refused (external entities are never fetched)';
    }
    throw new AnswerFileError('doctype', file, at.line, at.column, `${why}; remove the <!DOCTYPE …> declaration`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Parsing

class StopParsing extends Error {}

function toAttributes(attrs: Record<string, SaxesAttributeNS>): XmlAttribute[] {
  const out: XmlAttribute[] = [];
  for (const k in attrs) {
    const a = attrs[k]!;
    out.push({ name: a.name, prefix: a.prefix, local: a.local, uri: a.uri, value: a.value });
  }
  return out;
}

/**
 * Parses XML text into the DOM. Throws AnswerFileError with the line and column where the parser found the
 * first well-formedness or namespace error. Call refuseUnsafeXml first (parseAnswerFile does).
 */
export function parseXml(text: string, file: string): XmlDocument {
  const lines = new LineIndex(text);
  const parser = new SaxesParser({ xmlns: true, position: true });
  const stack: XmlElement[] = [];
  const before: XmlNode[] = [];
  const after: XmlNode[] = [];
  let root: XmlElement | null = null;
  let declaration: XmlDocument['declaration'] = null;
  let failure: AnswerFileError | null = null;

  const add = (n: XmlNode) => {
    const top = stack[stack.length - 1];
    if (top) {
      const last = top.children[top.children.length - 1];
      if (n.type === 'text' && last?.type === 'text') last.value += n.value;
      else top.children.push(n);
    } else if (n.type !== 'text') (root ? after : before).push(n);
  };

  // Only the handlers this text needs are registered: V8 slows every saxes parser that has more than six
  // handlers (its object shape changes), which costs a factor of four on the corpus.
  parser.on('error', (err) => {
    if (!failure) {
      const msg = err.message.replace(/^\d+:\d+: /, '');
      failure = new AnswerFileError('xml-syntax', file, parser.line, Math.max(parser.column, 1),
        `not well-formed XML: ${msg}`);
    }
    throw new StopParsing();
  });
  parser.on('opentag', (tag: SaxesTagNS) => {
    // parser.position is just past the ">" of the start tag; no "<" can occur inside a start tag.
    const pos = lines.position(text.lastIndexOf('<', parser.position - 1));
    const el: XmlElement = {
      type: 'element',
      name: tag.name,
      prefix: tag.prefix,
      local: tag.local,
      uri: tag.uri,
      attributes: toAttributes(tag.attributes as Record<string, SaxesAttributeNS>),
      children: [],
      parent: stack[stack.length - 1] ?? null,
      line: pos.line,
      column: pos.column,
      selfClosing: tag.isSelfClosing,
    };
    if (el.parent) el.parent.children.push(el);
    else root = el;
    stack.push(el);
  });
  parser.on('closetag', () => {
    stack.pop();
  });
  parser.on('text', (t) => add({ type: 'text', value: t }));
  if (text.includes('<!--')) parser.on('comment', (t) => add({ type: 'comment', value: t }));
  if (text.includes('<![CDATA[')) parser.on('cdata', (t) => add({ type: 'cdata', value: t }));
  if (/<\?(?!xml[\s?])/.test(text)) parser.on('processinginstruction', (pi) => add({ type: 'pi', target: pi.target, body: pi.body }));
  const decl = /^<\?xml\s([^?]*)\?>/.exec(text);
  if (decl) {
    declaration = {};
    for (const m of decl[1]!.matchAll(/(version|encoding|standalone)\s*=\s*(["'])(.*?)\2/g)) declaration[m[1] as 'version'] = m[3]!;
  }

  try {
    parser.write(text).close();
  } catch (e) {
    if (!(e instanceof StopParsing)) throw e;
  }
  if (failure) throw failure;
  if (!root) throw new AnswerFileError('xml-syntax', file, 1, 1, 'not well-formed XML: the document has no root element');
  return { declaration, before, root, after };
}

// ---------------------------------------------------------------------------------------------------------
// Helpers

export function childElements(el: XmlElement): XmlElement[] {
  const out: XmlElement[] = [];
  for (const c of el.children) if (c.type === 'element') out.push(c);
  return out;
}

/** The text directly inside an element (text and CDATA children, concatenated). */
export function textOf(el: XmlElement): string {
  let s = '';
  for (const c of el.children) if (c.type === 'text' || c.type === 'cdata') s += c.value;
  return s;
}

export function attribute(el: XmlElement, local: string, uri = ''): string | undefined {
  for (const a of el.attributes) if (a.local === local && a.uri === uri) return a.value;
  return undefined;
}

/** Finds an unprefixed attribute by name, ignoring case (component identity attributes). */
export function attributeCI(el: XmlElement, local: string): XmlAttribute | undefined {
  const l = local.toLowerCase();
  for (const a of el.attributes) if (a.uri === '' && a.local.toLowerCase() === l) return a;
  return undefined;
}

/** Sets an unprefixed attribute (appended when absent, so existing attribute order is kept). */
export function setAttribute(el: XmlElement, local: string, value: string): void {
  for (const a of el.attributes) {
    if (a.uri === '' && a.local === local) {
      a.value = value;
      return;
    }
  }
  el.attributes.push({ name: local, prefix: '', local, uri: '', value });
}

/** Replaces all children of an element by one text node. */
export function setText(el: XmlElement, value: string): void {
  el.children = value === '' ? [] : [{ type: 'text', value }];
  el.selfClosing = false;
}

// ---------------------------------------------------------------------------------------------------------
// Serialising

function escText(s: string): string {
  return s.replace(/[&<>\r]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&#13;'));
}

function escAttr(s: string): string {
  return s.replace(/[&<"\t\n\r]/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '"' ? '&quot;' : c === '\t' ? '&#9;' : c === '\n' ? '&#10;' : '&#13;');
}

function writeNode(n: XmlNode, out: string[]): void {
  switch (n.type) {
    case 'text':
      out.push(escText(n.value));
      return;
    case 'cdata':
      // A CDATA section cannot hold "]]>": split it across two sections.
      out.push(`<![CDATA[${n.value.replace(/\]\]>/g, ']]]]><![CDATA[>')}]]>`);
      return;
    case 'comment':
      out.push(`<!--${n.value}-->`);
      return;
    case 'pi':
      out.push(n.body ? `<?${n.target} ${n.body}?>` : `<?${n.target}?>`);
      return;
    case 'element': {
      out.push('<', n.name);
      for (const a of n.attributes) out.push(' ', a.name, '="', escAttr(a.value), '"');
      if (n.children.length === 0 && n.selfClosing) {
        out.push('/>');
        return;
      }
      out.push('>');
      for (const c of n.children) writeNode(c, out);
      out.push('</', n.name, '>');
    }
  }
}

/** Serialises a document to UTF-8 text (the declaration says utf-8; no BOM). */
export function serializeXml(doc: XmlDocument): string {
  const out: string[] = [];
  const d = doc.declaration;
  out.push(`<?xml version="${d?.version ?? '1.0'}" encoding="utf-8"${d?.standalone ? ` standalone="${d.standalone}"` : ''}?>\n`);
  for (const n of doc.before) {
    writeNode(n, out);
    out.push('\n');
  }
  writeNode(doc.root, out);
  out.push('\n');
  for (const n of doc.after) {
    writeNode(n, out);
    out.push('\n');
  }
  return out.join('');
}
