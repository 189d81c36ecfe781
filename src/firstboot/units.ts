/**
 * The first-boot machinery generalize installs into an image (SPEC 6): three systemd units that start
 * the runner (firstboot.bash), a generator that decides at each boot which of them to pull in, and a
 * login hook.
 *
 * The generator is a few lines of sh that read State.ini: in IMAGE_STATE_COMPLETE it adds nothing,
 * so a set-up machine never even starts the runner (the whole cost is one small file read per boot).
 */
import * as path from 'node:path';
import { BOOT_PHASES, IMAGE_STATES } from '../model/image-state.js';
import { AGENT_BUNDLE, AGENT_DIR, AGENT_RUNTIME, CONSOLE_GETTYS, DISK_RUNTIME_DIR, PACKED_RUNTIMES, UNPACKED_RUNTIME_DIR, FIRSTBOOT, FIRSTBOOT_CONF, FIRSTBOOT_LIMITS, GENERATOR, MARKERS, PATHS, UNIT_DIR } from '../model/paths.js';

/** Before every login prompt (gettys wait for getty-pre.target; display managers too), and before
 * first-boot-complete.target, after which systemd commits the new machine-id. */
const BEFORE_LOGINS = `Before=getty-pre.target getty.target ${CONSOLE_GETTYS.join(' ')} display-manager.service first-boot-complete.target
Wants=getty-pre.target first-boot-complete.target`;

const RUN_PARENT = path.posix.dirname(UNPACKED_RUNTIME_DIR);
const DISK_PARENT = path.posix.dirname(DISK_RUNTIME_DIR);

/**
 * `sysprep` in the image: the bundled tool on its runtime, which is `node` beside it (a package,
 * `--agent full`), or the runtime.* archive `--agent packed` left, unpacked by the first start in a
 * boot (into a new directory, then renamed: two starts at once cannot see half a runtime), or nothing
 * (`--agent none`): then it refuses, with exit code 3, and says why. The archive goes into /run
 * (memory, gone at the next boot) when /run has room for it twice over and lets programs run (not
 * noexec, as initramfs-tools mounts it), else onto the disk (DISK_RUNTIME_DIR, which the first boot
 * removes once the clone is set up), where it fits (the unpacked size from the archive's index;
 * 100 MiB when it cannot be read).
 */
export const LAUNCHER = `#!/bin/sh
# sysprep, as installed into the image: a private Node.js runtime and the bundled tool.
if [ -x ${AGENT_RUNTIME} ]; then exec ${AGENT_RUNTIME} ${AGENT_BUNDLE} "$@"; fi
for R in ${UNPACKED_RUNTIME_DIR} ${DISK_RUNTIME_DIR}; do
  if [ -x "$R/node" ]; then exec "$R/node" ${AGENT_BUNDLE} "$@"; fi
done
${PACKED_RUNTIMES.map((p, i) => `${i ? 'elif' : 'if'} [ -f ${p.file} ]; then f=${p.file}; unpack='${p.unpack}'; need=$(${p.kib})`).join('\n')}
else
  echo "sysprep: this image was sealed with --agent none: it has no runtime for the sysprep agent, which 'sysprep $*' needs (seal it again with --agent packed or full)" >&2
  exit 3
fi
case $need in '' | *[!0-9]*) need=102400 ;; esac
# the KiB free in a directory's file system, "noexec" when programs may not run from it (initramfs-tools
# mounts /run so), nothing when df cannot tell (no /proc: a chroot)
room() {
  df -Pk "$1" 2>/dev/null | {
    read -r _ && read -r _ _ _ a _ m || exit 0
    o=
    while read -r _ p _ opts _; do [ "$p" = "$m" ] && o=$opts; done 2>/dev/null </proc/self/mounts
    case ,$o, in *,noexec,*) echo noexec ;; *) echo "$a" ;; esac
  }
}
run=$(room /run) disk=$(room ${DISK_PARENT})
where=
case $run in noexec) ;; '') where=${RUN_PARENT} ;; *) [ "$run" -lt $((need * 2)) ] || where=${RUN_PARENT} ;; esac
case $disk in noexec) ;; '') where="$where ${DISK_PARENT}" ;; *) [ "$disk" -lt $((need + 65536)) ] || where="$where ${DISK_PARENT}" ;; esac
for P in $where; do
  if ! { [ -d "$P" ] || mkdir -m 0755 "$P"; } || ! t=$(mktemp -d "$P/.runtime.XXXXXX"); then continue; fi
  if $unpack "$f" | tar -xf - -C "$t" && [ -x "$t/node" ]; then
    chmod 0755 "$t"
    mv -T "$t" "$P/runtime" 2>/dev/null || rm -rf "$t" # another start unpacked it meanwhile
    exec "$P/runtime/node" ${AGENT_BUNDLE} "$@"
  fi
  rm -rf "$t"
done
echo "sysprep: could not unpack the agent's runtime $f (it needs $((need / 1024)) MiB; KiB free where programs may run: /run \${run:-?}, ${DISK_PARENT} \${disk:-?}): free some space on the disk, or seal with --agent full" >&2
exit 3
`;

