/**
 * Exit codes of SPEC section 2, and the one error type that carries them.
 * Every failure that reaches the CLI is a SysprepError; main() maps it to its exit code.
 */
export const ExitCode = {
  ok: 0,
  /** a provider or pass failed while processing ("fatal") */
  fatal: 1,
  /** bad option, bad answer file: nothing changed */
  usage: 2,
  /** not root, another instance, version mismatch, not an OS root: nothing changed */
  environment: 3,
  /** a provider's validate step refused: nothing changed */
  validation: 4,
} as const;

export type ExitCodeName = keyof typeof ExitCode;

export class SysprepError extends Error {
  readonly exitCode: number;
  readonly kind: ExitCodeName;
  constructor(kind: ExitCodeName, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
    this.exitCode = ExitCode[kind];
    this.name = 'SysprepError';
  }
}

export const usageError = (message: string) => new SysprepError('usage', message);
export const environmentError = (message: string) => new SysprepError('environment', message);

/** The message of anything thrown, for logs. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
  }
  return String(err);
}
