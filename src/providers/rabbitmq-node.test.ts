import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { identityPackagesRoot } from '../../test/fixtures/package-roots.js';
import { at, providerTreeTest, put } from '../../test/harness/provider-tree.js';

const real = () => identityPackagesRoot('bookworm');
const MNESIA = '/var/lib/rabbitmq/mnesia';

providerTreeTest('rabbitmq-node', [
  {
    name: 'the real-packages root: the database and logs of rabbit@golden-01 go (the clone\'s node has a name of its own)',
    lower: real,
    get expect() {
      const mnesia = fs.readdirSync(at(real(), MNESIA)).filter((n) => n.startsWith('rabbit@golden-01')).map((n) => `${MNESIA}/${n}`);
      const logs = fs.readdirSync(at(real(), '/var/log/rabbitmq')).filter((n) => n.startsWith('rabbit@golden-01')).map((n) => `/var/log/rabbitmq/${n}`);
      return { removed: [...mnesia, ...logs] };
    },
    check(root) {
      assert.ok(fs.existsSync(at(root, '/var/log/rabbitmq/rabbitmq-server.log')), 'the service\'s own log stays (logfiles empties it)');
      assert.ok(fs.statSync(at(root, MNESIA)).isDirectory());
    },
  },
  {
    name: 'NODENAME set: one database whatever the host is called, kept',
    lower: real,
    prepare: (root) => fs.appendFileSync(at(root, '/etc/rabbitmq/rabbitmq-env.conf'), 'NODENAME=rabbit@localhost\n'),
    expect: {},
  },
  {
    name: 'a node of another host (a database the builder copied in) stays',
    prepare: (root) => put(root, `${MNESIA}/rabbit@other-host/schema.DAT`, 'schema'),
    expect: {},
  },
]);
