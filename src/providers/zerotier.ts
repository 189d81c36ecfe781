import { defineProvider } from './api.js';
import { removeFilesIn } from './_identity.js';
import { count } from './_shared.js';

/**
 * ZeroTier One's identity: identity.secret and identity.public in the service's working directory,
 * /var/lib/zerotier-one on Linux. "Loss of its identity.secret file results in loss of this
 * system's unique 10-digit ZeroTier address and key", and "the first time the service is started in
 * a fresh working directory, it generates a ZeroTier identity" (zerotier-one(8), ZeroTierOne
 * doc/zerotier-one.8.md). Every clone would otherwise be the same ZeroTier node. Only the identity
 * goes: the networks it joins (networks.d), local.conf, the planet and peer caches, and the local
 * API token (authtoken.secret) are configuration and caches; a clone joins the same networks as a
 * new member, for the network's controller to authorize.
 */
export default defineProvider({
  id: 'zerotier',
  summary: 'Remove the ZeroTier node identity (identity.secret/.public); joined networks stay',
  pass: 'generalize',
  identity: ['/var/lib/zerotier-one/identity.secret', '/var/lib/zerotier-one/identity.public'],
  defaultEnabled: true,
  run(ctx) {
    const n = removeFilesIn(ctx, 'zerotier', '/var/lib/zerotier-one', ['identity.secret', 'identity.public']);
    if (n) ctx.note(`removed ${count(n, 'identity file')}`);
  },
});
