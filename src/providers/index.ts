/** Every built-in provider, alphabetically. A new provider is a file here plus a line in this list. */
import type { RootFs } from '../rootfs/rootfs.js';
import type { Provider } from './api.js';
import { loadExternalProviders } from './external.js';
import abrtData from './abrt-data.js';
import atSpool from './at-spool.js';
import backupFiles from './backup-files.js';
import bashHistory from './bash-history.js';
import bindRndcKey from './bind-rndc-key.js';
import blkidTab from './blkid-tab.js';
import caCertificates from './ca-certificates.js';
import chefClient from './chef-client.js';
import cloudInit from './cloud-init.js';
import consul from './consul.js';
import containerd from './containerd.js';
import crashData from './crash-data.js';
import credentialSecret from './credential-secret.js';
import cronSpool from './cron-spool.js';
import dhcpClientState from './dhcp-client-state.js';
import dhcpServerState from './dhcp-server-state.js';
import docker from './docker.js';
import dovecotData from './dovecot-data.js';
import firewallRules from './firewall-rules.js';
import firstBootPresets from './first-boot-presets.js';
import flagReconfiguration from './flag-reconfiguration.js';
import hardwareState from './hardware-state.js';
import historyFiles from './history-files.js';
import hostname from './hostname.js';
import i2pdKeys from './i2pd-keys.js';
import initramfsHostonly from './initramfs-hostonly.js';
import ipaClient from './ipa-client.js';
import iscsiInitiatorName from './iscsi-initiator-name.js';
import journal from './journal.js';
import k3s from './k3s.js';
import kerberosData from './kerberos-data.js';
import kerberosHostkeytab from './kerberos-hostkeytab.js';
import kubelet from './kubelet.js';
import logfiles from './logfiles.js';
import loginRecords from './login-records.js';
import lvmSystemDevices from './lvm-system-devices.js';
import machineId from './machine-id.js';
import mailSpool from './mail-spool.js';
import mungeKey from './munge-key.js';
import netHostname from './net-hostname.js';
import netHwaddr from './net-hwaddr.js';
import netdata from './netdata.js';
import netplan from './netplan.js';
import networkmanager from './networkmanager.js';
import nomad from './nomad.js';
import nvmeHostId from './nvme-host-id.js';
import openvswitchIds from './openvswitch-ids.js';
import pacctLog from './pacct-log.js';
import packageManagerCache from './package-manager-cache.js';
import pamData from './pam-data.js';
import postgresqlCluster from './postgresql-cluster.js';
import passwdBackups from './passwd-backups.js';
import puppetAgentSsl from './puppet-agent-ssl.js';
import puppetDataLog from './puppet-data-log.js';
import rabbitmqCookie from './rabbitmq-cookie.js';
import rabbitmqNode from './rabbitmq-node.js';
import randomSeed from './random-seed.js';
import rhSubscriptionManager from './rh-subscription-manager.js';
import rhnSystemid from './rhn-systemid.js';
import rpmDb from './rpm-db.js';
import saltMinion from './salt-minion.js';
import sambaDbLog from './samba-db-log.js';
import smoltUuid from './smolt-uuid.js';
import snmpEngineId from './snmp-engine-id.js';
import sshHostkeys from './ssh-hostkeys.js';
import sshUserdir from './ssh-userdir.js';
import sslCertSnakeoil from './ssl-cert-snakeoil.js';
import sssdDbLog from './sssd-db-log.js';
import tailscale from './tailscale.js';
import tmpFiles from './tmp-files.js';
import torState from './tor-state.js';
import udevPersistentNet from './udev-persistent-net.js';
import userAccount from './user-account.js';
import utmp from './utmp.js';
import wazuhAgent from './wazuh-agent.js';
import wireguardKeys from './wireguard-keys.js';
import wireguardNewKeys from './wireguard-new-keys.js';
import xrdpKeys from './xrdp-keys.js';
import yggdrasilKeys from './yggdrasil-keys.js';
import yumUuid from './yum-uuid.js';
import zabbixAgent from './zabbix-agent.js';
import zerotier from './zerotier.js';
import zshHistory from './zsh-history.js';

export const BUILT_IN_PROVIDERS: readonly Provider[] = [
  abrtData,
  atSpool,
  backupFiles,
  bashHistory,
  bindRndcKey,
  blkidTab,
  caCertificates,
  chefClient,
  cloudInit,
  consul,
  containerd,
  crashData,
  credentialSecret,
  cronSpool,
  dhcpClientState,
  dhcpServerState,
  docker,
  dovecotData,
  firewallRules,
  firstBootPresets,
  flagReconfiguration,
  hardwareState,
  historyFiles,
  hostname,
  i2pdKeys,
  initramfsHostonly,
  ipaClient,
  iscsiInitiatorName,
  journal,
  k3s,
  kerberosData,
  kerberosHostkeytab,
  kubelet,
  logfiles,
  loginRecords,
  lvmSystemDevices,
  machineId,
  mailSpool,
  mungeKey,
  netHostname,
  netHwaddr,
  netdata,
  netplan,
  networkmanager,
  nomad,
  nvmeHostId,
  openvswitchIds,
  pacctLog,
  packageManagerCache,
  pamData,
  postgresqlCluster,
  passwdBackups,
  puppetAgentSsl,
  puppetDataLog,
  rabbitmqCookie,
  rabbitmqNode,
  randomSeed,
  rhSubscriptionManager,
  rhnSystemid,
  rpmDb,
  saltMinion,
  sambaDbLog,
  smoltUuid,
  snmpEngineId,
  sshHostkeys,
  sshUserdir,
  sslCertSnakeoil,
  sssdDbLog,
  tailscale,
  tmpFiles,
  torState,
  udevPersistentNet,
  userAccount,
  utmp,
  wazuhAgent,
  wireguardKeys,
  wireguardNewKeys,
  xrdpKeys,
  yggdrasilKeys,
  yumUuid,
  zabbixAgent,
  zerotier,
  zshHistory,
];

/** Built-in providers and the external ones registered in the target (SPEC 7). */
export function allProviders(fs: RootFs): Provider[] {
  return [...BUILT_IN_PROVIDERS, ...loadExternalProviders(fs, new Set(BUILT_IN_PROVIDERS.map((p) => p.id)))];
}
