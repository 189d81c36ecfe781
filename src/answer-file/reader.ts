/**
 * The answer-file reader: bytes or text → an AnswerFileDocument (the DOM plus where it came from), and a
 * structural view of it: `<settings pass="…">` blocks, their `<component>`s with the identity attributes
 * (matched ignoring case) and their settings.
 *
 * Pure: strings and buffers in; no file-system access.
 */
import { UNATTEND_NS, WCM_NS, type Diagnostic } from './types.js';
import { type AnswerPass } from '../model/passes.js';
import { isAnswerPass, ANSWER_PASSES } from '../model/passes.js';
import {
  AnswerFileError,
  attribute,
  attributeCI,
  childElements,
  decodeAnswerFileBytes,
  MAX_ANSWER_FILE_BYTES,
  parseXml,
  refuseUnsafeXml,
  setAttribute,
  textOf,
  type TextEncodingName,
  type XmlDocument,
  type XmlElement,
} from './xml.js';

export interface AnswerFileDocument extends XmlDocument {
  /** The name used in diagnostics (usually the path given on the command line). */
  file: string;
  /** How the bytes were decoded. */
  encoding: TextEncodingName;
  bom: boolean;
  /** Warnings found while reading (a declaration that contradicts the BOM, …). */
  readWarnings: Diagnostic[];
}

/**
 * Reads an answer file. Input is the file's bytes (any supported encoding) or already-decoded text.
 * Throws AnswerFileError (file, line, column) for a file too large, a bad encoding, a DOCTYPE or entity
 * declaration, XML that is not well-formed, or a root element other than `<unattend>` in the unattend
 * namespace.
 */
export function parseAnswerFile(input: Uint8Array | string, file = 'unattend.xml'): AnswerFileDocument {
  let text: string;
  let encoding: TextEncodingName = 'utf-8';
  let bom = false;
  const readWarnings: Diagnostic[] = [];
  if (typeof input === 'string') {
    if (input.length > MAX_ANSWER_FILE_BYTES) {
      throw new AnswerFileError('too-large', file, 1, 1, `the answer file is over ${MAX_ANSWER_FILE_BYTES} bytes (10 MiB): refused`);
    }
    text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  } else {
    const d = decodeAnswerFileBytes(input, file);
    text = d.text;
    encoding = d.encoding;
    bom = d.bom;
    for (const w of d.warnings) readWarnings.push({ severity: 'warning', code: 'encoding', file, line: w.line, column: w.column, message: w.message });
  }
  refuseUnsafeXml(text, file);
  const doc = parseXml(text, file);
  const r = doc.root;
  if (r.local !== 'unattend' || r.uri !== UNATTEND_NS) {
    const what = r.uri ? `<${r.name}> in namespace "${r.uri}"` : `<${r.name}> without a namespace`;
    throw new AnswerFileError('not-answer-file', file, r.line, r.column,
      `the root element is ${what}; an answer file starts with <unattend xmlns="${UNATTEND_NS}">`);
  }
  return { ...doc, file, encoding, bom, readWarnings };
}

// ---------------------------------------------------------------------------------------------------------
// Structure

export interface ComponentIdentity {
  name: string;
  processorArchitecture?: string;
  publicKeyToken?: string;
  language?: string;
  versionScope?: string;
}

export interface ComponentBlock {
  element: XmlElement;
  identity: ComponentIdentity;
  /** The top-level setting elements. */
  settings: XmlElement[];
}

export interface SettingsBlock {
  element: XmlElement;
  /** The pass attribute as written ('' when missing). */
  pass: string;
  /** The pass, when it is one of the seven. */
  knownPass: AnswerPass | undefined;
  /** Marked wasPassProcessed="true". */
  processed: boolean;
  components: ComponentBlock[];
}

const IDENTITY = ['name', 'processorArchitecture', 'publicKeyToken', 'language', 'versionScope'] as const;

