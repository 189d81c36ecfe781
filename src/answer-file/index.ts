/**
 * Answer files (unattend.xml): read, checked, marked, scrubbed and serialised. See issue 3 and
 * shared/reference/windows-sysprep.md §3 and §5. Everything here is pure: bytes or text in, values out.
 */
export * from './types.js';
export { AnswerFileError, MAX_ANSWER_FILE_BYTES, serializeXml, type XmlDocument, type XmlElement, type XmlNode } from './xml.js';
export {
  parseAnswerFile, settingsBlocks, componentIdentity, hasSettingsForPass, markPassProcessed, isPassProcessed, parseBoolean,
  type AnswerFileDocument, type SettingsBlock, type ComponentBlock, type ComponentIdentity,
} from './reader.js';
export { checkAnswerFile, checkAnswerFileBytes, type CheckReport, type PassReport, type SettingReport } from './check.js';
export {
  scrubSensitive, listSensitiveStrings, decodeHiddenPassword, encodeHiddenPassword, readPassword, isSensitiveElement,
  type PasswordValue,
} from './sensitive.js';
export { COMPONENTS, componentSpec, computerNameProblem, type ComponentSpec, type SettingSpec, type ValueRule } from './schema.js';
export * from './settings.js';
export * from './mappings.js';

import { serializeXml, type XmlDocument } from './xml.js';
/** Serialises an answer file back to UTF-8 text (the declaration says utf-8). */
export function serialize(doc: XmlDocument): string {
  return serializeXml(doc);
}
