/**
 * Helpers of the application-identity providers (docker … zerotier). Not providers themselves.
 * Everything goes through ctx.fs, so it is confined to the target, recorded, and skipped in a dry run.
 *
 * The rules they share, so that removing an agent's identity never takes anything else:
 * - An identity *file* is removed where its directory really is: a data directory moved to another
 *   volume through a link (/var/lib/docker -> /srv/docker) is an ordinary layout, and RootFs keeps
 *   the resolution inside the image. The file itself is never followed: a link named like an
 *   identity file is removed as a link, whatever it points at. A directory found where a file was
 *   expected is left alone, with a warning.
 * - An identity *directory* that is a link is left alone, with a warning: removing what it points
 *   at could take data that is not the application's, and removing only the link would leave the
 *   identity where it points.
 * - Configuration is read, and edited, only when it is a regular file (never through a link), and
 *   only the one setting that holds the identity changes; everything else survives byte for byte.
 */
import { ProviderContext } from './api.js';
import { joinTarget } from '../rootfs/rootfs.js';

/** "/opt/consul/" → "/opt/consul"; undefined for relative paths or values with variables in them. */
export function cleanPath(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (!v.startsWith('/') || /[$%{}`\n]/.test(v)) return undefined;
  const n = v.replace(/\/+$/, '').replace(/\/{2,}/g, '/');
  return n || '/';
}

/** Distinct paths, in order. */
export function distinct(paths: readonly (string | undefined)[]): string[] {
  return [...new Set(paths.filter((p): p is string => p !== undefined))];
}

/** Text of a configuration file when it is a regular file (a link is not read). */
export function configText(ctx: ProviderContext, p: string): string | undefined {
  if (!ctx.fs.lstat(p)?.isFile()) return undefined;
  return ctx.fs.readText(p);
}

/** Regular files matching the patterns (links and directories are skipped), each once. */
export function configFiles(ctx: Pick<ProviderContext, 'fs'>, patterns: readonly string[]): string[] {
  const out: string[] = [];
  for (const pattern of patterns) {
    for (const p of ctx.fs.glob(pattern, { throughLinks: false })) {
      if (ctx.fs.lstat(p)?.isFile() && !out.includes(p)) out.push(p);
    }
  }
  return out;
}

/** Remove one identity file (or a link of that name, not what it points at). */
export function removeFile(ctx: ProviderContext, id: string, p: string, detail?: string): boolean {
  const st = ctx.fs.lstat(p);
  if (!st) return false;
  if (st.isDirectory()) {
    ctx.log.warn(`${id}: left ${p} alone: it is a directory where ${id} keeps a file`);
    return false;
  }
  return ctx.fs.remove(p, detail);
}

/** Remove the identity files with these names (or shell patterns) in a directory. */
export function removeFilesIn(ctx: ProviderContext, id: string, dir: string, names: readonly string[]): number {
  let n = 0;
  for (const name of names) {
    const paths = /[*?[]/.test(name) ? ctx.fs.glob(joinTarget(dir, name), { dot: true, throughLinks: false }) : [joinTarget(dir, name)];
    for (const p of paths) if (removeFile(ctx, id, p)) n++;
  }
  return n;
}

/** Remove a whole identity directory; a link in its place is left alone, with a warning. */
export function removeDirectory(ctx: ProviderContext, id: string, p: string): boolean {
  const st = ctx.fs.lstat(p);
  if (!st) return false;
  if (st.isSymbolicLink()) {
    ctx.log.warn(`${id}: left ${p} alone: it is a link to ${ctx.fs.readLink(p)}, not ${id}'s own directory`);
    return false;
  }
  if (!st.isDirectory()) {
    ctx.log.warn(`${id}: left ${p} alone: it is not a directory`);
    return false;
  }
  return ctx.fs.remove(p);
}

/**
 * Remove the files (and links) directly in an identity directory, keeping the directory and any
 * subdirectory. A directory that is a link is left alone, with a warning.
 */
export function removeFilesOf(ctx: ProviderContext, id: string, dir: string, keep: (name: string) => boolean = () => false): number {
  const st = ctx.fs.lstat(dir);
  if (!st) return 0;
  if (st.isSymbolicLink()) {
    ctx.log.warn(`${id}: left ${dir} alone: it is a link to ${ctx.fs.readLink(dir)}, not ${id}'s own directory`);
    return 0;
  }
  if (!st.isDirectory()) return 0;
  let n = 0;
  for (const name of ctx.fs.list(dir).sort()) {
    if (keep(name)) continue;
    const p = joinTarget(dir, name);
    if (!ctx.fs.lstat(p)?.isDirectory() && ctx.fs.remove(p)) n++;
  }
  return n;
}

/** `key: value` of a flat YAML file (Salt, k3s), quotes removed; the last one wins, as in YAML. */
export function yamlValue(text: string, key: string): string | undefined {
  let value: string | undefined;
  const re = new RegExp(`^${key.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')}\\s*:\\s*(.*?)\\s*(#.*)?$`);
  for (const line of text.split('\n')) {
    const m = re.exec(line);
    if (m) value = m[1]!.replace(/^(["'])(.*)\1$/, '$2');
  }
  return value || undefined;
}

/** A top-level string setting of HCL (`key = "v"`) or JSON (`"key": "v"`) configuration. */
export function hclOrJsonString(text: string, key: string): string | undefined {
  const m = new RegExp(`^\\s*"?${key}"?\\s*[=:]\\s*"([^"]*)"`, 'm').exec(text);
  return m?.[1];
}
