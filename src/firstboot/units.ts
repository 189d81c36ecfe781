/**
 * The first-boot machinery generalize installs into an image (SPEC 6): three systemd units that start
 * the runner (firstboot.bash), a generator that decides at each boot which of them to pull in, and a
 * login hook.
 *
 * The generator is a few lines of sh that read State.ini: in IMAGE_STATE_COMPLETE it adds nothing,
 * so a set-up machine never even starts the runner (the whole cost is one small file read per boot).
 */
import { AGENT_DIR, CONSOLE_GETTYS, FIRSTBOOT, GENERATOR, MARKERS, UNIT_DIR } from '../model/paths.js';

/** Before every login prompt (gettys wait for getty-pre.target; display managers too), and before
 * first-boot-complete.target, after which systemd commits the new machine-id. */
const BEFORE_LOGINS = `Before=getty-pre.target getty.target ${CONSOLE_GETTYS.join(' ')} display-manager.service first-boot-complete.target
Wants=getty-pre.target first-boot-complete.target`;

export const LAUNCHER = `#!/bin/sh
# sysprep, as installed into the image: a private Node.js runtime and the bundled tool.
exec ${AGENT_DIR}/node ${AGENT_DIR}/sysprep.mjs "$@"
`;

export const SPECIALIZE_UNIT = `[Unit]
Description=System Preparation: specialize (this clone's own identity)
Documentation=file://${AGENT_DIR}/README
DefaultDependencies=no
# early: after the file systems and the machine-id, before the network, sshd and any login
After=local-fs.target systemd-remount-fs.service systemd-tmpfiles-setup.service systemd-sysusers.service systemd-random-seed.service
Before=sysinit.target network-pre.target systemd-user-sessions.service ssh.service sshd.service shutdown.target
Wants=network-pre.target
Conflicts=shutdown.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=${FIRSTBOOT} specialize
StandardOutput=journal+console
StandardError=journal+console
TimeoutStartSec=infinity
`;

/**
 * The clone's SSH host keys, beside the rest of the boot (specialize and the OOBE included): an RSA key
 * costs seconds of CPU (many under emulation), and only sshd needs to wait for it. Pulled in while the
 * keys are pending (a marker the seal leaves, removed once they exist), so a power loss in the
 * middle is made good at the next boot, whatever the image state by then.
 */
export const HOST_KEYS_UNIT = `[Unit]
Description=System Preparation: this clone's SSH host keys
Documentation=file://${AGENT_DIR}/README
DefaultDependencies=no
# as early as the root is writable: the keys and the plan need nothing else
After=systemd-remount-fs.service
RequiresMountsFor=/etc/ssh /var/lib/sysprep/state
Before=ssh.service sshd.service ssh.socket sshd.socket shutdown.target
Conflicts=shutdown.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=${FIRSTBOOT} host-keys
StandardOutput=journal+console
StandardError=journal+console
TimeoutStartSec=infinity
`;

export const OOBE_UNIT = `[Unit]
Description=System Preparation: out-of-box experience
Documentation=file://${AGENT_DIR}/README
# before every login prompt (gettys wait for getty-pre.target; display managers too), and before
# first-boot-complete.target, after which systemd commits the new machine-id
After=sysprep-specialize.service systemd-user-sessions.service plymouth-quit-wait.service systemd-vconsole-setup.service
${BEFORE_LOGINS}

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=${FIRSTBOOT} oobe
StandardInput=tty
StandardOutput=tty
StandardError=journal+console
TTYPath=/dev/console
TTYReset=yes
TTYVHangup=yes
TimeoutStartSec=infinity
`;

export const AUDIT_UNIT = `[Unit]
Description=System Preparation: audit mode (auditSystem)
Documentation=file://${AGENT_DIR}/README
After=sysprep-specialize.service systemd-user-sessions.service
${BEFORE_LOGINS}

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=${FIRSTBOOT} audit
StandardOutput=journal+console
StandardError=journal+console
TimeoutStartSec=infinity
`;