/**
 * The runner's log directories, made by systemd before it starts the unit (systemd 235 and later):
 * under emulation a mkdir process costs the boot tens of milliseconds of CPU. The runner makes them
 * itself where they are missing (an older systemd, a chroot).
 */
const LOGS_DIRECTORY = `# the runner's logs, made by systemd beforehand (a process fewer for the runner)
LogsDirectory=${path.posix.relative('/var/log', PATHS.unattendGc)}`;

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
${LOGS_DIRECTORY}
ExecStart=${FIRSTBOOT} specialize
StandardOutput=journal+console
StandardError=journal+console
TimeoutStartSec=infinity
`;

/**
 * The clone's keys, beside the rest of the boot (specialize and the OOBE included): the SSH host keys,
 * and what packages made for the golden machine that generalize removed (the snakeoil pair, Dropbear's
 * keys, the iSCSI initiator name …: Provider.regenerate). An RSA key costs seconds of CPU (many under
 * emulation), and only the units that use a key need to wait for it: sshd here, the packages' units
 * through a drop-in the seal writes (plan/render.ts). Pulled in while the keys are pending (a marker
 * the seal leaves, removed once they exist), so a power loss in the middle is made good at the next
 * boot, whatever the image state by then.
 */
export const HOST_KEYS_UNIT = `[Unit]
Description=System Preparation: this clone's SSH host keys and packages' keys
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
${LOGS_DIRECTORY}
# not niced: on two or more CPUs the keys are the boot's longest path to sshd (bench/firstboot: the
# floor's plain unit made them 5 s sooner than this one at Nice=10), and on one CPU the same work is
# done in the same time whatever the order
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
${LOGS_DIRECTORY}
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
${LOGS_DIRECTORY}
ExecStart=${FIRSTBOOT} audit
StandardOutput=journal+console
StandardError=journal+console
TimeoutStartSec=infinity
`;

/** A phase that failed this many times in a row the same way is no longer started at boot (the model's). */
export const RETRY_CAP = FIRSTBOOT_LIMITS.retryCap;

/** The unit each boot-time phase of the transition table pulls in, and from which target. */
const PHASE_UNITS: Readonly<Record<'specialize' | 'oobe' | 'audit' | 'host-keys', { target: string; unit: string; autologin?: true }>> = {
  specialize: { target: 'sysinit.target', unit: 'sysprep-specialize.service' },
  oobe: { target: 'multi-user.target', unit: 'sysprep-oobe.service' },
  audit: { target: 'multi-user.target', unit: 'sysprep-audit.service', autologin: true },
  'host-keys': { target: 'multi-user.target', unit: 'sysprep-host-keys.service' },
};

/** The generator's case arms, one per state that runs phases, from the one transition table. */
function stateCases(): string {
  return IMAGE_STATES.filter((st) => BOOT_PHASES[st].phases.length > 0)
    .map((st) => `  ${st}) ${BOOT_PHASES[st].phases.map((ph) => `phase ${ph}`).join(' && ')} ;;`)
    .join('\n');
}

/**
 * Runs at every boot before units are loaded. Arguments: normal, early, late output directories.
 * Kept to POSIX sh builtins (no other program when there is nothing to do): State.ini is read as
 * src/system/state.ts readImageState reads it (no file: COMPLETE; no known ImageState in [State]:
 * UNDEPLOYABLE). A phase whose PHASE.failures count reached RETRY_CAP is not pulled in: a unit made
 * here (sysprep-gave-up@PHASE) says so in setuperr.log and on the console instead.
 */
export const GENERATOR_SCRIPT = `#!/bin/sh
# sysprep-generator: pulls in the first-boot units the image state asks for (see ${AGENT_DIR}/README).
out="\${1:-/run/systemd/generator}"
ini=${PATHS.stateIni}
cr=$(printf '\\r')
trim() { t=\${1%"$cr"}; t=\${t#"\${t%%[![:space:]]*}"}; t=\${t%"\${t##*[![:space:]]}"}; }
state=''
if [ ! -e "$ini" ]; then
  state=IMAGE_STATE_COMPLETE
elif [ -f "$ini" ] && [ -r "$ini" ]; then
  section=''
  while IFS= read -r line || [ -n "$line" ]; do
    trim "$line"; line=$t
    case $line in
      ''|';'*|'#'*) continue ;;
      '[]') continue ;;
      '['*']') trim "\${line#[}"; trim "\${t%]}"; section=$t; continue ;;
      *=*) [ "$section" = State ] || continue ;;
      *) continue ;;
    esac
    trim "\${line%%=*}"; [ "$t" = ImageState ] || continue
    trim "\${line#*=}"
    case $t in \\"*\\") t=\${t#\\"}; t=\${t%\\"} ;; esac
    state=$t
  done < "$ini"
fi
case $state in
  ${IMAGE_STATES.join('|')}) ;;
  *) state=IMAGE_STATE_UNDEPLOYABLE ;;
