/**
 * What Windows knows of the answer-file format, so that `unattend check` can tell a real Windows component or
 * setting that has no meaning on Linux (a warning: ignored) from a name no Windows release knows (an error,
 * usually a typo). The names come from windows-reference.json, which scripts/derive-unattend-reference.mjs
 * derives from Microsoft's "Unattended Windows Setup Reference" as saved in data/unattend-reference/ (the
 * README there says which version of which page); no name is typed here. Component names match ignoring
 * case, as Windows matches them; setting names are case-sensitive.
 */
import reference from './windows-reference.json' with { type: 'json' };

/** A setting's children by name (an empty object for a leaf). */
export interface SettingTree {
  readonly [name: string]: SettingTree;
}

interface Entry {
  name: string;
  from: readonly string[];
  settings: SettingTree;
}

type Raw = { [name: string]: Raw | 0 };
const tree = (raw: Raw): SettingTree => Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, v === 0 ? {} : tree(v)]));

const ENTRIES: readonly Entry[] = Object.entries(reference.components).map(([name, c]) => ({
  name, from: c.from, settings: tree(c.settings as unknown as Raw),
}));
const BY_NAME = new Map(ENTRIES.map((e) => [e.name.toLowerCase(), e]));

/** Every component name of the reference. */
export const WINDOWS_COMPONENTS: readonly string[] = ENTRIES.map((e) => e.name);

/** Where the names come from: each source's repository, path, commit and release. */
export const REFERENCE_SOURCES: Readonly<Record<string, { release: string; file: string; repository?: string; path?: string; commit?: string }>> = reference.sources;

export function isWindowsComponent(name: string): boolean {
  return BY_NAME.has(name.toLowerCase());
}

/** The reference's spelling of a component name (matched ignoring case). */
export function windowsComponentName(name: string): string | undefined {
  return BY_NAME.get(name.toLowerCase())?.name;
}

/** The sources a component's names come from (ids of REFERENCE_SOURCES). */
export function componentSources(name: string): readonly string[] {
  return BY_NAME.get(name.toLowerCase())?.from ?? [];
}

/**
 * The settings the reference knows at a path inside a component (the element names from the component down,
 * without list keys), or undefined when the reference does not know the component or the path.
 */
export function windowsSettings(component: string, path: readonly string[] = []): SettingTree | undefined {
  let node: SettingTree | undefined = BY_NAME.get(component.toLowerCase())?.settings;
  for (const p of path) {
    if (!node) return undefined;
    node = Object.hasOwn(node, p) ? node[p] : undefined;
  }
  return node;
}
