import { defineProvider } from './api.js';
import { refreshCaStore } from './_ca-store.js';
import { count } from './_shared.js';

/** FreeIPA enrolment (virt-sysprep's ipa-client): unenrols offline, without contacting the server. */
const FILES = [
  '/etc/ipa/ca.crt',
  '/etc/ipa/default.conf',
  '/var/lib/ipa-client/sysrestore/*',
  '/var/lib/ipa-client/pki/*',
];
/** The IPA CA as a trust anchor of the system store; removing one means rebuilding the store. */
const ANCHORS = [
  '/etc/pki/ca-trust/source/anchors/ipa-ca.crt',
  '/usr/local/share/ca-certificates/ipa-ca.crt',
  '/etc/pki/ca-trust/source/ipa.p11-kit',
];

export default defineProvider({
  id: 'ipa-client',
  summary: 'Remove the FreeIPA client enrolment',
  pass: 'generalize',
  defaultEnabled: true,
  run(ctx) {
    let n = 0;
    for (const pattern of FILES) for (const p of ctx.fs.glob(pattern, { dot: true })) if (ctx.fs.remove(p)) n++;
    let anchors = 0;
    for (const p of ANCHORS) if (ctx.fs.remove(p)) anchors++;
    if (n + anchors) ctx.note(`removed ${count(n + anchors, 'file')}`);
    if (anchors) refreshCaStore(ctx, `removing the IPA CA (${count(anchors, 'anchor')})`);
  },
});
