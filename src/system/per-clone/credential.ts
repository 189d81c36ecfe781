/**
 * The systemd credential `sysprep.unattend` (SPEC 10): set by a hypervisor with SMBIOS type 11
 * (`io.systemd.credential[.binary]:sysprep.unattend=…`), fw_cfg (`opt/io.systemd.credentials/…`) or the
 * kernel command line (`systemd.set_credential[_binary]=`). systemd (v252+) imports them into
 * /run/credentials/@system/ (root only, never swapped out); a unit given the credential sees it in
 * $CREDENTIALS_DIRECTORY. It is read where systemd put it and never copied anywhere but the cache
 * and the plan (both 0600).
 */
import * as nodefs from 'node:fs';
import * as path from 'node:path';
import { CREDENTIAL_NAME, SYSTEM_CREDENTIALS_DIR } from '../../model/per-clone.js';
import { MAX_ANSWER_FILE_BYTES } from '../../answer-file/xml.js';
import { SysprepError } from '../../model/errors.js';
import type { PantherLog } from '../panther.js';
import type { PerCloneCandidate } from './types.js';

export function credentialCandidates(log: PantherLog): PerCloneCandidate[] {
  const dirs = [process.env.CREDENTIALS_DIRECTORY, SYSTEM_CREDENTIALS_DIR].filter((d): d is string => !!d);
  for (const dir of dirs) {
    const file = path.join(dir, CREDENTIAL_NAME);
    let st: nodefs.Stats | undefined;
    try {
      st = nodefs.statSync(file);
    } catch {
      continue;
    }
    if (!st.isFile()) continue;
    if (st.size > MAX_ANSWER_FILE_BYTES) throw new SysprepError('usage', `answer file ${file} (systemd credential): ${st.size} bytes is too large (at most ${MAX_ANSWER_FILE_BYTES})`);
    return [{ origin: 'credential', where: `${file} (systemd credential)`, bytes: nodefs.readFileSync(file) }];
  }
  log.info(`Answer file channel: no systemd credential ${CREDENTIAL_NAME} (${dirs.join(', ')})`);
  return [];
}
