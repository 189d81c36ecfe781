import * as nodefs from 'node:fs';
import * as path from 'node:path';
import { defineProvider, type ProviderContext } from './api.js';
import { removeFile } from './_identity.js';
import { runInTarget } from '../system/chroot.js';

/**
 * Open vSwitch's system id and recorded host name. ovs-ctl, as Debian's ovsdb-server.service starts it
 * (`--system-id=random`), makes a UUID at the first start, keeps it in /etc/openvswitch/system-id.conf
 * and writes it, at every start, into the database as `external_ids:system-id`; ovs-record-hostname
 * writes `external_ids:hostname` there *if it is not set* (ovs-ctl record-hostname-if-not-set). OVN and
 * other controllers name the chassis by them (ovn-controller(8), "external_ids:system-id"), so clones
 * would all register as the golden machine, under its name, for good.
 *
 * At generalize system-id.conf (and its older name, install_uuid.conf) goes, and both keys leave the
 * database's Open_vSwitch row, through the image's own ovsdb-tool (`transact`, then `compact`, which
 * drops the history where the old values would stay) on a copy, written back in place; bridges, ports
 * and every other setting stay. The clone's first start makes a new id and records its own name, as
 * the golden machine's did. On a running system the database is locked by ovsdb-server: it is left as
 * it is, with a warning that says what to run.
 */
const ETC = '/etc/openvswitch';
const DB = `${ETC}/conf.db`;
const ID_FILES = [`${ETC}/system-id.conf`, `${ETC}/install_uuid.conf`];
const OVSDB_TOOL = '/usr/bin/ovsdb-tool';
const KEYS = ['system-id', 'hostname'];
const TRANSACTION = JSON.stringify(['Open_vSwitch', {
  op: 'mutate', table: 'Open_vSwitch', where: [], mutations: [['external_ids', 'delete', ['set', KEYS]]],
}]);

/** Remove the keys from the database with the image's ovsdb-tool, on a copy in the target's /tmp. */
function cleanDatabase(ctx: ProviderContext): boolean {
  const text = ctx.fs.readBytes(DB);
  if (!text || !KEYS.some((k) => text.includes(`"${k}"`))) return false;
  if (!ctx.fs.isFile(OVSDB_TOOL)) {
    ctx.log.warn(`openvswitch-ids: ${DB} names the golden machine (external_ids system-id, hostname), and the image has no ovsdb-tool to edit it`);
    return false;
  }
  if (ctx.fs.root === '/') {
    ctx.log.warn(`openvswitch-ids: ${DB} is ovsdb-server's while it runs; remove the keys with: ovs-vsctl remove Open_vSwitch . external_ids system-id hostname`);
    return false;
  }
  if (ctx.options.dryRun) {
    ctx.fs.recordExternal(DB, 'modified', 'external_ids system-id and hostname removed');
    return true;
  }
  const work = nodefs.mkdtempSync(path.join(ctx.fs.resolve('/tmp'), '.sysprep-ovsdb-'));
  const inTarget = ctx.fs.targetPathOf(work);
  try {
    nodefs.writeFileSync(path.join(work, 'conf.db'), text);
    for (const argv of [[OVSDB_TOOL, 'transact', `${inTarget}/conf.db`, TRANSACTION], [OVSDB_TOOL, 'compact', `${inTarget}/conf.db`]]) {
      const r = runInTarget(ctx.fs, argv);
      if (r.status !== 0) throw new Error(`${argv.slice(0, 2).join(' ')} failed with exit code ${r.status}: ${r.output.trim()}`);
    }
    return ctx.fs.writeText(DB, nodefs.readFileSync(path.join(work, 'conf.db')), { detail: 'external_ids system-id and hostname removed' });
  } finally {
    nodefs.rmSync(work, { recursive: true, force: true });
  }
}

export default defineProvider({
  id: 'openvswitch-ids',
  summary: "Remove Open vSwitch's system id and recorded host name; the clone's first start makes its own",
  pass: 'generalize',
  defaultEnabled: true,
  identity: ID_FILES,
  run(ctx) {
    let n = 0;
    for (const f of ID_FILES) if (removeFile(ctx, 'openvswitch-ids', f, 'system id')) n++;
    if (cleanDatabase(ctx)) n++;
    if (n) ctx.note("removed Open vSwitch's system id and recorded host name; its first start on the clone makes them anew");
  },
});
