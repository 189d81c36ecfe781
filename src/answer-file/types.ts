/** Names shared by the answer-file modules (the passes are the model's: src/model/passes.ts). */

export const UNATTEND_NS = 'urn:schemas-microsoft-com:unattend';
export const WCM_NS = 'http://schemas.microsoft.com/WMIConfig/2002/State';


/** Replacement text for sensitive values once the pass that used them has been processed. */
export const SENSITIVE_DATA_DELETED = '*SENSITIVE*DATA*DELETED*';

export type Severity = 'error' | 'warning';

/** One finding about an answer file. Errors make it invalid (exit 2); warnings do not. */
export interface Diagnostic {
  severity: Severity;
  /** Stable identifier of the rule (`wrong-pass`, `bad-value`, `ignored-on-linux`, …). */
  code: string;
  file: string;
  line: number;
  column: number;
  pass?: string;
  component?: string;
  /** Path of the setting inside its component, list items with their key: `RunSynchronous/RunSynchronousCommand[Order=2]/Path`. */
  setting?: string;
  /** What is wrong and what to do about it. */
  message: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = [d.pass, d.component, d.setting].filter(Boolean).join(' › ');
  return `${d.file}:${d.line}:${d.column}: ${d.severity}: ${where ? `${where}: ` : ''}${d.message}`;
}
