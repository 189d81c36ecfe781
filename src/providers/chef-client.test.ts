import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { at, providerTreeTest, put, read } from '../../test/harness/provider-tree.js';
import { rubySetting } from './chef-client.js';

const CLIENT_RB = 'chef_server_url  "https://chef.example.com/organizations/acme"\nvalidation_client_name "acme-validator"\n' +
  'validation_key "/etc/chef/validation.pem"\nlog_location STDOUT\nssl_verify_mode :verify_peer\n';
const VALIDATOR = '-----BEGIN RSA PRIVATE KEY-----\nACME VALIDATOR\n-----END RSA PRIVATE KEY-----\n';
const TRUSTED = '-----BEGIN CERTIFICATE-----\nCHEF SERVER\n-----END CERTIFICATE-----\n';

function layOut(root: string, clientRb = CLIENT_RB, dir = '/etc/chef'): void {
  put(root, `${dir}/client.rb`, clientRb);
  put(root, `${dir}/validation.pem`, VALIDATOR, 0o600);
  put(root, `${dir}/client.pem`, '-----BEGIN RSA PRIVATE KEY-----\nGOLDEN NODE\n-----END RSA PRIVATE KEY-----\n', 0o600);
  put(root, `${dir}/trusted_certs/chef.example.com.crt`, TRUSTED);
  put(root, `${dir}/first-boot.json`, '{"run_list":["role[web]"]}\n');
}

function assertConfigKept(root: string, dir = '/etc/chef'): void {
  assert.equal(read(root, `${dir}/validation.pem`), VALIDATOR, 'the validator key stays');
  assert.equal(read(root, `${dir}/trusted_certs/chef.example.com.crt`), TRUSTED);
  assert.equal(read(root, `${dir}/first-boot.json`), '{"run_list":["role[web]"]}\n');
}

test('chef-client: client.rb settings, quoted either way, with or without parentheses', () => {
  assert.equal(rubySetting('client_key "/etc/chef/client.pem"\n', 'client_key'), '/etc/chef/client.pem');
  assert.equal(rubySetting("  client_key('/srv/chef/node.pem')\n", 'client_key'), '/srv/chef/node.pem');
  assert.equal(rubySetting('# client_key "/nope"\n', 'client_key'), undefined);
});

providerTreeTest('chef-client', [
  {
    name: 'client.pem goes; client.rb, the validator key, trusted certs and first-boot.json stay',
    prepare: (root) => layOut(root),
    expect: { removed: ['/etc/chef/client.pem'] },
    check(root, report) {
      assert.equal(read(root, '/etc/chef/client.rb'), CLIENT_RB);
      assertConfigKept(root);
      assert.deepEqual(report.warnings, []);
    },
  },
  {
    name: 'client_key and node_name set in client.rb: that key goes, node_name stays with a warning',
    prepare(root) {
      layOut(root, `${CLIENT_RB}client_key "/var/lib/chef/node.pem"\nnode_name "web01"\n`);
      put(root, '/var/lib/chef/node.pem', 'NODE KEY\n', 0o600);
    },
    expect: { removed: ['/var/lib/chef/node.pem', '/etc/chef/client.pem'] },
    check(root, report) {
      assert.equal(read(root, '/etc/chef/client.rb'), `${CLIENT_RB}client_key "/var/lib/chef/node.pem"\nnode_name "web01"\n`);
      assertConfigKept(root);
      assert.ok(report.warnings.some((w: string) => w.includes('node_name "web01"')));
    },
  },
  {
    name: 'Cinc keeps the same files in /etc/cinc',
    prepare: (root) => layOut(root, CLIENT_RB.replaceAll('/etc/chef', '/etc/cinc'), '/etc/cinc'),
    expect: { removed: ['/etc/cinc/client.pem'] },
    check(root) {
      assert.equal(read(root, '/etc/cinc/client.rb'), CLIENT_RB.replaceAll('/etc/chef', '/etc/cinc'));
      assertConfigKept(root, '/etc/cinc');
    },
  },
  {
    name: 'client.pem a link to the validator key: only the link goes',
    prepare(root) {
      layOut(root);
      fs.rmSync(at(root, '/etc/chef/client.pem'));
      fs.symlinkSync('validation.pem', at(root, '/etc/chef/client.pem'));
    },
    expect: { removed: ['/etc/chef/client.pem'] },
    check: (root) => assertConfigKept(root),
  },
  {
    name: 'no Chef: nothing to do',
    expect: {},
  },
]);
