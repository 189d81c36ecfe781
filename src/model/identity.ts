/**
 * Rules of a clone's identity that the planner (TypeScript) and the runner (bash) both apply.
 */

/** A generated host name is the OS id, a dash and this many characters of this alphabet (no 0/o, 1/l/i: easy to read out). */
export const HOSTNAME_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
export const HOSTNAME_RANDOM_LENGTH = 7;

/** The SSH host key types made when sshd's configuration names none (OpenSSH's own defaults). */
export const DEFAULT_HOST_KEY_TYPES = ['rsa', 'ecdsa', 'ed25519'] as const;
