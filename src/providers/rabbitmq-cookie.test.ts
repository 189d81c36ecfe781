import { identityPackagesRoot } from '../../test/fixtures/package-roots.js';
import { providerTreeTest } from '../../test/harness/provider-tree.js';

providerTreeTest('rabbitmq-cookie', [
  {
    name: 'the real-packages root: the cookie rabbitmq-server\'s postinst made goes',
    lower: () => identityPackagesRoot('bookworm'),
    expect: { removed: ['/var/lib/rabbitmq/.erlang.cookie'] },
  },
  { name: 'no RabbitMQ: nothing to do', expect: {} },
]);
