import { defineProvider, ProviderContext } from './api.js';
import { editLines } from './_shared.js';

/**
 * The golden machine's name, wherever the distributions keep it: /etc/hostname (systemd, Debian,
 * Fedora, Arch), /etc/HOSTNAME (SUSE), HOSTNAME= in /etc/sysconfig/network (old RHEL),
 * PRETTY_HOSTNAME in /etc/machine-info, and the old name in /etc/hosts (Debian's `127.0.1.1 name`).
 * virt-sysprep leaves all of these unless told a new name. Specialize sets each clone's name.
 */
export function currentHostname(ctx: ProviderContext): string | undefined {
  for (const f of ['/etc/hostname', '/etc/HOSTNAME']) {
    const line = ctx.fs.readText(f)?.split('\n').map((l) => l.trim()).find((l) => l && !l.startsWith('#'));
    if (line) return line;
  }
  const m = /^HOSTNAME=["']?([^"'\n]+)/m.exec(ctx.fs.readText('/etc/sysconfig/network') ?? '');
  return m?.[1];
}

const KEEP_NAMES = new Set(['localhost', 'localhost.localdomain', 'localhost4', 'localhost6', 'ip6-localhost', 'ip6-loopback']);

export default defineProvider({
  id: 'hostname',
  summary: 'Remove the host name (/etc/hostname, machine-info, sysconfig) and its /etc/hosts entry',
  pass: 'generalize',
  defaultEnabled: true,
  run(ctx) {
    const old = currentHostname(ctx);
    const done: string[] = [];
    for (const f of ['/etc/hostname', '/etc/HOSTNAME']) if (ctx.fs.remove(f, 'the host name')) done.push(f);
    if (editLines(ctx, '/etc/machine-info', (lines) => lines.filter((l) => !/^\s*PRETTY_HOSTNAME=/.test(l)))) {
      done.push('/etc/machine-info');
    }
    if (editLines(ctx, '/etc/sysconfig/network', (lines) => lines.filter((l) => !/^\s*HOSTNAME=/.test(l)))) {
      done.push('/etc/sysconfig/network');
    }
    if (old) {
      const short = old.split('.')[0]!;
      const names = new Set([old, short].filter((n) => !KEEP_NAMES.has(n)));
      const edited = editLines(ctx, '/etc/hosts', (lines) => {
        const out: string[] = [];
        for (const line of lines) {
          const [body, ...comment] = line.split('#');
          const fields = body!.trim().split(/\s+/).filter(Boolean);
          if (fields.length < 2 || !fields.slice(1).some((f) => names.has(f))) {
            out.push(line);
            continue;
          }
          // on a line that names the host, its FQDN goes too ("127.0.1.1 golden.example.com golden",
          // where /etc/hostname says only "golden")
          const own = (f: string) => names.has(f) || (!KEEP_NAMES.has(short) && f.startsWith(short + '.') && !KEEP_NAMES.has(f));
          const kept = [fields[0]!, ...fields.slice(1).filter((f) => !own(f))];
          if (kept.length > 1) out.push(kept.join('\t') + (comment.length ? ' #' + comment.join('#') : ''));
          // an address left with no name is dropped: specialize writes the clone's own line
        }
        return out;
      }, 'removed the host name');
      if (edited) done.push('/etc/hosts');
    }
    // (never the name itself: the log stays in the image, and sysprep verify looks for it there)
    if (done.length) ctx.note(`removed the host name from ${done.join(', ')}`);
  },
});
