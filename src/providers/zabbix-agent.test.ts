import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { overlayRoot, usedRoot } from '../../test/fixtures/used-root.js';
import { packageFile } from '../../test/harness/debian-package.js';
import { at, providerTreeTest, put, read } from '../../test/harness/provider-tree.js';
import { sysprep } from '../../test/harness/sysprep.js';
import { ZABBIX_MARK } from './zabbix-agent.js';

const AGENTD = '/etc/zabbix/zabbix_agentd.conf';
const AGENT2 = '/etc/zabbix/zabbix_agent2.conf';
const DROP_IN = '/etc/zabbix/zabbix_agentd.conf.d/host.conf';

/**
 * zabbix_agentd.conf as Debian's zabbix-agent package installs it (ucf copies
 * /usr/share/zabbix-agent/zabbix_agentd.conf), with `Hostname=` unset; a laid-out excerpt offline.
 */
function packaged(): string {
  return packageFile('zabbix-agent', '/usr/share/zabbix-agent/zabbix_agentd.conf')?.toString('utf8') ??
    '# This is a configuration file for Zabbix agent daemon (Unix)\nPidFile=/run/zabbix/zabbix_agentd.pid\n' +
    'LogFile=/var/log/zabbix-agent/zabbix_agentd.log\nServer=127.0.0.1\nServerActive=127.0.0.1\n\n### Option: Hostname\n' +
    '#\tList of comma delimited unique, case sensitive hostnames.\n# Hostname=\n\n### Option: HostnameItem\n# HostnameItem=system.hostname\n\n' +
    'Include=/etc/zabbix/zabbix_agentd.conf.d/*.conf\n';
}

/** The packaged file as a builder leaves it: server addresses and the golden machine's name spelled out. */
function configured(hostname: string): string {
  const text = packaged().replace(/^Server=127\.0\.0\.1$/m, 'Server=zabbix.example.com').replace(/^ServerActive=127\.0\.0\.1$/m, 'ServerActive=zabbix.example.com');
  assert.match(text, /^# Hostname=$/m, 'the packaged file documents Hostname=');
  return text.replace(/^# Hostname=$/m, `# Hostname=\nHostname=${hostname}`);
}
const commented = (text: string, hostname: string) => text.replace(`\nHostname=${hostname}\n`, `\n#Hostname=${hostname}    ${ZABBIX_MARK}\n`);

providerTreeTest('zabbix-agent', [
  {
    name: 'Hostname= the image\'s own name is commented out; every other line of the packaged file stays',
    prepare: (root) => put(root, AGENTD, configured('golden'), 0o640),
    expect: { changed: [AGENTD] },
    check(root) {
      const after = read(root, AGENTD);
      assert.equal(after, commented(configured('golden'), 'golden'));
      assert.doesNotMatch(after, /^Hostname=/m, 'no Hostname= left: the agent uses HostnameItem (system.hostname)');
      assert.equal(fs.statSync(at(root, AGENTD)).mode & 0o777, 0o640, 'mode kept');
    },
  },
  {
    name: 'agent 2 with the FQDN, a drop-in with the short name (any case)',
    prepare(root) {
      put(root, AGENT2, 'Server=zabbix.example.com\nServerActive=zabbix.example.com\nHostname=golden.example.com\nInclude=./zabbix_agent2.d/plugins.d/*.conf\n');
      put(root, DROP_IN, '# set by the image builder\nHostname=Golden\nHostMetadata=linux web\n');
    },
    expect: { changed: [AGENT2, DROP_IN] },
    check(root) {
      assert.equal(read(root, AGENT2), `Server=zabbix.example.com\nServerActive=zabbix.example.com\n#Hostname=golden.example.com    ${ZABBIX_MARK}\nInclude=./zabbix_agent2.d/plugins.d/*.conf\n`);
      assert.equal(read(root, DROP_IN), `# set by the image builder\n#Hostname=Golden    ${ZABBIX_MARK}\nHostMetadata=linux web\n`);
    },
  },
  {
    name: 'Hostname= some other name, or a list: the builder\'s, left with a warning',
    prepare(root) {
      put(root, AGENTD, configured('Zabbix server'));
      put(root, DROP_IN, 'Hostname=golden,golden-db\n');
      put(root, '/etc/zabbix/zabbix_agentd.conf.d/fqdn-list.conf', 'Hostname=golden.example.com,golden-db.example.com\n');
    },
    expect: {},
    check(root, report) {
      assert.equal(read(root, AGENTD), configured('Zabbix server'));
      assert.equal(read(root, DROP_IN), 'Hostname=golden,golden-db\n');
      assert.equal(read(root, '/etc/zabbix/zabbix_agentd.conf.d/fqdn-list.conf'), 'Hostname=golden.example.com,golden-db.example.com\n');
      assert.ok(report.warnings.some((w: string) => w.includes('Hostname=Zabbix server')));
      assert.ok(report.warnings.some((w: string) => w.includes('Hostname=golden,golden-db')));
    },
  },
  {
    name: 'the configuration a link: neither read nor written',
    prepare(root) {
      put(root, '/srv/zabbix/agentd.conf', 'Hostname=golden\n');
      fs.mkdirSync(at(root, '/etc/zabbix'), { recursive: true });
      fs.symlinkSync('/srv/zabbix/agentd.conf', at(root, AGENTD));
    },
    expect: {},
    check(root) {
      assert.equal(read(root, '/srv/zabbix/agentd.conf'), 'Hostname=golden\n');
    },
  },
  {
    name: 'an image without a host name: nothing to compare with, left with a warning',
    prepare(root) {
      put(root, AGENTD, configured('golden'));
      fs.rmSync(at(root, '/etc/hostname'));
    },
    expect: {},
    check(root, report) {
      assert.equal(read(root, AGENTD), configured('golden'));
      assert.ok(report.warnings.some((w: string) => w.includes('no host name')));
    },
  },
  {
    name: 'no Zabbix agent: nothing to do',
    expect: {},
  },
]);

test('zabbix-agent: runs before the hostname provider, which removes the name it compares with', () => {
  const scratch = overlayRoot(usedRoot('bookworm'), 'zabbix-agent-order');
  try {
    put(scratch.root, AGENTD, configured('golden'));
    const r = sysprep(['--root', scratch.root, '--providers', 'hostname,zabbix-agent', '/generalize', '/quit', '--json']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.json.providers.map((p: any) => p.id), ['zabbix-agent', 'hostname']);
    assert.equal(fs.existsSync(at(scratch.root, '/etc/hostname')), false, 'the hostname provider ran');
    assert.equal(read(scratch.root, AGENTD), commented(configured('golden'), 'golden'));
  } finally {
    scratch.dispose();
  }
});
