/**
 * Sensitive data in answer files (windows-sysprep.md §5.5): which elements hold secrets, decoding of hidden
 * (`PlainText=false`) passwords, scrubbing of a processed pass and the list of every secret a document holds
 * (so callers can assert that none reaches a log or --json output).
 *
 * Pure: works on the DOM only.
 */
import { type AnswerPass } from '../model/passes.js';
import { SENSITIVE_DATA_DELETED, UNATTEND_NS } from './types.js';
import { attribute, childElements, setText, textOf, type XmlDocument, type XmlElement } from './xml.js';

/**
 * True for an element whose content is a secret: any `…Password` element (AdministratorPassword,
 * LocalAccount/Password, AutoLogon/Password, Credentials/Password, MachinePassword, …), a product key and a
 * domain-join provisioning blob.
 */
export function isSensitiveElement(el: XmlElement): boolean {
  const n = el.local;
  return n.endsWith('Password') || n === 'ProductKey' || n === 'AccountData';
}

/**
 * Decodes a hidden password (WSIM "Hide sensitive data"): base64 of the UTF-16LE text of the password followed
 * by the name of its element (`Password`, `AdministratorPassword`, …), which is stripped. Throws an Error with
 * a message fit for a diagnostic when the value is not of that form.
 */
export function decodeHiddenPassword(value: string, elementName: string): string {
  const b64 = value.replace(/\s+/g, '');
  if (b64 === '') return '';
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.length % 4 === 1) {
    throw new Error('PlainText is false but the value is not base64; write the password with PlainText true, or hide it again with an answer-file editor');
  }
  const bytes = Buffer.from(b64, 'base64');
  if (bytes.length % 2 !== 0) {
    throw new Error('PlainText is false but the value does not decode to UTF-16LE text; hide the password again with an answer-file editor');
  }
  const text = bytes.toString('utf16le');
  if (!text.endsWith(elementName)) {
    throw new Error(`PlainText is false but the decoded value does not end with "${elementName}" as hidden passwords do; hide the password again with an answer-file editor`);
  }
  return text.slice(0, text.length - elementName.length);
}

/** The inverse of decodeHiddenPassword (for tests and for tools that write answer files). */
export function encodeHiddenPassword(password: string, elementName: string): string {
  return Buffer.from(password + elementName, 'utf16le').toString('base64');
}

export interface PasswordValue {
  /** The password in clear (decoded when it was hidden); undefined when absent, deleted or undecodable. */
  value: string | undefined;
  /** Written with PlainText=false. */
  hidden: boolean;
  /** Replaced by *SENSITIVE*DATA*DELETED* (the pass that used it was processed). */
  deleted: boolean;
  /** Why the value could not be decoded. */
  error?: string;
}

function child(el: XmlElement, local: string): XmlElement | undefined {
  for (const c of el.children) if (c.type === 'element' && c.local === local) return c;
  return undefined;
}

/**
 * Reads a password element: either `<Password><Value>…</Value><PlainText>…</PlainText></Password>` (the
 * Shell-Setup form) or `<Password>text</Password>` (Credentials).
 */
export function readPassword(el: XmlElement): PasswordValue {
  const valueEl = child(el, 'Value');
  if (!valueEl) {
    const t = textOf(el);
    if (t.trim() === SENSITIVE_DATA_DELETED) return { value: undefined, hidden: false, deleted: true };
    return { value: childElements(el).length ? undefined : t, hidden: false, deleted: false };
  }
  const raw = textOf(valueEl);
  if (raw.trim() === SENSITIVE_DATA_DELETED) return { value: undefined, hidden: false, deleted: true };
  const plain = child(el, 'PlainText');
  const hidden = plain !== undefined && textOf(plain).trim().toLowerCase() === 'false';
  if (!hidden) return { value: raw, hidden: false, deleted: false };
  try {
    return { value: decodeHiddenPassword(raw, el.local), hidden: true, deleted: false };
  } catch (e) {
    return { value: undefined, hidden: true, deleted: false, error: (e as Error).message };
  }
}

/** The `<settings>` elements of a document, optionally only those of one pass. */
export function settingsElements(doc: XmlDocument, pass?: AnswerPass | string): XmlElement[] {
  const out: XmlElement[] = [];
  for (const s of childElements(doc.root)) {
    if (s.local !== 'settings' || s.uri !== UNATTEND_NS) continue;
    if (pass !== undefined && attribute(s, 'pass') !== pass) continue;
    out.push(s);
  }
  return out;
}

function collectSensitive(el: XmlElement, out: XmlElement[]): void {
  for (const c of el.children) {
    if (c.type !== 'element') continue;
    if (isSensitiveElement(c)) out.push(c);
    else collectSensitive(c, out);
  }
}

/** Every sensitive element of a document (or of one pass), outermost only. */
export function sensitiveElements(doc: XmlDocument, pass?: AnswerPass | string): XmlElement[] {
  const out: XmlElement[] = [];
  for (const s of settingsElements(doc, pass)) collectSensitive(s, out);
  return out;
}

/**
 * Replaces the sensitive values of one pass by `*SENSITIVE*DATA*DELETED*`, as Windows does in its cached answer
 * file at the end of each pass: a password element loses its Value/PlainText children and holds the marker as
 * text; a product key (or the Key of UserData/ProductKey) holds the marker. Returns how many values were
 * replaced (already-deleted and empty values are left as they are).
 */
export function scrubSensitive(doc: XmlDocument, pass: AnswerPass | string): number {
  let n = 0;
  for (const el of sensitiveElements(doc, pass)) {
    const target = el.local === 'ProductKey' ? (child(el, 'Key') ?? el) : el;
    if (childElements(target).length === 0) {
      if (textOf(target).trim() === SENSITIVE_DATA_DELETED) continue;
    } else if (readPassword(target).deleted) continue;
    setText(target, SENSITIVE_DATA_DELETED);
    n++;
  }
  return n;
}

/**
 * Every secret string in the document (all passes, or one): raw values, hidden values as written and decoded,
 * product keys, credentials. Empty strings and the deletion marker are left out. Use it to assert that no
 * secret reaches a log or a report.
 */
export function listSensitiveStrings(doc: XmlDocument, pass?: AnswerPass | string): string[] {
  const out = new Set<string>();
  const addText = (s: string | undefined) => {
    if (s === undefined) return;
    const t = s.trim();
    if (t !== '' && t !== SENSITIVE_DATA_DELETED) out.add(t);
  };
  for (const el of sensitiveElements(doc, pass)) {
    if (el.local === 'ProductKey') {
      const key = child(el, 'Key');
      addText(textOf(key ?? el));
      continue;
    }
    const valueEl = child(el, 'Value');
    if (valueEl) addText(textOf(valueEl));
    else if (!childElements(el).length) addText(textOf(el));
    const p = readPassword(el);
    if (p.hidden) addText(p.value);
  }
  return [...out];
}