esac
# the units to pull in, as TARGET:UNIT words; linked at the end, one mkdir and one ln per target (each
# program started here holds up the whole boot: generators run before any unit)
wants=''
want() { wants="$wants $1:$2"; }
link_wants() {
  [ -n "$wants" ] || return 0
  targets=''
  for w in $wants; do case " $targets " in *" \${w%%:*} "*) ;; *) targets="$targets \${w%%:*}" ;; esac; done
  set --
  for t in $targets; do set -- "$@" "$out/$t.wants"; done
  mkdir -p "$@" || return 0
  for t in $targets; do
    set --
    for w in $wants; do [ "\${w%%:*}" = "$t" ] && set -- "$@" "${UNIT_DIR}/\${w#*:}"; done
    ln -sf -t "$out/$t.wants" "$@"
  done
}
autologin_root() {
  mkdir -p${CONSOLE_GETTYS.map((u) => ` "$out/${u}.d"`).join('')}
  for unit in ${CONSOLE_GETTYS.join(' ')}; do
    case "$unit" in
      serial-*) baud="--keep-baud 115200,57600,38400,9600 " ;;
      *) baud="--noclear " ;;
    esac
    # shellcheck disable=SC2016 # $TERM is systemd's, expanded when the getty starts
    printf '[Service]\\nExecStart=\\nExecStart=-/sbin/agetty --autologin root %s%%I $TERM\\n' "$baud" > "$out/$unit.d/sysprep-audit-autologin.conf"
  done
}
# a phase that failed ${RETRY_CAP} times in a row the same way: not started again; a unit says why
gave_up() {
  count=''
  [ -f "${PATHS.stateDir}/$1.failures" ] && read -r count < "${PATHS.stateDir}/$1.failures"
  case $count in ''|*[!0-9]*) return 1 ;; esac
  [ \${#count} -gt 6 ] || [ "$count" -ge ${RETRY_CAP} ] || return 1
  mkdir -p "$out/multi-user.target.wants" || return 0
  printf '[Unit]\\nDescription=System Preparation: %s is not started (it failed %s times in a row)\\nDefaultDependencies=no\\nAfter=systemd-remount-fs.service local-fs.target\\nBefore=getty-pre.target\\n\\n[Service]\\nType=oneshot\\nRemainAfterExit=yes\\nExecStart=${FIRSTBOOT} gave-up %s\\nStandardOutput=journal+console\\nStandardError=journal+console\\n' \\
    "$1" "$count" "$1" > "$out/sysprep-gave-up-$1.service"
  ln -sf "$out/sysprep-gave-up-$1.service" "$out/multi-user.target.wants/sysprep-gave-up-$1.service"
}
phase() {
  gave_up "$1" && return 1
  case $1 in
${Object.entries(PHASE_UNITS).map(([ph, u]) => `    ${ph}) want ${u.target} ${u.unit}${u.autologin ? '; autologin_root' : ''} ;;`).join('\n')}
  esac
}
# what each state runs at boot: the transition table (src/model/image-state.ts BOOT_PHASES)
case $state in
${stateCases()}
  IMAGE_STATE_UNDEPLOYABLE)
    # a first-boot pass that did not finish (power loss, a failure): run it again
    if [ -e ${MARKERS.specializeInProgress} ]; then
      target=''
      read -r target < ${MARKERS.specializeInProgress} 2>/dev/null
      case $target in
        audit*) phase specialize && phase audit ;;
        *) phase specialize && phase oobe ;;
      esac
    elif [ -e ${MARKERS.oobeInProgress} ]; then
      phase oobe
    fi ;;
esac
# the host keys, whatever the state, until they are made (a power loss while they were being made included)
if [ -e ${MARKERS.hostKeysPending} ]; then phase host-keys; fi
link_wants
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
A phase that failed ${RETRY_CAP} times in a row the same way is not started again (its count is in
${PATHS.stateDir}/PHASE.failures: remove the file to try again). Settings, in
${FIRSTBOOT_CONF} (KEY=VALUE lines, read as data): RunSynchronousTimeout=SECONDS, how long a
RunSynchronous command may run before it is stopped (default 3600; 0: no limit).
`;
