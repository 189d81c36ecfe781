import type { RootFs } from '../rootfs/rootfs.js';
import { defineProvider, type Regeneration } from './api.js';
import { count } from './_shared.js';

/**
 * A PostgreSQL cluster's identity is in its data: initdb writes a random *system identifier* into
 * global/pg_control, and replication, pg_rewind and backup tools (pgBackRest, Barman) tell clusters
 * apart by it (pg_controldata(1); a standby must share its primary's, and a backup repository refuses
 * a cluster whose identifier it does not expect). Clones of an image with a cluster all carry the
 * golden machine's. It cannot be changed in place: only a new initdb makes a new one, and that is a new,
 * empty cluster. Hence opt-in, and `sysprep verify` reports the cluster with this provider as the fix.
 *
 * At generalize (when selected: `--providers defaults,postgresql-cluster`) each cluster of Debian's
 * layout (/etc/postgresql/VERSION/NAME, data in `data_directory`, by default /var/lib/postgresql/VERSION/NAME)
 * has its data directory emptied (the directory itself, its owner and mode stay); its configuration in
 * /etc stays. At first boot the clone makes the cluster again the way pg_createcluster makes it:
 * initdb as postgres, with the locale the cluster was made with (its lc_messages, which initdb wrote),
 * UTF-8, peer and scram-sha-256 authentication, and the configuration files initdb puts in the data
 * directory removed (Debian keeps them in /etc), before the cluster's unit starts.
 */
const CONF_GLOB = '/etc/postgresql/*/*/postgresql.conf';

interface Cluster {
  version: string;
  name: string;
  dataDir: string;
  locale: string;
}

function setting(text: string, key: string): string | undefined {
  let value: string | undefined;
  for (const line of text.split('\n')) {
    const m = new RegExp(`^\\s*${key}\\s*=\\s*'([^']*)'`).exec(line);
    if (m) value = m[1];
  }
  return value;
}

function clusters(fs: RootFs): Cluster[] {
  const out: Cluster[] = [];
  for (const conf of fs.glob(CONF_GLOB)) {
    const [, , , version, name] = conf.split('/') as [string, string, string, string, string];
    if (!/^\d+(\.\d+)?$/.test(version) || !/^[A-Za-z0-9_.-]+$/.test(name)) continue;
    const text = fs.readText(conf) ?? '';
    const dataDir = setting(text, 'data_directory') ?? `/var/lib/postgresql/${version}/${name}`;
    if (!dataDir.startsWith('/') || /[\s'"$`\\]/.test(dataDir)) continue;
    const locale = setting(text, 'lc_messages') ?? 'C.UTF-8';
    out.push({ version, name, dataDir, locale: /^[A-Za-z0-9_.@-]+$/.test(locale) ? locale : 'C.UTF-8' });
  }
  return out;
}

export default defineProvider({
  id: 'postgresql-cluster',
  summary: "Empty each PostgreSQL cluster's data directory; the clone makes a new cluster (initdb) at first boot (opt-in: destroys the cluster's data)",
  pass: 'generalize',
  defaultEnabled: false,
  run(ctx) {
    let n = 0;
    for (const c of clusters(ctx.fs)) {
      if (!ctx.fs.isFile(`${c.dataDir}/global/pg_control`)) continue;
      if (ctx.fs.lstat(c.dataDir)?.isSymbolicLink()) {
        ctx.log.warn(`postgresql-cluster: left ${c.dataDir} alone: it is a link, not the cluster's own directory`);
        continue;
      }
      ctx.fs.emptyDirectory(c.dataDir);
      n++;
    }
    if (n) ctx.note(`emptied ${count(n, 'PostgreSQL cluster')}; the clone makes each one anew (initdb) at first boot`);
  },
  regenerate(fs) {
    const out: Regeneration[] = [];
    for (const c of clusters(fs)) {
      const initdb = `/usr/lib/postgresql/${c.version}/bin/initdb`;
      if (!fs.isFile(initdb) || !fs.isDirectory(c.dataDir) || fs.list(c.dataDir).length) continue;
      out.push({
        id: `postgresql-cluster-${c.version}-${c.name}`,
        out: '',
        argv: ['/bin/sh', '-c',
          `/usr/sbin/runuser -u postgres -- ${initdb} -D "$1" --locale="$2" --encoding=UTF8 --auth-local=peer --auth-host=scram-sha-256 --no-instructions >/dev/null && ` +
          'rm -f "$1/postgresql.conf" "$1/pg_hba.conf" "$1/pg_ident.conf"',
          'postgresql-cluster', c.dataDir, c.locale],
        before: [`postgresql@${c.version}-${c.name}.service`, 'postgresql.service'],
      });
    }
    return out;
  },
});
