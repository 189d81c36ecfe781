/**
 * Is a user-data blob an answer file? A config drive or a metadata service carries whatever the
 * platform's user gave it (cloud-config, a script, MIME multipart, …): it is an unattend.xml when its
 * root element is `unattend` (gzip-compressed user-data, as cloud-init accepts, is unpacked first).
 * What it is otherwise is said in a few words, never by quoting it: user-data may hold secrets.
 */
import { gunzipSync } from 'node:zlib';
import { decodeAnswerFileBytes, MAX_ANSWER_FILE_BYTES, parseXml } from '../../answer-file/xml.js';

export type Recognised = { answerFile: true; bytes: Uint8Array } | { answerFile: false; what: string };

export function recogniseUserData(input: Uint8Array, label: string): Recognised {
  let bytes = input;
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes, { maxOutputLength: MAX_ANSWER_FILE_BYTES + 1 });
    } catch {
      return { answerFile: false, what: 'gzip data that does not unpack' };
    }
  }
  if (bytes.length === 0) return { answerFile: false, what: 'empty' };
  const head = Buffer.from(bytes.subarray(0, 64)).toString('latin1');
  if (head.startsWith('#cloud-config')) return { answerFile: false, what: 'a cloud-config file' };
  if (head.startsWith('#!')) return { answerFile: false, what: 'a script' };
  if (/^(Content-Type|MIME-Version):/i.test(head)) return { answerFile: false, what: 'a MIME multi-part file' };
  if (head.startsWith('#')) return { answerFile: false, what: `a ${head.split(/\s/, 1)[0]} file` };
  try {
    const doc = parseXml(decodeAnswerFileBytes(bytes, label).text, label);
    if (doc.root.local === 'unattend') return { answerFile: true, bytes };
    return { answerFile: false, what: `XML whose root element is <${doc.root.name}>, not <unattend>` };
  } catch {
    return { answerFile: false, what: `${bytes.length} bytes that are not XML` };
  }
}
