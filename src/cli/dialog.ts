/** The System Preparation Tool dialog (SPEC 2.3). */
export async function runDialog(): Promise<string[] | undefined> {
  throw new Error('dialog not built yet');
}
