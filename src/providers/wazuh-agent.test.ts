import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after } from 'node:test';
import { CACHE_DIR } from '../../test/fixtures/roots.js';
import { at, providerTreeTest, read } from '../../test/harness/provider-tree.js';

function put(root: string, p: string, content = '', mode = 0o644, gid = 0): void {
  fs.mkdirSync(path.dirname(at(root, p)), { recursive: true });
  fs.writeFileSync(at(root, p), content, { mode });
  fs.chownSync(at(root, p), 0, gid);
}

const HOST = path.join(CACHE_DIR, 'work', `host-wazuh-${process.pid}`);
after(() => fs.rmSync(HOST, { recursive: true, force: true }));

const OSSEC = '/var/ossec';
const KEYS = `${OSSEC}/etc/client.keys`;
const WAZUH_GID = 999;
const OSSEC_CONF = '<ossec_config>\n  <client>\n    <server>\n      <address>wazuh.example.com</address>\n      <port>1514</port>\n' +
  '      <protocol>tcp</protocol>\n    </server>\n    <enrollment>\n      <enabled>yes</enabled>\n      <groups>linux,web</groups>\n' +
  '    </enrollment>\n  </client>\n</ossec_config>\n';
const KEEP: Record<string, string> = {
  [`${OSSEC}/etc/ossec.conf`]: OSSEC_CONF,
  [`${OSSEC}/etc/local_internal_options.conf`]: '# local overrides\n',
  [`${OSSEC}/etc/shared/agent.conf`]: '<agent_config></agent_config>\n',
  [`${OSSEC}/queue/fim/db/fim.db`]: 'fim baseline',
  [`${OSSEC}/queue/syscollector/db/local.db`]: 'inventory',
  [`${OSSEC}/bin/wazuh-agentd`]: '#!/bin/sh\n',
};
const STATE = [`${OSSEC}/queue/rids/sender_counter`, `${OSSEC}/var/run/wazuh-agentd.state`];

function layOut(root: string): void {
  put(root, KEYS, '001 golden any 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n', 0o640, WAZUH_GID);
  put(root, `${OSSEC}/queue/rids/sender_counter`, '2345:67\n', 0o640, WAZUH_GID);
  put(root, `${OSSEC}/var/run/wazuh-agentd.state`, "status='connected'\nlast_keepalive='2024-05-01 10:00:00'\n", 0o640, WAZUH_GID);
  for (const [p, content] of Object.entries(KEEP)) put(root, p, content, 0o640, WAZUH_GID);
}

function assertConfigKept(root: string): void {
  for (const [p, content] of Object.entries(KEEP)) assert.equal(read(root, p), content, `${p} stays`);
  assert.ok(fs.statSync(at(root, `${OSSEC}/queue/rids`)).isDirectory(), 'the rids directory stays');
}

providerTreeTest('wazuh-agent', [
  {
    name: 'client.keys is emptied (owner, mode kept), the key-bound state goes; ossec.conf and the agent\'s data stay',
    prepare: layOut,
    expect: { changed: [KEYS], removed: STATE },
    check(root, report) {
      const st = fs.statSync(at(root, KEYS));
      assert.equal(st.size, 0, 'empty: the agent enrolls at its next start');
      assert.equal(st.mode & 0o777, 0o640);
      assert.equal(st.gid, WAZUH_GID, 'still group wazuh');
      assertConfigKept(root);
      assert.deepEqual(report.warnings, []);
    },
  },
  {
    name: 'an agent_name in ossec.conf stays, with a warning',
    prepare(root) {
      layOut(root);
      put(root, `${OSSEC}/etc/ossec.conf`, OSSEC_CONF.replace('<enabled>yes</enabled>', '<enabled>yes</enabled>\n      <agent_name>golden</agent_name>'), 0o640, WAZUH_GID);
    },
    expect: { changed: [KEYS], removed: STATE },
    check(root, report) {
      assert.match(read(root, `${OSSEC}/etc/ossec.conf`), /<agent_name>golden<\/agent_name>/);
      assert.ok(report.warnings.some((w: string) => w.includes('<agent_name>golden</agent_name>')));
    },
  },
  {
    name: 'a Wazuh manager: every agent\'s keys are left, with a warning',
    prepare(root) {
      layOut(root);
      put(root, `${OSSEC}/bin/wazuh-remoted`, '#!/bin/sh\n', 0o750);
      put(root, KEYS, '001 web01 any aaaa\n002 db01 any bbbb\n', 0o640, WAZUH_GID);
    },
    expect: {},
    check(root, report) {
      assert.equal(read(root, KEYS), '001 web01 any aaaa\n002 db01 any bbbb\n');
      assert.ok(report.warnings.some((w: string) => w.includes('manager')));
    },
  },
  {
    name: 'client.keys a link to a host file: neither emptied nor followed',
    prepare(root) {
      layOut(root);
      fs.mkdirSync(HOST, { recursive: true });
      fs.writeFileSync(path.join(HOST, 'client.keys'), '001 host any cccc\n');
      fs.rmSync(at(root, KEYS));
      fs.symlinkSync(path.join(HOST, 'client.keys'), at(root, KEYS));
    },
    expect: {},
    check(root, report) {
      assert.equal(fs.readFileSync(path.join(HOST, 'client.keys'), 'utf8'), '001 host any cccc\n');
      assert.ok(report.warnings.some((w: string) => w.includes(KEYS)));
    },
  },
  {
    name: 'no Wazuh agent: nothing to do',
    expect: {},
  },
]);
