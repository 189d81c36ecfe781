import type { PerCloneOrigin } from '../../model/per-clone.js';

/** An answer file a per-clone channel offers (SPEC 10). */
export interface PerCloneCandidate {
  origin: PerCloneOrigin;
  /** for the log and messages: where it was read (a file, a device, a URL); never its content */
  where: string;
  bytes: Uint8Array;
}
