import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after } from 'node:test';
import { CACHE_DIR } from '../../test/fixtures/roots.js';
import { FEDORA, at, providerTreeTest } from '../../test/harness/provider-tree.js';

function put(root: string, p: string, content = '*filter\n:INPUT DROP [0:0]\nCOMMIT\n'): void {
  fs.mkdirSync(path.dirname(at(root, p)), { recursive: true });
  fs.writeFileSync(at(root, p), content, { mode: 0o600 });
}
function osRelease(root: string, text: string): void {
  fs.rmSync(at(root, '/etc/os-release'), { force: true });
  fs.writeFileSync(at(root, '/etc/os-release'), text);
}

const HOST = path.join(CACHE_DIR, 'work', `host-firewall-rules-${process.pid}`);
after(() => fs.rmSync(HOST, { recursive: true, force: true }));

function plantFedora(root: string): void {
  osRelease(root, FEDORA);
  put(root, '/etc/sysconfig/iptables');
  put(root, '/etc/sysconfig/ip6tables');
  put(root, '/etc/sysconfig/iptables-config', 'IPTABLES_MODULES=""\n');
  put(root, '/etc/firewalld/firewalld.conf', 'DefaultZone=public\n');
  put(root, '/etc/firewalld/zones/public.xml', '<zone/>\n');
  put(root, '/etc/firewalld/zones/public.xml.old', '<zone/>\n');
  put(root, '/etc/firewalld/services/myapp.xml', '<service/>\n');
}

providerTreeTest('firewall-rules', [
  {
    name: 'opt-in, Debian: iptables-persistent rules go, the directory stays',
    prepare(root) {
      put(root, '/etc/iptables/rules.v4');
      put(root, '/etc/iptables/rules.v6');
    },
    expect: { removed: ['/etc/iptables/rules.v4', '/etc/iptables/rules.v6'] },
    check(root) {
      assert.ok(fs.statSync(at(root, '/etc/iptables')).isDirectory());
    },
  },
  {
    name: 'Fedora: iptables (v4 and v6) and firewalld zones and services; their configuration stays',
    prepare: plantFedora,
    expect: {
      removed: ['/etc/sysconfig/iptables', '/etc/sysconfig/ip6tables', '/etc/firewalld/zones/public.xml',
        '/etc/firewalld/zones/public.xml.old', '/etc/firewalld/services/myapp.xml'],
    },
    check(root, report) {
      assert.match(report.os, /Fedora/);
      assert.ok(fs.existsSync(at(root, '/etc/sysconfig/iptables-config')));
      assert.ok(fs.existsSync(at(root, '/etc/firewalld/firewalld.conf')));
      assert.ok(fs.statSync(at(root, '/etc/firewalld/zones')).isDirectory());
    },
  },
  {
    name: 'zones linking to a host directory are not entered; a rule file linking to the host goes as a link',
    prepare(root) {
      plantFedora(root);
      fs.mkdirSync(path.join(HOST, 'zones'), { recursive: true });
      fs.writeFileSync(path.join(HOST, 'zones/host.xml'), '<zone name="host"/>\n');
      fs.writeFileSync(path.join(HOST, 'iptables'), 'host rules\n');
      fs.rmSync(at(root, '/etc/firewalld/zones'), { recursive: true });
      fs.symlinkSync(path.join(HOST, 'zones'), at(root, '/etc/firewalld/zones'));
      fs.rmSync(at(root, '/etc/sysconfig/iptables'));
      fs.symlinkSync(path.join(HOST, 'iptables'), at(root, '/etc/sysconfig/iptables'));
    },
    expect: { removed: ['/etc/sysconfig/iptables', '/etc/sysconfig/ip6tables', '/etc/firewalld/services/myapp.xml'] },
    check() {
      assert.equal(fs.readFileSync(path.join(HOST, 'zones/host.xml'), 'utf8'), '<zone name="host"/>\n');
      assert.equal(fs.readFileSync(path.join(HOST, 'iptables'), 'utf8'), 'host rules\n');
    },
  },
  {
    name: 'no rules: nothing to do',
    expect: {},
  },
]);
