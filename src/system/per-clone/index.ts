/**
 * The per-clone channels of the answer-file search (SPEC 10), gathered once at a clone's boot, in
 * their order: the systemd credential, config drives, the cloud metadata service. Each channel logs
 * what it found or why it found nothing; what they offer is checked and taken (or not) by the search
 * (answer-search.ts).
 */
import type { PantherLog } from '../panther.js';
import { configDriveCandidates } from './config-drive.js';
import { credentialCandidates } from './credential.js';
import { metadataCandidates } from './metadata.js';
import type { PerCloneCandidate } from './types.js';

export type { PerCloneCandidate } from './types.js';

export async function perCloneCandidates(log: PantherLog): Promise<PerCloneCandidate[]> {
  return [...credentialCandidates(log), ...configDriveCandidates(log), ...(await metadataCandidates(log))];
}