/** The identity attributes of a `<component>`, found ignoring the case of the attribute names. */
export function componentIdentity(el: XmlElement): ComponentIdentity {
  const id: ComponentIdentity = { name: '' };
  for (const k of IDENTITY) {
    const a = attributeCI(el, k);
    if (a !== undefined) (id as unknown as Record<string, string>)[k] = a.value.trim();
  }
  return id;
}

export function isProcessed(settings: XmlElement): boolean {
  return (attributeCI(settings, 'wasPassProcessed')?.value.trim().toLowerCase() ?? '') === 'true';
}

/** The `<settings>` blocks of a document, in document order. */
export function settingsBlocks(doc: XmlDocument): SettingsBlock[] {
  const out: SettingsBlock[] = [];
  for (const s of childElements(doc.root)) {
    if (s.local !== 'settings' || s.uri !== UNATTEND_NS) continue;
    const pass = (attribute(s, 'pass') ?? '').trim();
    const components: ComponentBlock[] = [];
    for (const c of childElements(s)) {
      if (c.local !== 'component' || c.uri !== UNATTEND_NS) continue;
      components.push({ element: c, identity: componentIdentity(c), settings: childElements(c) });
    }
    out.push({ element: s, pass, knownPass: isAnswerPass(pass) ? pass : undefined, processed: isProcessed(s), components });
  }
  return out;
}

/** Number of leaf settings (elements without element children) under an element. */
export function countLeaves(el: XmlElement): number {
  let n = 0;
  let kids = false;
  for (const c of el.children) {
    if (c.type !== 'element') continue;
    kids = true;
    n += countLeaves(c);
  }
  return kids ? n : 1;
}

/**
 * True when the document has settings for the pass that were not processed yet: a `<settings pass=…>`
 * block with at least one component that has at least one setting. With `includeProcessed`, blocks marked
 * wasPassProcessed="true" count too.
 */
export function hasSettingsForPass(doc: XmlDocument, pass: AnswerPass, options: { includeProcessed?: boolean } = {}): boolean {
  for (const b of settingsBlocks(doc)) {
    if (b.pass !== pass) continue;
    if (b.processed && !options.includeProcessed) continue;
    if (b.components.some((c) => c.settings.length > 0)) return true;
  }
  return false;
}

/** Marks every `<settings>` block of the pass wasPassProcessed="true" (what Windows writes to its cached copy). */
export function markPassProcessed(doc: XmlDocument, pass: AnswerPass): number {
  let n = 0;
  for (const b of settingsBlocks(doc)) {
    if (b.pass !== pass) continue;
    setAttribute(b.element, 'wasPassProcessed', 'true');
    n++;
  }
  return n;
}

/** True when every `<settings>` block of the pass is marked processed (and there is at least one). */
export function isPassProcessed(doc: XmlDocument, pass: AnswerPass): boolean {
  const blocks = settingsBlocks(doc).filter((b) => b.pass === pass);
  return blocks.length > 0 && blocks.every((b) => b.processed);
}

/** The wcm:action of a list item ('' when absent). */
export function wcmAction(el: XmlElement): string {
  return (attribute(el, 'action', WCM_NS) ?? '').trim();
}

/** The wcm:keyValue of a list item, if any. */
export function wcmKeyValue(el: XmlElement): string | undefined {
  return attribute(el, 'keyValue', WCM_NS);
}

/** Case-insensitive boolean: 'true'/'false' in any case (surrounding space ignored); undefined otherwise. */
export function parseBoolean(v: string): boolean | undefined {
  const t = v.trim().toLowerCase();
  return t === 'true' ? true : t === 'false' ? false : undefined;
}

/** Text of the first child element with that name, trimmed. */
export function childText(el: XmlElement, name: string): string | undefined {
  for (const c of el.children) if (c.type === 'element' && c.local === name) return textOf(c).trim();
  return undefined;
}

export { ANSWER_PASSES };