/**
 * Runs at every boot before units are loaded. Arguments: normal, early, late output directories.
 * Kept to POSIX sh and sed: no agent start-up cost when there is nothing to do.
 */
export const GENERATOR_SCRIPT = `#!/bin/sh
# sysprep-generator: pulls in the first-boot units the image state asks for (see ${AGENT_DIR}/README).
out="\${1:-/run/systemd/generator}"
state=$(sed -n 's/^ImageState="\\{0,1\\}\\([A-Z_]*\\)"\\{0,1\\}[[:space:]]*$/\\1/p' /var/lib/sysprep/state/State.ini 2>/dev/null)
want() { mkdir -p "$out/$1.wants" && ln -sf "${UNIT_DIR}/$2" "$out/$1.wants/$2"; }
autologin_root() {
  for unit in ${CONSOLE_GETTYS.join(' ')}; do
    mkdir -p "$out/$unit.d"
    case "$unit" in
      serial-*) baud="--keep-baud 115200,57600,38400,9600 " ;;
      *) baud="--noclear " ;;
    esac
    # shellcheck disable=SC2016 # $TERM is systemd's, expanded when the getty starts
    printf '[Service]\\nExecStart=\\nExecStart=-/sbin/agetty --autologin root %s%%I $TERM\\n' "$baud" > "$out/$unit.d/sysprep-audit-autologin.conf"
  done
}
case "$state" in
  IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE) want sysinit.target sysprep-specialize.service; want multi-user.target sysprep-oobe.service ;;
  IMAGE_STATE_GENERALIZE_RESEAL_TO_AUDIT) want sysinit.target sysprep-specialize.service; want multi-user.target sysprep-audit.service; autologin_root ;;
  IMAGE_STATE_SPECIALIZE_RESEAL_TO_OOBE) want multi-user.target sysprep-oobe.service ;;
  IMAGE_STATE_SPECIALIZE_RESEAL_TO_AUDIT) want multi-user.target sysprep-audit.service; autologin_root ;;
  IMAGE_STATE_UNDEPLOYABLE)
    # a first-boot pass that did not finish (power loss, a failure): run it again
    if [ -e ${MARKERS.specializeInProgress} ]; then
      want sysinit.target sysprep-specialize.service
      if grep -q audit ${MARKERS.specializeInProgress} 2>/dev/null; then want multi-user.target sysprep-audit.service; autologin_root
      else want multi-user.target sysprep-oobe.service; fi
    elif [ -e ${MARKERS.oobeInProgress} ]; then
      want multi-user.target sysprep-oobe.service
    fi ;;
esac
# the host keys, whatever the state, until they are made (a power loss while they were being made included)
if [ -e ${MARKERS.hostKeysPending} ]; then want multi-user.target sysprep-host-keys.service; fi
exit 0
`;

/** Login hook: audit mode's auditUser pass and dialog, FirstLogonCommands, AutoLogon's LogonCount. */
export const PROFILE_SCRIPT = `# sysprep: first-logon work (FirstLogonCommands, AutoLogon count, audit mode). Costs one test when idle.
if [ -e ${MARKERS.logonPending} ] && [ -x ${FIRSTBOOT} ]; then
  ${FIRSTBOOT} logon
fi
`;

export const README = `This directory holds sysprep's first-boot agent: the runner (firstboot, bash), which carries out
the plans in /var/lib/sysprep/state/plans/, and the whole tool on its own Node.js runtime (node, the
bundled sysprep.mjs with the CLDR data it reads in cldr/, and its launcher sysprep), which plans at
boot when the answer file changed, asks the interactive OOBE's questions and shows audit mode's dialog.
It was installed by \`sysprep /generalize\`. The units sysprep-specialize, sysprep-oobe and
sysprep-audit run only when /var/lib/sysprep/state/State.ini asks for them (the generator
${GENERATOR} decides at boot). Logs: /var/log/sysprep/panther/setupact.log and setuperr.log.
`;
