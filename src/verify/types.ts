/**
 * `sysprep verify` (SPEC 9): what a scan reports. Three kinds of finding, each from its own module:
 * - `fingerprint`: one of the golden machine's own values (fingerprints.ts records them as salted
 *   digests at the start of /generalize; scan.ts finds their copies in every form);
 * - `secret`: a secret by rule (secrets.ts: secretlint's recommended preset plus Linux-image rules);
 * - `unowned`: a file under /etc or /var/lib that no package owns and that looks like a machine's
 *   key or id (unowned.ts, from the package manager's own file lists).
 */

export type Severity = 'high' | 'medium' | 'low';

export type FindingKind = 'fingerprint' | 'secret' | 'unowned';

/** Where in a file: a line (text) or a byte offset (binary); `inside` names a compressed stream. */
export interface Place {
  /** 1-based line of a text file (or of the decompressed text) */
  line?: number;
  /** 0-based byte offset (of the decompressed stream when `inside` is set) */
  offset?: number;
  /** the file is compressed: gzip, xz, zstd; line/offset count in what it holds */
  inside?: 'gzip' | 'xz' | 'zstd';
  /** the finding is the file's name (a path holding an id), not its contents */
  name?: true;
}

export interface Finding {
  kind: FindingKind;
  /** the file, as a path in the target (/var/log/syslog) */
  path: string;
  place: Place;
  /**
   * fingerprint: what was found (`machine-id`, `host-name`, `mac`, `ssh-host-key:ed25519`, …);
   * secret: the rule (`secretlint/privatekey`, `linux/shadow-password`, …); unowned: `unowned/key`, `unowned/id`
   */
  rule: string;
  severity: Severity;
  /** one line for people; never the secret itself */
  message: string;
  /** the provider or setting that removes it, when one does (filled in by the scan) */
  fix?: string;
  /** the same thing is in the file this many times in all (`place` is the first) */
  count?: number;
}

/** What a secret rule sees of the run (the accounts the user chose to keep are not findings). */
export interface SecretContext {
  /** accounts whose passwords were kept on purpose ('*' = all) */
  keepAccounts: readonly string[];
}

/** A secret found by rule, before the scan adds the path and the fix. */
export interface SecretHit {
  rule: string;
  severity: Severity;
  message: string;
  line?: number;
  offset?: number;
}
