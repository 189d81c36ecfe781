/** The System Preparation Tool dialog (SPEC 2.3). Being built: see the helper's work. */
export interface DialogOptions {
  /** the target shown in the dialog ("/" = this running system) */
  target: string;
}
/** Resolves to the chosen command line (e.g. ['/oobe', '/generalize', '/quit']) or undefined on Cancel. */
export async function runDialog(_options: DialogOptions): Promise<string[] | undefined> {
  throw new Error('the dialog is not built yet');
}
