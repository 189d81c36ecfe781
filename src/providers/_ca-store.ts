/**
 * The system CA store after a provider removed trust anchors (virt-sysprep's `update_system_ca_store`
 * side effect). Removing /usr/local/share/ca-certificates/ipa-ca.crt alone leaves its hashed link in
 * /etc/ssl/certs and its PEM inside ca-certificates.crt, so every clone would still trust the CA the
 * image was enrolled with. The image's own tool rebuilds the store: `update-ca-certificates` (Debian,
 * Ubuntu, SUSE) or `update-ca-trust extract` (the Red Hat family), in a chroot for an offline root.
 */
import { runInTarget } from '../system/chroot.js';
import { ProviderContext } from './api.js';
import { diff, recordDiff, snapshot, Tree } from '../system/tree.js';

interface StoreTool {
  argv: string[];
  /** what the tool writes, compared before and after so the changes are reported */
  outputs: string[];
}

const TOOLS: { program: string; tool: StoreTool }[] = [
  // --fresh: without it the links of a removed certificate stay when nothing else changed (Debian's
  // script only prunes orphans after adding or removing one of its own); SUSE's takes it too
  { program: '/usr/sbin/update-ca-certificates', tool: { argv: ['update-ca-certificates', '--fresh'], outputs: ['/etc/ssl/certs'] } },
  { program: '/usr/bin/update-ca-trust', tool: { argv: ['update-ca-trust', 'extract'], outputs: ['/etc/pki/ca-trust/extracted'] } },
];

/** The image's CA store tool, or undefined when it has none (nothing then reads the removed anchors). */
export function caStoreTool(ctx: ProviderContext): StoreTool | undefined {
  for (const { program, tool } of TOOLS) {
    // usr-merged or not: /usr/sbin and /sbin are the same directory on most images, /usr/bin too
    if (ctx.fs.isFile(program) || ctx.fs.isFile(program.replace('/usr/', '/'))) return tool;
  }
  return undefined;
}

/** The tool's output directories, keyed by target path. */
function outputs(ctx: ProviderContext, dirs: readonly string[]): Tree {
  const all: Tree = new Map();
  for (const dir of dirs) {
    if (!ctx.fs.isDirectory(dir)) continue;
    for (const [rel, entry] of snapshot(ctx.fs.resolve(dir), { dirMtimes: false })) all.set(rel === '/' ? dir : dir + rel, entry);
  }
  return all;
}

/**
 * Rebuild the CA store because `why` (the anchors removed). A failure throws: a clone that still
 * trusts the removed CA is what this provider exists to prevent.
 */
export function refreshCaStore(ctx: ProviderContext, why: string): void {
  const tool = caStoreTool(ctx);
  if (!tool) {
    ctx.note(`no CA store tool in the image (update-ca-certificates, update-ca-trust): nothing to rebuild after ${why}`);
    return;
  }
  const command = tool.argv.join(' ');
  if (ctx.options.dryRun) {
    ctx.note(`would rebuild the CA store (${command}) after ${why}`);
    return;
  }
  const before = outputs(ctx, tool.outputs);
  const r = runInTarget(ctx.fs, tool.argv, { timeoutMs: 300_000 });
  for (const line of r.output.trim().split('\n').filter(Boolean)) ctx.log.info(`${command}: ${line}`);
  if (r.status !== 0) throw new Error(`${command} failed with exit code ${r.status} after ${why}; the CA store may still trust them`);
  const changed = recordDiff(ctx.fs, diff(before, outputs(ctx, tool.outputs)), `by ${command}`);
  ctx.note(`rebuilt the CA store (${command}: ${changed} ${changed === 1 ? 'file' : 'files'} changed)`);
}
