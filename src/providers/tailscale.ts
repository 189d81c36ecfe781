import { defineProvider, ProviderContext } from './api.js';
import { cleanPath, configText, distinct, removeDirectory, removeFile, removeFilesIn } from './_identity.js';
import { count } from './_shared.js';

/**
 * Tailscale's node state: tailscaled.state holds the machine key, the node key and the login
 * profile, "sensitive data necessary for identifying the device to your Tailscale network"; a copy
 * of it is a clone of the node ("Secure node state storage", https://tailscale.com/kb/1596/secure-node-state-storage).
 * Next to it, in the state directory: tailscaled.log*.conf, the node's private log ID, and certs/,
 * the TLS certificates and keys `tailscale cert` obtained for the node's own tailnet name. The state
 * file is `--state` (or `--statedir`/tailscaled.state) in FLAGS of /etc/default/tailscaled (Debian,
 * Tailscale's packages; /etc/sysconfig/tailscaled on RHEL), default /var/lib/tailscale/tailscaled.state.
 * The FLAGS file, the Taildrop inbox and the DERP map cache stay; a clone logs in anew (an auth key in
 * the builder's first-boot configuration does it unattended).
 */
const DEFAULT_DIR = '/var/lib/tailscale';

/** The value of `--name=v` or `--name v` in a FLAGS string. */
export function flagValue(flags: string, name: string): string | undefined {
  const m = new RegExp(`(?:^|[\\s"'])--?${name}(?:=|\\s+)["']?([^\\s"']+)`).exec(flags);
  return m?.[1];
}

export interface TailscaleLocations {
  /** state files to remove */
  stateFiles: string[];
  /** directories whose tailscaled.log*.conf go */
  logDirs: string[];
  /** directories that are tailscaled's own, whose certs/ goes */
  stateDirs: string[];
}

export function tailscaleLocations(ctx: ProviderContext): TailscaleLocations {
  const stateFiles: (string | undefined)[] = [];
  const logDirs: (string | undefined)[] = [];
  const stateDirs: (string | undefined)[] = [];
  for (const f of ['/etc/default/tailscaled', '/etc/sysconfig/tailscaled']) {
    const text = configText(ctx, f);
    if (text === undefined) continue;
    const state = flagValue(text, 'state');
    // --state=kube:secret, arn:aws:ssm:… or mem: keep the state elsewhere
    const stateFile = state && state.startsWith('/') ? cleanPath(state) : undefined;
    const stateDir = cleanPath(flagValue(text, 'statedir'));
    stateFiles.push(stateFile);
    if (stateDir) stateFiles.push(`${stateDir}/tailscaled.state`);
    stateDirs.push(stateDir);
    logDirs.push(stateDir);
    if (stateFile) {
      // without --statedir, tailscaled keeps the rest next to the state file: its log ID there, and
      // its certs/ too, but only a directory of tailscale's own is trusted with removing a "certs"
      const dir = stateFile.slice(0, stateFile.lastIndexOf('/')) || '/';
      logDirs.push(dir);
      if (!stateDir && /tailscale/i.test(dir)) stateDirs.push(dir);
    }
  }
  stateFiles.push(`${DEFAULT_DIR}/tailscaled.state`);
  logDirs.push(DEFAULT_DIR);
  stateDirs.push(DEFAULT_DIR);
  return { stateFiles: distinct(stateFiles), logDirs: distinct(logDirs), stateDirs: distinct(stateDirs) };
}

export default defineProvider({
  id: 'tailscale',
  summary: "Remove Tailscale's node state (machine and node keys, login), log ID and node certificates",
  pass: 'generalize',
  identity: ['/var/lib/tailscale/tailscaled.state'],
  defaultEnabled: true,
  run(ctx) {
    let n = 0;
    const { stateFiles, logDirs, stateDirs } = tailscaleLocations(ctx);
    for (const f of stateFiles) if (removeFile(ctx, 'tailscale', f, 'node state')) n++;
    for (const dir of logDirs) n += removeFilesIn(ctx, 'tailscale', dir, ['tailscaled.log*.conf']);
    for (const dir of stateDirs) if (removeDirectory(ctx, 'tailscale', `${dir}/certs`)) n++;
    if (n) ctx.note(`removed ${count(n, 'node identity path')}`);
  },
});
