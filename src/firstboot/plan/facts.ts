import { parseXkbRegistry, type XkbLayout } from '../../answer-file/index.js';
import { loadTarget } from '../../system/target.js';
import type { RootFs } from '../../rootfs/rootfs.js';
import { groupNames, sshHostKeyFiles } from '../../system/host.js';
import { allProviders } from '../../providers/index.js';
import type { Regeneration } from '../../providers/api.js';

/** What the planner reads of the image, once. */
export interface ImageFacts {
  fs: RootFs;
  osId: string;
  groups: string[];
  accounts: string[];
  /** the host key types and files its sshd uses */
  hostKeys: { type: string; file: string }[];
  /** what packages made for the golden machine that the clone makes again (the providers' regenerate) */
  regenerations: Regeneration[];
  hasEula: boolean;
  zoneinfo(iana: string): boolean;
  /** is the locale compiled in the image (locale-archive or a directory of its own)? */
  localeCompiled(locale: string): boolean;
  xkb?: readonly XkbLayout[];
}

/** glibc's normalized name of a locale: en_US.UTF-8 → en_US.utf8. */
export function normalizedLocale(locale: string): string {
  const [name, rest] = locale.split('.', 2) as [string, string | undefined];
  if (rest === undefined) return name;
  const [charset, modifier] = rest.split('@', 2) as [string, string | undefined];
  return `${name}.${charset.toLowerCase().replace(/[^a-z0-9]/g, '')}${modifier ? `@${modifier}` : ''}`;
}

export function imageFacts(fs: RootFs): ImageFacts {
  const target = loadTarget(fs);
  const registry = fs.readText('/usr/share/X11/xkb/rules/evdev.xml');
  let xkb: XkbLayout[] | undefined;
  try {
    xkb = registry ? parseXkbRegistry(registry) : undefined;
  } catch {
    xkb = undefined;
  }
  let archive: Buffer | undefined;
  const localeCompiled = (locale: string) => {
    const norm = normalizedLocale(locale);
    if (fs.isFile(`/usr/lib/locale/${norm}/LC_CTYPE`)) return true;
    archive ??= fs.readBytes('/usr/lib/locale/locale-archive') ?? Buffer.alloc(0);
    // the archive's name table holds each locale's name, NUL-terminated
    return archive.includes(Buffer.from(`\0${norm}\0`)) || archive.indexOf(Buffer.from(`${norm}\0`)) === 0;
  };
  return {
    fs,
    osId: target.os.id,
    localeCompiled,
    groups: groupNames(fs),
    accounts: target.accounts.map((a) => a.name),
    hostKeys: fs.isDirectory('/etc/ssh') ? sshHostKeyFiles(fs) : [],
    regenerations: packageRegenerations(fs),
    hasEula: fs.isFile('/etc/sysprep/eula.txt'),
    zoneinfo: (iana) => !iana.includes('..') && fs.isFile(`/usr/share/zoneinfo/${iana}`),
    ...(xkb?.length ? { xkb } : {}),
  };
}

/**
 * What the generalize providers say the clone must make again, as they left the tree: each gives an
 * item only where what it removes is missing and the package's tool is in the image, so an opt-in
 * provider that did not run gives none.
 */
export function packageRegenerations(fs: RootFs): Regeneration[] {
  const out: Regeneration[] = [];
  for (const p of allProviders(fs)) {
    if (p.pass !== 'generalize' || !p.regenerate) continue;
    out.push(...p.regenerate(fs));
  }
  return out;
}
