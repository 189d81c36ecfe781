#!/bin/bash
# sysprep's first-boot runner, the windeploy of this tool (SPEC 6). `sysprep /generalize` installs it as
# /usr/lib/sysprep/firstboot; the units sysprep-specialize, sysprep-oobe and sysprep-audit, the console
# gettys (AutoLogon) and the login hook start it.
#
# sysprep decides, this script carries out. A pass's work is a *plan*: a file of records (data, never
# code: read with `read -r -d ''`, never sourced or evaluated) that sysprep's TypeScript planner wrote
# (src/firstboot/plan/), at seal time when everything the pass depends on is in the image, or at boot
# (the Node.js agent, `sysprep agent plan PHASE`) when something changed since: an answer file on the
# kernel command line or on a medium, a cache edited after sealing. Each step calls one op_* function
# below, by a name that must be in OP_ARITY with an argument count that fits it; every action exists
# once, here. The operations and their arguments are a contract with the planner
# (src/firstboot/contract.ts): each `op_NAME() { # ARGS` line names its arguments, and a test compares
# them with the planner's table. `sysprep agent show-plan FILE` prints a plan for people.
#
# Why bash and not the agent's own runtime: under emulation Node.js needs seconds to start, twice per
# first boot, and a clone's first boot should cost little more than its own work. bash is on every
# systemd distribution, and the image's own tools (ssh-keygen, useradd, chpasswd) do the work.
#
#   firstboot specialize | oobe | audit    a phase, as its unit starts it
#   firstboot host-keys                    this clone's SSH host keys and packages' keys (a unit of their own)
#   firstboot logon                        the login hook: FirstLogonCommands, audit mode's auditUser
#   firstboot getty TTY [AGETTY ARGS...]   a console getty with AutoLogon's remaining count
#   firstboot do ID OP [ARGS...]           one step of the current phase (the interactive OOBE)
#
# While a phase runs the image state is UNDEPLOYABLE and a marker names the phase; each finished step
# is recorded, so after a power loss the generator starts the phase again and it skips what is done.
# A failure is logged to setuperr.log and the console and leaves the state UNDEPLOYABLE.
set -u
shopt -s nullglob
umask 022

# Paths, markers, image states, the provider environment and the operation table come from the model
# (src/model/): the block below is generated (src/firstboot/contract.ts; `node scripts/bundle.mjs
# --write-source` rewrites it, the build writes it into the installed runner, a test fails when stale).
# --- BEGIN GENERATED CONSTANTS ---
# shellcheck disable=SC2034 # not every name is used by the runner itself
readonly \
  AGENT_DIR=/usr/lib/sysprep \
  NODE_AGENT=/usr/lib/sysprep/sysprep \
  AGENT_BUNDLE=/usr/lib/sysprep/sysprep.mjs \
  DISK_RUNTIME=/var/lib/sysprep/runtime \
  FIRSTBOOT=/usr/lib/sysprep/firstboot \
  STATE_DIR=/var/lib/sysprep/state \
  STATE_INI=/var/lib/sysprep/state/State.ini \
  PLAN_DIR=/var/lib/sysprep/state/plans \
  STEPS=/var/lib/sysprep/state/firstboot.steps \
  CACHE=/var/lib/sysprep/unattend.xml \
  PANTHER=/var/log/sysprep/panther \
  UNATTEND_GC=/var/log/sysprep/panther/unattendgc \
  SPECIALIZE_MARKER=/var/lib/sysprep/state/specialize.inprogress \
  OOBE_MARKER=/var/lib/sysprep/state/oobe.inprogress \
  LOGON_PENDING=/var/lib/sysprep/state/logon-pending \
  HOST_KEYS_PENDING=/var/lib/sysprep/state/host-keys.pending \
  HOST_KEYS_DONE=/var/lib/sysprep/state/host-keys.done \
  AUTOLOGON=/var/lib/sysprep/state/autologon \
  FIRST_LOGON=/var/lib/sysprep/firstlogon/commands \
  PRESET_GUARD=/etc/systemd/system-preset/00-sysprep-first-boot.preset \
  SAFE_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  FIRSTBOOT_CONF=/etc/sysprep/firstboot.conf \
  RETRY_CAP=3 \
  RUN_SYNC_TIMEOUT_DEFAULT=3600 \
  STATE_COMPLETE=IMAGE_STATE_COMPLETE \
  STATE_UNDEPLOYABLE=IMAGE_STATE_UNDEPLOYABLE \
  STATE_GENERALIZE_RESEAL_TO_OOBE=IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE \
  STATE_GENERALIZE_RESEAL_TO_AUDIT=IMAGE_STATE_GENERALIZE_RESEAL_TO_AUDIT \
  STATE_SPECIALIZE_RESEAL_TO_OOBE=IMAGE_STATE_SPECIALIZE_RESEAL_TO_OOBE \
  STATE_SPECIALIZE_RESEAL_TO_AUDIT=IMAGE_STATE_SPECIALIZE_RESEAL_TO_AUDIT \
  ENV_PASS=SYSPREP_PASS \
  ENV_MODE=SYSPREP_MODE \
  ENV_VM=SYSPREP_VM \
  ENV_DRY_RUN=SYSPREP_DRY_RUN \
  ENV_LOG=SYSPREP_LOG \
  ENV_PROVIDER=SYSPREP_PROVIDER \
  SYSTEM_CREDENTIALS=/run/credentials/@system \
  CREDENTIAL_NAME=sysprep.unattend \
  PER_CLONE_TAKEN=/var/lib/sysprep/state/plans/per-clone \
  DMI_DIR=/sys/class/dmi/id \
  PLAN_FORMAT='sysprep-plan 1' \
  HOST_KEYS_FORMAT='sysprep-host-keys 1' \
  FIRST_LOGON_FORMAT='sysprep-first-logon 1'
readonly CONSOLE_GETTYS=(getty@tty1.service serial-getty@ttyS0.service)
# per-clone answer files (SPEC 10): config drives' labels, and "CLOUD FILE OP VALUE" rules on DMI
readonly CONFIG_DRIVE_LABELS=(cidata CIDATA config-2 CONFIG-2)
readonly CLOUD_DMI_RULES=('ec2 sys_vendor = Amazon EC2' 'ec2 bios_vendor = Amazon EC2' 'ec2 product_uuid ^ ec2' 'openstack product_name = OpenStack Nova' 'openstack product_name = OpenStack Compute' 'openstack chassis_asset_tag = OpenStack Nova' 'openstack chassis_asset_tag = OpenTelekomCloud' 'gce product_name = Google Compute Engine' 'gce bios_vendor = Google')
readonly PROBE_SKIP_MAJORS=(1 2)
# the operations a plan step may call: MIN MAX GROUP (argument counts; MAX -1: extra arguments in GROUPs)
# REPEATABLE (1: run again after a power loss it leaves the same result; its step is not synced on its own)
declare -rA OP_ARITY=(
  [op_log]='2 2 1 1'
  [op_set_state]='1 1 1 1'
  [op_hostname]='2 2 1 1'
  [op_hostname_generated]='2 2 1 0'
  [op_chassis]='2 2 1 1'
  [op_timezone]='2 2 1 1'
  [op_locale]='2 4 1 1'
  [op_keyboard]='3 3 1 1'
  [op_account]='3 3 1 1'
  [op_passwords]='0 -1 2 1'
  [op_first_user]='3 3 1 0'
  [op_autologon]='2 2 1 1'
  [op_first_logon_commands]='0 -1 3 1'
  [op_copy_profile]='0 0 1 1'
  [op_write_file]='3 3 1 1'
  [op_run_sync]='5 6 1 0'
  [op_run_async]='4 5 1 0'
  [op_external]='5 -1 1 0'
  [op_wait_host_keys]='0 0 1 0'
  [op_agent]='1 -1 1 0'
  [op_install_cache]='2 2 1 1'
  [op_power]='2 2 1 0'
  [op_logon_pending]='0 0 1 1'
  [op_interactive_oobe]='1 -1 1 0'
  [op_generalize]='2 2 1 0'
)
# --- END GENERATED CONSTANTS ---
export PATH=$SAFE_PATH

# return codes of ops that ask for a restart (RunSynchronous WillReboot)
readonly RC_REBOOT_AFTER=90 # the step is done; restart, then the next step
readonly RC_REBOOT_AGAIN=91 # restart, then this step again (OnRequest exit code 2)

PHASE=${PHASE:-}
ERR=''
declare -A STEPS_DONE=()

# ------------------------------------------------------------------------------------------------
# logs: the Panther grammar of src/core/panther.ts (local time, level padded to 11, ten spaces where
# Windows has a message id, the component padded to 6)

log_to() { # DIR COMPONENT LEVEL MESSAGE
  local dir=$1 component=$2 level=$3 ts line text=''
  printf -v ts '%(%Y-%m-%d %H:%M:%S)T' -1
  while IFS= read -r line; do
    printf -v line '%s, %-11s%10s %-6s %s' "$ts" "$level" '' "$component" "$line"
    text+=$line$'\n'
  done <<<"$4"
  [[ -d $dir ]] || mkdir -p "$dir"
  printf '%s' "$text" >>"$dir/setupact.log"
  if [[ $level != Info ]]; then printf '%s' "$text" >>"$dir/setuperr.log"; fi
}
log_info() { log_to "$PANTHER" SYSPRP Info "$1"; }
log_warn() { log_to "$PANTHER" SYSPRP Warning "$1"; }
log_error() { log_to "$PANTHER" SYSPRP Error "$1"; }
gc_info() { log_to "$UNATTEND_GC" UNATTD Info "$1"; }
gc_warn() { log_to "$UNATTEND_GC" UNATTD Warning "$1"; }
op_log() { # LEVEL MESSAGE: a note the planner left (an unknown time zone, a group the image lacks)
  case $1 in
  Warning) log_warn "$2" ;;
  *) log_info "$2" ;;
  esac
}
# Both files exist from a pass's start, as Windows keeps them: an empty setuperr.log means no problem.
open_logs() {
  local dir
  [[ -d $PANTHER && -d $UNATTEND_GC ]] || mkdir -p "$PANTHER" "$UNATTEND_GC"
  for dir in "$PANTHER" "$UNATTEND_GC"; do
    : >>"$dir/setupact.log"
    : >>"$dir/setuperr.log"
  done
}
banner() {
  local ruler='========================================================'
  log_info "$ruler"$'\n''===          Beginning of a new sysprep run          ==='$'\n'"$ruler"
}
# the unit's console (specialize: journal+console; OOBE: the console itself)
say() { printf 'sysprep: %s\r\n' "$1"; }

now_iso() { printf -v NOW '%(%Y-%m-%dT%H:%M:%S%z)T' -1; }
# seconds since this runner started, to a tenth
readonly STARTED=${EPOCHREALTIME:-0}
elapsed() { local e; elapsed_into e && printf "%s" "$e"; }
elapsed_into() { # VAR: no subshell (each fork costs tens of milliseconds of CPU under emulation)
  local now=${EPOCHREALTIME:-0} a b
  a=${STARTED/[.,]/} b=${now/[.,]/}
  local d=$(((10#$b - 10#$a) / 100000))
  printf -v "$1" '%d.%d' $((d / 10)) $((d % 10))
}

# ------------------------------------------------------------------------------------------------
# files

# The whole content of a file into the variable named $2 (empty when missing); no subshell.
# Is the file there, as the pass sees it: in place, or written by a repeatable step of this pass and
# not yet renamed into place (PENDING)?
present() { [[ -e $1 || -n ${PENDING[$1]:-} ]]; }

# A file a repeatable step rewrote is read from its new content, not yet renamed into place (PENDING).
read_file() {
  local -n __into=$2
  local __from=${PENDING[$1]:-$1}
  __into=''
  [[ -f $__from ]] && IFS= read -r -d '' __into <"$__from"
  return 0
}

# What a power loss left of an earlier run's write of PATH: its .sysprep-PID-NAME files of other PIDs.
drop_stale() { # PATH
  local stale pid
  for stale in "${1%/*}"/.sysprep-*-"${1##*/}"; do
    pid=${stale#"${1%/*}"/.sysprep-}
    pid=${pid%-"${1##*/}"}
    [[ $pid =~ ^[0-9]+$ && $pid != "$$" ]] && rm -f -- "$stale"
  done
  return 0
}
# Replace a file's contents atomically (a temporary file beside it, then a rename), keeping its mode,
# owner and security context (cp --attributes-only); nothing is written when the content is the same.
# MODE: a file of sysprep's own, made with that mode. While a repeatable step runs (DEFER), the rename
# waits for the next flush_pending, which renames every file those steps wrote in one process: under
# emulation each process started costs the boot tens of milliseconds of CPU. A repeatable op that starts
# a program which may read such a file (useradd, chpasswd, systemctl, locale-gen) flushes first.
write_file() { # PATH CONTENT [MODE]
  local path=$1 content=$2 mode=${3:-} current tmp
  tmp=${path%/*}/.sysprep-$$-${path##*/}
  if [[ -f $path || -n ${PENDING[$path]:-} ]]; then
    read_file "$path" current
    [[ $current == "$content" && -z $mode ]] && return 0
  fi
  drop_stale "$path"
  # a write that fails leaves no temporary file behind (a full disk, a read-only /etc)
  if [[ -n $mode ]]; then
    umask 077
    { printf '%s' "$content" >"$tmp" && umask 022 && chmod "$mode" "$tmp"; } || { umask 022; rm -f -- "$tmp"; unset "PENDING[$path]"; return 1; }
  else
    if [[ -e $path && -z ${PENDING[$path]:-} ]] && keeps_attributes "$path"; then
      cp --attributes-only --preserve=all -- "$path" "$tmp" || { rm -f -- "$tmp"; return 1; }
    fi
    printf '%s' "$content" >"$tmp" || { rm -f -- "$tmp"; unset "PENDING[$path]"; return 1; }
  fi
  WRITTEN+=("$path")
  if ((DEFER)); then
    PENDING[$path]=$tmp
    return 0
  fi
  unset "PENDING[$path]"
  mv -f -- "$tmp" "$path" || { rm -f -- "$tmp"; return 1; }
}
# Does FILE have attributes a new file would not get? A new file here is root's, its mode 0644 (umask
# 022), without extended attributes. The ops rewrite well-known configuration files (the host name,
# hosts, the zone, the locale, the keyboard), which are so on every distribution: their attributes are
# copied (cp, a process, dear under emulation) only when another owner or group, an executable or
# special bit, or an SELinux system (whose labels are extended attributes) says they may differ. Not
# seen without a process: group or other permission bits other than r--, an ACL, other extended
# attributes (the new file then has the defaults).
keeps_attributes() { # FILE
  [[ ! -O $1 || ! -G $1 || -x $1 || -u $1 || -g $1 || -k $1 || -e /sys/fs/selinux/enforce ]]
}
# the files this phase wrote: on the disk with the next state change (op_set_state), in one sync
declare -a WRITTEN=()
# a repeatable step is running (step); the files it wrote and waiting to be renamed (path: temporary
# file), and the repeatable steps done, recorded once their files are in place (flush_pending)
DEFER=0
declare -A PENDING=()
declare -a DONE_LATER=()

# Every file the repeatable steps wrote so far renamed into place (one process), then those steps
# recorded as done (not synced: the next sync takes the record along). A power loss before this leaves
# temporary files (the next write of the file removes them) and steps that run again, to the same
# result. Before a step that is not repeatable (it may read them) and a power action, at the end of a
# pass and on the way out; a state change renames them with the state's file (op_set_state).
flush_pending() {
  local id line=''
  if ((${#PENDING[@]})); then
    rename_all ".sysprep-$$-" "${PENDING[@]}" || { ERR="could not rename ${!PENDING[*]} into place"; return 1; }
    PENDING=()
  fi
  ((${#DONE_LATER[@]})) || return 0
  for id in "${DONE_LATER[@]}"; do line+="$id ${STEPS_DONE[$id]}"$'\n'; done
  DONE_LATER=()
  printf '%s' "$line" >>"$STEPS" || { ERR="could not record steps as done in $STEPS"; return 1; }
}

# Rename each FILE, whose name holds PART, to its name without it (replacing what is there), in the
# order given: one util-linux rename.ul for all when the image has it, else one mv each.
rename_all() { # PART FILE... (absolute paths; the first PART of the last component goes)
  local suffix=$1 f
  shift
  if type -P rename.ul >/dev/null; then
    rename.ul -- "$suffix" '' "$@" && return 0
  fi
  local base
  for f; do
    base=${f##*/}
    [[ ! -e $f ]] || mv -f -- "$f" "${f%/*}/${base/"$suffix"/}" || return 1
  done
}

# The image state, written as src/core/state.ts writes it: temporary file, fsync, rename.
# Read as src/system/state.ts reads it (parseIni, readImageState): lines trimmed, ; and # comments,
# [sections], the last ImageState of [State] wins, one pair of quotes stripped; no file is a
# never-sealed image (COMPLETE), anything else that is not a known state is UNDEPLOYABLE.
read_state() { local s; read_state_into s && printf "%s" "$s"; }
read_state_into() { # VAR: no subshell (its locals are __-named: VAR is the caller's)
  local line section='' key value __state=''
  if [[ ! -e $STATE_INI ]]; then
    printf -v "$1" 'IMAGE_STATE_COMPLETE'
    return 0
  fi
  if [[ -f $STATE_INI && -r $STATE_INI ]]; then
    while IFS= read -r line || [[ -n $line ]]; do
      line=${line#"${line%%[![:space:]]*}"}
      line=${line%"${line##*[![:space:]]}"}
      [[ -z $line || $line == [\;#]* ]] && continue
      if [[ $line =~ ^\[(.+)\]$ ]]; then
        section=${BASH_REMATCH[1]}
        section=${section#"${section%%[![:space:]]*}"}
        section=${section%"${section##*[![:space:]]}"}
        continue
      fi
      [[ $line == *=* && $section == State ]] || continue
      key=${line%%=*} value=${line#*=}
      key=${key%"${key##*[![:space:]]}"}
      value=${value#"${value%%[![:space:]]*}"}
      [[ ${#value} -ge 2 && $value == \"*\" ]] && value=${value:1:${#value}-2}
      [[ $key == ImageState ]] && __state=$value
    done <"$STATE_INI"
  fi
  case $__state in
  IMAGE_STATE_COMPLETE | IMAGE_STATE_UNDEPLOYABLE | IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE | IMAGE_STATE_GENERALIZE_RESEAL_TO_AUDIT | \
    IMAGE_STATE_SPECIALIZE_RESEAL_TO_OOBE | IMAGE_STATE_SPECIALIZE_RESEAL_TO_AUDIT) printf -v "$1" '%s' "$__state" ;;
  *) printf -v "$1" 'IMAGE_STATE_UNDEPLOYABLE' ;;
  esac
}
# The files the phase wrote so far (the repeatable steps' still under their temporary names) and its
# step record reach the disk with the new state's file, in one sync; then one rename.ul puts those
# files and, last, the state in place (a process fewer than a rename of its own: under emulation each
# costs tens of milliseconds of CPU), and the steps that waited for their files are recorded (the next
# sync takes the record along; after a power loss before it they run again, to the same result).
op_set_state() { # STATE
  local tmp=$STATE_DIR/.sysprep-$$-${STATE_INI##*/} f
  local -a also=()
  for f in "${WRITTEN[@]}"; do
    f=${PENDING[$f]:-$f}
    [[ -f $f ]] && also+=("$f")
  done
  [[ -f $STEPS ]] && also+=("$STEPS")
  drop_stale "$STATE_INI"
  if ! { [[ -d $STATE_DIR ]] || mkdir -p "$STATE_DIR"; } ||
    ! { printf '[State]\nImageState="%s"\n' "$1" >"$tmp" && sync -- "${also[@]}" "$tmp" && rename_all ".sysprep-$$-" "${PENDING[@]}" "$tmp"; }; then
    rm -f -- "$tmp" 2>/dev/null
    ERR="could not write the image state $1 to $STATE_INI"
    return 1
  fi
  PENDING=()
  WRITTEN=()
  flush_pending
}

# ------------------------------------------------------------------------------------------------
# steps: each one once per phase, recorded in $STEPS ("ID TIME" lines after a "PHASE TARGET" header)

load_steps() { # PHASE: the record of an interrupted run of this phase, if there is one
  local id at phase target
  STEPS_DONE=()
  [[ -f $STEPS ]] || return 1
  {
    read -r phase target _ || return 1
    [[ $phase == "$1" ]] || return 1
    STEPS_TARGET=$target
    while read -r id at; do STEPS_DONE[$id]=$at; done
  } <"$STEPS"
  return 0
}
new_steps() { # PHASE TARGET
  STEPS_DONE=()
  now_iso
  printf '%s %s %s\n' "$1" "$2" "$NOW" >"$STEPS" || { ERR="could not start the step record $STEPS"; return 1; }
}
# The record the resume depends on reaches the disk before the next step starts (a step done but not
# recorded would be done twice after a power loss), unless its op is repeatable (OP_ARITY): then it is
# recorded once the files it wrote are in place (flush_pending), and the next sync takes it along (a
# later step's, or the state change's). A record that cannot be written ends the phase.
mark_done() { # ID [REPEATABLE]
  now_iso
  STEPS_DONE[$1]=$NOW
  if [[ ${2:-0} == 1 ]]; then
    DONE_LATER+=("$1")
    return 0
  fi
  if ! { printf '%s %s\n' "$1" "$NOW" >>"$STEPS" && sync -- "$STEPS"; }; then
    fail "${PHASE:-firstboot}" "could not record step $1 as done in $STEPS"
  fi
}

# Is OP an operation of the runner's table (OP_ARITY, from src/firstboot/contract.ts), and does COUNT
# arguments fit it? Nothing else is ever called by a plan or `firstboot do`.
known_op() { # OP COUNT (sets OP_REPEATABLE)
  local op=$1 count=$2 min max group
  [[ $op == op_* && -n ${OP_ARITY[$op]:-} ]] && declare -F "$op" >/dev/null || return 1
  read -r min max group OP_REPEATABLE <<<"${OP_ARITY[$op]}"
  ((count >= min)) || return 1
  if ((max >= 0)); then ((count <= max)); else (((count - min) % group == 0)); fi
}

# Run a step unless it is recorded as done. An op fails by returning non-zero with $ERR set; the
# RunSynchronous codes ask for a restart (the record reaches the disk first).
step() { # ID OP [ARGS...]
  local id=$1 rc repeatable
  shift
  if ! known_op "${1:-}" $(($# - 1)); then
    ERR="$id: no operation ${1:-} with $(($# - 1)) arguments"
    return 1
  fi
  if [[ -n ${STEPS_DONE[$id]:-} ]]; then
    log_info "$id: already done before the interruption"
    return 0
  fi
  repeatable=$OP_REPEATABLE
  ERR=''
  # a step that is not repeatable (a command, the agent) finds what the earlier steps wrote in place
  if [[ $repeatable != 1 ]] && ! flush_pending; then return 1; fi
  CURRENT_STEP=$id # named when the phase stops unexpectedly (on_exit)
  DEFER=$repeatable
  "$@"
  rc=$?
  DEFER=0
  case $rc in
  0) mark_done "$id" "$repeatable" ;;
  "$RC_REBOOT_AFTER") mark_done "$id" && sync "$STEPS" ;;
  "$RC_REBOOT_AGAIN") sync "$STEPS" ;;
  *)
    [[ -n $ERR ]] || ERR="$id failed (exit code $rc)"
    # what it and the steps before it wrote is in place, as if each file had been renamed at once
    local err=$ERR
    flush_pending
    ERR=$err
    ;;
  esac
  return "$rc"
}

# ------------------------------------------------------------------------------------------------
# records, failures, the commands

# A file of records, as src/firstboot/contract.ts writes them: a header field, then per record KIND,
# COUNT and COUNT fields, every field ending with a NUL byte. HANDLER (a function of this script)
# is called with KIND FIELD... for each record and refuses one by returning non-zero. Nothing read is
# ever run as shell: values are only ever arguments.
read_records() { # FILE HEADER HANDLER
  local handler=$3 field kind='' count i
  local -a fields
  {
    IFS= read -r -d '' field && [[ $field == "$2" ]] || return 1
    while IFS= read -r -d '' kind; do
      IFS= read -r -d '' count && [[ $count =~ ^[0-9]{1,6}$ ]] || return 1
      fields=()
      for ((i = 0; i < 10#$count; i++)); do
        IFS= read -r -d '' field || return 1
        fields+=("$field")
      done
      "$handler" "$kind" "${fields[@]}" || return 1
      kind=''
    done
    # a last field without its NUL: the file was cut short
    [[ -z $kind ]]
  } <"$1"
}

# A phase that fails says so in setuperr.log and on the console (its unit's standard error: the journal
# and the console), with the step it was in, and leaves the machine not set up. Identical failures in
# a row are counted in $STATE_DIR/PHASE.failures (the count, the step, the reason: one line each); the
# generator stops starting a phase that failed RETRY_CAP times in a row the same way, and a unit it
# makes says so at each boot (firstboot gave-up). A phase that completes removes its count. A power
# loss or a stop by a signal is an interruption, not a failure: it is logged, not counted.
RUNNING=''      # the phase under way: an exit before it ends is reported (on_exit)
EXIT_HANDLED='' # the exit was reported already (fail) or is planned
CURRENT_STEP='' # the step under way (step)
SIGNALLED=''

failures_file_into() { printf -v "$1" '%s/%s.failures' "$STATE_DIR" "${2:-${PHASE:-firstboot}}"; } # VAR [PHASE]: no subshell

# Count this failure: one more when it is the same (step and reason) as the last one of the phase.
record_failure() { # REASON
  local file count='' step=${CURRENT_STEP:--} old_step='' old_reason='' reason=${1//$'\n'/ }
  FAILURES=0
  [[ -n $RUNNING ]] || return 0
  failures_file_into file "$RUNNING"
  if [[ -f $file ]]; then
    { read -r count; read -r old_step; read -r old_reason; } <"$file"
    [[ $count =~ ^[0-9]{1,6}$ && $old_step == "$step" && $old_reason == "$reason" ]] || count=0
  fi
  FAILURES=$((10#${count:-0} + 1))
  if ! { printf '%s\n%s\n%s\n' "$FAILURES" "$step" "$reason" >"$file.tmp" && sync -- "$file.tmp" && mv -f -- "$file.tmp" "$file"; }; then
    rm -f -- "$file.tmp" 2>/dev/null
    log_error "${RUNNING}: could not count this failure in $file"
  fi
}

report_failure() { # PHASE MESSAGE [counted]
  local state what next file
  read_state_into state
  what=$2
  [[ -n $CURRENT_STEP && $what != *"(step $CURRENT_STEP)" ]] && what+=" (step $CURRENT_STEP)"
  FAILURES=0
  [[ ${3:-} == counted ]] && record_failure "$what"
  if ((FAILURES >= RETRY_CAP)); then
    failures_file_into file "$RUNNING"
    next="it failed this way $FAILURES times in a row: it is not started again at boot (reseal the image, or remove $file to try again)"
  else
    next='the next boot tries again'
  fi
  log_error "$1: $what. The image state stays $state; $next."
  printf '\r\nsysprep: %s failed: %s\r\nThis machine is not set up (%s). See %s/setuperr.log.\r\n\r\n' "$1" "$what" "$state" "$PANTHER" >&2
}

fail() { # PHASE MESSAGE
  EXIT_HANDLED=1
  report_failure "$1" "$2" counted
  exit 1
}

# Any other way out of a phase before its end: a missing argument under set -u, a sourced file's exit,
# a signal (systemd stopping the unit). Reported like a failure, with the command it stopped at.
on_exit() {
  local rc=$? command=$BASH_COMMAND
  # what the finished steps wrote goes into place, as if each file had been renamed at once
  ((${#PENDING[@]} + ${#DONE_LATER[@]} == 0)) || flush_pending
  [[ -n $RUNNING && -z $EXIT_HANDLED ]] || return 0
  EXIT_HANDLED=1
  if [[ -n $SIGNALLED ]]; then
    report_failure "$RUNNING" "stopped by SIG$SIGNALLED (a shutdown, or systemd stopping its unit) while running: $command"
  elif ((rc != 0)); then
    report_failure "$RUNNING" "the runner stopped unexpectedly (exit code $rc) while running: $command" counted
  fi
}
on_signal() { # NAME NUMBER
  SIGNALLED=$1
  exit $((128 + $2))
}
trap on_exit EXIT
trap 'on_signal TERM 15' TERM
trap 'on_signal INT 2' INT
trap 'on_signal HUP 1' HUP

# The unit the generator makes instead of a phase that failed RETRY_CAP times in a row the same way.
gave_up_main() { # PHASE
  local phase=${1:-} file count='' step='' reason=''
  [[ $phase =~ ^[a-z-]+$ ]] || { echo "firstboot gave-up: no such phase: $phase" >&2; exit 2; }
  open_logs
  failures_file_into file "$phase"
  [[ -f $file ]] && { read -r count; read -r step; read -r reason; } <"$file"
  log_error "$phase: not started at this boot: it failed ${count:-$RETRY_CAP} times in a row (step ${step:--}: ${reason:-unknown}). The image state stays $(read_state); reseal the image, or remove $file to try again."
  printf '\r\nsysprep: %s is not started any more: it failed %s times in a row (%s).\r\nThis machine is not set up (%s). See %s/setuperr.log; remove %s to try again.\r\n\r\n' \
    "$phase" "${count:-$RETRY_CAP}" "${reason:-unknown}" "$(read_state)" "$PANTHER" "$file" >&2
}

# The end of a phase that did all its work: what counted its failures goes.
phase_done() {
  local file
  RUNNING=''
  failures_file_into file
  [[ ! -e $file ]] || rm -f -- "$file" 2>/dev/null
}

main() {
  local command=${1:-}
  shift || true
  case $command in
  specialize) phase_specialize ;;
  host-keys) phase_host_keys ;;
  oobe) phase_oobe ;;
  audit) phase_audit ;;
  logon) logon_main ;;
  getty) getty_main "$@" ;;
  do) do_step "$@" ;;
  gave-up) gave_up_main "$@" ;;
  *)
    echo "usage: firstboot specialize|oobe|audit|logon|getty TTY TERM|do ID OP [ARGS...] (run by sysprep's units)" >&2
    exit 2
    ;;
  esac
}

# ------------------------------------------------------------------------------------------------
# This clone's keys, beside the rest of the boot, in a unit of their own (sysprep-host-keys.service):
# - the SSH host keys of the types the image's sshd uses (the planner read its HostKey lines into
#   plans/host-keys): ssh-keygen needs seconds of CPU for an RSA key, and only sshd waits for it. Each
#   key is written under a temporary name and renamed with its .pub once complete: a power loss never
#   leaves half a key behind.
# - what packages made for the golden machine and a generalize provider removed (`make` records: the
#   snakeoil certificate, Dropbear's host keys, the iSCSI initiator name …), made again by the
#   package's own tool. The unit is ordered before the units that use them (a drop-in the seal wrote).
#   Each one made is recorded in HOST_KEYS_DONE, so a power loss repeats only what was not finished.

# One record of the host-keys plan (read_records' handler): a key's type and file, the host name, or
# a package's key or id to make (ID OUT PROGRAM ARGS...; OUT is '' or the file the command names @out).
host_keys_record() { # KIND FIELD...
  case $1/$# in
  name/2) [[ $2 =~ ^[a-z0-9][a-z0-9.-]{0,252}$ ]] && host_name=$2 ;;
  key/3) [[ $2 =~ ^(rsa|ecdsa|ed25519|dsa)$ && $3 == /* && $3 != *[[:space:]]* ]] && host_keys+=("$2" "$3") ;;
  make/*)
    (($# >= 4)) && [[ $2 =~ ^[a-z0-9][a-z0-9._-]{0,99}$ && $4 == /* ]] || return 1
    [[ -z $3 || ($3 == /* && $3 != *[[:space:]]*) ]] || return 1
    makes+=("$(($# - 1))" "${@:2}") ;;
  *) return 1 ;;
  esac
}

# Make the packages' keys and ids of the plan (`makes`: COUNT ID OUT ARGV... groups), each once.
make_package_keys() {
  local n id out tmp i started rc
  local -a argv
  set -- "${makes[@]}"
  while (($# >= 4)); do
    n=$1 id=$2 out=$3
    argv=("${@:4:n-2}")
    shift $((n + 1))
    [[ -f $HOST_KEYS_DONE ]] && grep -qxF -- "$id" "$HOST_KEYS_DONE" && continue
    if [[ ! -x ${argv[0]} ]]; then
      log_warn "package-keys: $id: ${argv[0]} is not in the image; not made"
      continue
    fi
    tmp=''
    if [[ -n $out ]]; then
      tmp=${out%/*}/.${out##*/}.sysprep-$$
      rm -f -- "${out%/*}/.${out##*/}".sysprep-*
      for i in "${!argv[@]}"; do [[ ${argv[i]} == @out ]] && argv[i]=$tmp; done
    fi
    started=$SECONDS
    "${argv[@]}" </dev/null >>"$PANTHER/package-keys.out" 2>&1
    rc=$?
    if ((rc != 0)) || { [[ -n $tmp ]] && ! { [[ -e $tmp ]] && sync -- "$tmp" && mv -f -- "$tmp" "$out"; }; }; then
      [[ -n $tmp ]] && rm -f -- "$tmp"
      # the service that needs it will say so too; the other keys are still made
      log_error "package-keys: $id: ${argv[*]} failed (exit code $rc; its output is in $PANTHER/package-keys.out)"
      say "could not make $id (see $PANTHER/setuperr.log)"
      continue
    fi
    printf '%s\n' "$id" >>"$HOST_KEYS_DONE" && sync -- "$HOST_KEYS_DONE"
    log_info "package-keys: made $id in $((SECONDS - started)) s${out:+ ($out)}"
  done
}

phase_host_keys() {
  local host type file tmp list i
  local host_name='' # the clone's name when the plan knew it (ComputerName)
  local -a host_keys=() made=() makes=()
  PHASE='host-keys'
  [[ -e $HOST_KEYS_PENDING ]] || return 0
  open_logs
  RUNNING='host-keys'
  # the plan's records (`name` HOST, `key` TYPE FILE, `make` ID OUT ARGV...); without a readable one, the usual three
  if [[ ! -f $PLAN_DIR/host-keys ]] || ! read_records "$PLAN_DIR/host-keys" "$HOST_KEYS_FORMAT" host_keys_record; then
    [[ -f $PLAN_DIR/host-keys ]] && log_warn "ssh-host-keys: $PLAN_DIR/host-keys cannot be read; making the usual keys"
    host_name='' makes=()
    host_keys=(rsa /etc/ssh/ssh_host_rsa_key ecdsa /etc/ssh/ssh_host_ecdsa_key ed25519 /etc/ssh/ssh_host_ed25519_key)
  fi
  if ! type -P ssh-keygen >/dev/null || [[ ! -d /etc/ssh ]]; then
    log_info 'ssh-host-keys: none needed (no ssh-keygen or /etc/ssh)'
    host_keys=()
  fi
  # what a power loss (or a shutdown) left of a key being made
  local stale
  for stale in /etc/ssh/.ssh_host_*.sysprep-* /etc/ssh/ssh_host_*.sysprep-*; do rm -f -- "$stale"; done
  set -- "${host_keys[@]}"
  local -a pending=()
  while (($# >= 2)); do
    type=$1 file=$2
    shift 2
    [[ -e $file ]] && continue
    tmp=$file.sysprep-$$
    [[ ! -e $tmp && ! -e $tmp.pub ]] || rm -f -- "$tmp" "$tmp.pub"
    if ! ssh-keygen -q -N '' -t "$type" -C "root@${host_name:-localhost}" -f "$tmp" </dev/null >/dev/null; then
      rm -f -- "$tmp" "$tmp.pub"
      fail ssh-host-keys "ssh-keygen -t $type failed"
    fi
    pending+=("$tmp" "$file")
  done
  local took
  elapsed_into took
  # the keys name the clone, as Debian's and cloud-init's do (root@HOST). The unit starts beside
  # specialize, whose first step writes the name: the plan's name is used when the seal knew it
  # (ComputerName), and the comment corrected when specialize chose another (a generated name, an
  # answer file found at boot). Packages' certificates name the host too: for them, wait longer.
  local wait=100 nap=''
  ((${#makes[@]})) && wait=1200
  for ((i = 0; i < wait; i++)); do
    [[ -s /etc/hostname ]] && break
    # a tenth of a second without a process each time (a sleep costs tens of milliseconds of CPU
    # under emulation): a read with a timeout from a pipe nobody writes to
    [[ -n $nap ]] || exec {nap}<> <(:)
    read -r -t 0.1 -u "$nap" _
  done
  [[ -z $nap ]] || exec {nap}<&-
  { read -r host </etc/hostname; } 2>/dev/null || host=localhost
  local -a synced=()
  set -- "${pending[@]}"
  while (($# >= 2)); do
    tmp=$1 file=$2
    shift 2
    if [[ ${host:-localhost} != "${host_name:-localhost}" ]]; then
      ssh-keygen -q -c -C "root@$host" -P '' -f "$tmp" </dev/null >/dev/null 2>&1 || log_warn "ssh-host-keys: the comment of $file stays root@localhost"
    fi
    synced+=("$tmp.pub" "$tmp")
  done
  # every new key on the disk (one sync), then all renamed into place, each .pub before its key
  # (one process: a power loss between the two leaves a .pub without its key, which the next boot
  # makes again)
  if ((${#synced[@]})); then
    sync -- "${synced[@]}" || fail ssh-host-keys "could not write the new keys to the disk"
    rename_all ".sysprep-$$" "${synced[@]}" || fail ssh-host-keys "could not rename the new keys into place"
  fi
  set -- "${pending[@]}"
  while (($# >= 2)); do made+=("$2"); shift 2; done
  if ((${#made[@]})); then
    printf -v list '%s, ' "${made[@]}"
    log_info "ssh-host-keys: generated ${list%, } in $took s"
    say "SSH host keys made: ${list%, }"
  fi
  if ((${#makes[@]})); then
    # the packages' tools read the running name (make-ssl-cert: hostname -f); specialize sets it right
    # after /etc/hostname, so it may not be there yet: the same name, set here too
    local running=''
    read -r running </proc/sys/kernel/hostname 2>/dev/null
    if [[ -n $host && $host != "$running" ]]; then printf '%s' "$host" 2>/dev/null >/proc/sys/kernel/hostname || log_warn "could not set the running host name"; fi
    make_package_keys
  fi
  # the record of the packages' keys goes with the marker (one rm, in this order), and the plan after
  # them once the clone is set up (the OOBE keeps it while the keys are pending: a power loss here
  # must find it); an OOBE that finished meanwhile saw the marker: its plan is removed here then
  local -a gone=()
  local state
  [[ -e $HOST_KEYS_DONE ]] && gone+=("$HOST_KEYS_DONE")
  gone+=("$HOST_KEYS_PENDING")
  read_state_into state
  [[ $state == IMAGE_STATE_COMPLETE ]] && gone+=("$PLAN_DIR/host-keys")
  rm -f -- "${gone[@]}" || fail ssh-host-keys "could not remove $HOST_KEYS_PENDING"
  if [[ $state != IMAGE_STATE_COMPLETE && -e $PLAN_DIR/host-keys ]]; then
    read_state_into state
    [[ $state == IMAGE_STATE_COMPLETE ]] && rm -f -- "$PLAN_DIR/host-keys"
  fi
  phase_done
}

# The console getty (a drop-in of AutoLogon's): an automatic logon while the count lasts, then the
# login prompt. agetty's own options are the unit's: serial gettys keep their baud rates. The count
# file is data: a count that is not plain digits, or a user name that is not one, is never used (and
# never evaluated); a count that cannot be written down is not spent either: the login prompt then.
getty_main() { # TTY TERM
  local tty=${1:-tty1} term=${2:-linux} user='' count='' left
  local -a baud=(--noclear)
  [[ $tty == ttyS* || $tty == hvc* ]] && baud=(--keep-baud '115200,57600,38400,9600')
  # the console gettys start together: the count is taken under a lock, one logon at a time
  if [[ -f $AUTOLOGON ]] && exec 9>>"$AUTOLOGON.lock" && flock 9 && [[ -f $AUTOLOGON ]] &&
    read -r user count _ <"$AUTOLOGON"; then
    PHASE=autologon
    if [[ ! $count =~ ^[0-9]{1,9}$ || ! $user =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]*[$]?$ ]]; then
      log_error "AutoLogon: $AUTOLOGON does not hold a user name and a logon count; no automatic logon"
      say "AutoLogon: $AUTOLOGON is corrupt; no automatic logon (see $PANTHER/setuperr.log)"
    elif ((10#$count > 0)); then
      left=$((10#$count - 1))
      if ((left > 0)); then
        if write_file "$AUTOLOGON" "$user $left"$'\n'; then
          log_info "AutoLogon: $user on $tty, $left automatic logons left"
        else
          user=''
        fi
      elif rm -f -- "$AUTOLOGON" && [[ ! -e $AUTOLOGON ]]; then
        rm -f -- "$AUTOLOGON.lock" /etc/systemd/system/{getty@tty1,serial-getty@ttyS0}.service.d/sysprep-autologon.conf
        log_info "AutoLogon: the last automatic logon of $user, on $tty (LogonCount used up)"
      else
        user=''
      fi
      if [[ -z $user ]]; then
        log_error "AutoLogon: could not write the remaining logon count to $AUTOLOGON; no automatic logon"
        say "AutoLogon: could not update $AUTOLOGON; no automatic logon (see $PANTHER/setuperr.log)"
      else
        exec 9<&- /sbin/agetty --autologin "$user" "${baud[@]}" "$tty" "$term"
      fi
    fi
  fi
  exec 9<&- /sbin/agetty "${baud[@]}" "$tty" "$term"
}

# ------------------------------------------------------------------------------------------------
# bash reads a script one command at a time: an executed runner (not a sourced one) whose command
# needs nothing below starts here, and what follows is never parsed (under emulation, parsing the
# whole script costs a phase a tenth of a second or more of the boot's CPU). Everything above this
# line is what the host keys, the gettys and a gave-up unit use.
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  case ${1:-} in host-keys | getty | gave-up) main "$@"; exit ;; esac
fi

# ------------------------------------------------------------------------------------------------
# host name

# A name Windows-style (DESKTOP-7K2QF9A), Linux-valid: a prefix (the OS id) and 7 random characters.
generated_hostname() { # PREFIX
  local alphabet=abcdefghjkmnpqrstuvwxyz23456789 tail='' b
  local -a bytes
  if [[ -n ${SRANDOM:-} ]]; then
    for _ in 1 2 3 4 5 6 7; do bytes+=("$SRANDOM"); done
  else
    read -r -a bytes < <(od -An -N7 -tu1 /dev/urandom)
  fi
  for b in "${bytes[@]}"; do tail+=${alphabet:b%${#alphabet}:1}; done
  printf '%s-%s' "$1" "$tail"
}

set_hostname() { # NAME
  local name=$1 hosts line out='' placed=0
  local -a lines
  write_file /etc/hostname "$name"$'\n' || return 1
  read_file /etc/hosts hosts
  present /etc/hosts || hosts=$'127.0.0.1\tlocalhost\n'
  # the golden machine's 127.0.1.1 line goes; this one follows the localhost line
  mapfile -t lines <<<"${hosts%$'\n'}"
  for line in "${lines[@]}"; do
    [[ $line =~ ^127\.0\.1\.1[[:space:]] ]] && continue
    out+=$line$'\n'
    if ((!placed)) && [[ $line =~ ^127\.0\.0\.1[[:space:]] ]]; then
      out+=$'127.0.1.1\t'$name$'\n'
      placed=1
    fi
  done
  ((placed)) || out=$'127.0.1.1\t'$name$'\n'$out
  write_file /etc/hosts "$out" || return 1
  # the kernel's name, now: hostnamectl needs D-Bus, which is not up this early
  printf '%s' "$name" 2>/dev/null >/proc/sys/kernel/hostname || log_warn "could not set the running host name"
}

op_hostname() { # NAME WHY
  set_hostname "$1" || { ERR="could not write the host name $1"; return 1; }
  log_info "hostname: $1 ($2)"
}
op_hostname_generated() { # PREFIX WHY
  local name
  name=$(generated_hostname "$1")
  op_hostname "$name" "$2"
}

# DeviceForm: the chassis type in /etc/machine-info, as hostnamectl set-chassis writes it.
op_chassis() { # CHASSIS WHY
  local info out='' line
  local -a lines
  read_file /etc/machine-info info
  mapfile -t lines <<<"${info%$'\n'}"
  for line in "${lines[@]}"; do [[ -z $line || $line == CHASSIS=* ]] || out+=$line$'\n'; done
  write_file /etc/machine-info "${out}CHASSIS=$1"$'\n' || { ERR="could not write /etc/machine-info"; return 1; }
  log_info "chassis: $1 ($2)"
}

# ------------------------------------------------------------------------------------------------
# time zone, locale, keyboard

op_timezone() { # IANA WHY
  local tz=$1
  if [[ ! -f /usr/share/zoneinfo/$tz ]]; then
    log_warn "time zone $tz: /usr/share/zoneinfo/$tz is not in this image (tzdata); not set"
    return 0
  fi
  if [[ ! -L /etc/localtime || ! /etc/localtime -ef /usr/share/zoneinfo/$tz ]]; then
    ln -sfn -- "/usr/share/zoneinfo/$tz" /etc/localtime || { ERR="could not link /etc/localtime"; return 1; }
  fi
  if present /etc/timezone; then write_file /etc/timezone "$tz"$'\n' || return 1; fi
  log_info "time zone: $tz ($2)"
}

# LANG (and LANGUAGE, for UILanguageFallback) for the system: /etc/default/locale (Debian) or
# /etc/locale.conf (systemd distributions); the locale is compiled when the image can and lacks it.
op_locale() { # LOCALE WHY [LANGUAGE] [COMPILED]: COMPILED is "compiled" when the planner saw it in the image
  local locale=$1 language=${3:-} compiled=${4:-} text gen want entry available
  text="LANG=$locale"$'\n'
  [[ -n $language ]] && text+="LANGUAGE=$language"$'\n'
  if present /etc/default/locale || ! present /etc/locale.conf; then write_file /etc/default/locale "$text" || return 1; fi
  if present /etc/locale.conf; then write_file /etc/locale.conf "$text" || return 1; fi
  if [[ $compiled != compiled && -f /etc/locale.gen ]] && type -P locale-gen >/dev/null; then
    want=${locale,,}
    want=${want//-/}
    available=$(locale -a 2>/dev/null)
    available=${available,,}
    available=${available//-/}
    if [[ $'\n'$available$'\n' != *$'\n'$want$'\n'* ]]; then
      read_file /etc/locale.gen gen
      local charset=${locale#*.}
      [[ $charset == "$locale" ]] && charset=UTF-8
      entry="$locale $charset"
      local re="^#[[:space:]]*${locale//./\\.}[[:space:]]"
      local line out='' found=0
      local -a lines
      mapfile -t lines <<<"${gen%$'\n'}"
      for line in "${lines[@]}"; do
        if ((!found)) && [[ $line =~ $re ]]; then
          line=$entry
          found=1
        fi
        out+=$line$'\n'
      done
      ((found)) || out+=$entry$'\n'
      write_file /etc/locale.gen "$out" || return 1
      flush_pending || return 1 # locale-gen reads /etc/locale.gen
      # Compiling a locale takes seconds (tens of seconds on a slow virtual CPU) and nothing at first
      # boot needs it before a person logs in: beside the boot, as a transient unit of its own.
      if [[ -d /run/systemd/system ]] && type -P systemd-run >/dev/null; then
        if systemd-run --no-block --unit=sysprep-locale-gen --description='sysprep: compile the locale' -- "$(type -P locale-gen)" >/dev/null 2>&1; then
          log_info "locale $locale: compiling in the background (unit sysprep-locale-gen)"
        else
          log_warn "locale-gen could not be started"
        fi
      elif ! locale-gen >/dev/null 2>&1; then
        log_warn 'locale-gen failed'
      fi
    fi
  fi
  log_info "locale: $locale ($2)"
}

# The console and X keyboard: /etc/default/keyboard (Debian) and /etc/vconsole.conf (systemd).
op_keyboard() { # LAYOUT VARIANT WHY
  local layout=$1 variant=$2 kb line out found_layout found_variant
  local -a lines
  if present /etc/default/keyboard || ! present /etc/vconsole.conf; then
    read_file /etc/default/keyboard kb
    present /etc/default/keyboard || kb=$'XKBMODEL="pc105"\nXKBLAYOUT="us"\nXKBVARIANT=""\nXKBOPTIONS=""\nBACKSPACE="guess"\n'
    out='' found_layout=0 found_variant=0
    mapfile -t lines <<<"${kb%$'\n'}"
    for line in "${lines[@]}"; do
      case $line in
      XKBLAYOUT=*) ((found_layout++)) || line="XKBLAYOUT=\"$layout\"" ;;
      XKBVARIANT=*) ((found_variant++)) || line="XKBVARIANT=\"$variant\"" ;;
      esac
      out+=$line$'\n'
    done
    ((found_layout)) || out+="XKBLAYOUT=\"$layout\""$'\n'
    ((found_variant)) || out+="XKBVARIANT=\"$variant\""$'\n'
    write_file /etc/default/keyboard "$out" || return 1
  fi
  if present /etc/vconsole.conf; then
    read_file /etc/vconsole.conf kb
    out=''
    mapfile -t lines <<<"${kb%$'\n'}"
    for line in "${lines[@]}"; do [[ -z $line || $line =~ ^(KEYMAP|XKBLAYOUT|XKBVARIANT)= ]] || out+=$line$'\n'; done
    out+="KEYMAP=$layout${variant:+-$variant}"$'\n'"XKBLAYOUT=$layout"$'\n'
    [[ -n $variant ]] && out+="XKBVARIANT=$variant"$'\n'
    write_file /etc/vconsole.conf "$out" || return 1
  fi
  log_info "keyboard: $layout${variant:+($variant)} ($3)"
}

# ------------------------------------------------------------------------------------------------
# accounts and passwords: the image's useradd and chpasswd, so its PAM and login.defs choose the hash
# (yescrypt on Debian 12, SHA-512 crypt elsewhere). Secrets travel on standard input, never in a log.

account_exists() { # NAME
  local line
  while IFS= read -r line; do [[ ${line%%:*} == "$1" ]] && return 0; done </etc/passwd
  return 1
}

group_exists() { # NAME
  local line
  while IFS= read -r line; do [[ ${line%%:*} == "$1" ]] && return 0; done </etc/group
  return 1
}

op_account() { # NAME FULL-NAME GROUPS(comma-separated)
  local name=$1 full=$2 groups=$3 shell=/bin/sh err
  flush_pending || return 1 # useradd reads login.defs, /etc/default/useradd, /etc/skel …
  if account_exists "$name"; then
    if [[ -n $groups ]]; then
      usermod -a -G "$groups" "$name" || { ERR="usermod -a -G $groups $name failed"; return 1; }
      log_info "account $name exists; added to $groups"
    fi
    return 0
  fi
  [[ -x /bin/bash ]] && shell=/bin/bash
  local -a argv=(useradd -m -s "$shell")
  [[ -n $full ]] && argv+=(-c "$full")
  [[ -n $groups ]] && argv+=(-G "$groups")
  # a group of that name exists already (Debian's base-passwd has "operator", "staff", "users" …):
  # useradd would refuse to make the user's own group; the account's primary group is then useradd's
  # default group (users), as `useradd -N` does
  local own_group=1
  if group_exists "$name"; then argv+=(-N); own_group=0; fi
  if ! err=$("${argv[@]}" "$name" 2>&1); then
    ERR="useradd $name failed: $err"
    return 1
  fi
  log_info "account $name created${groups:+ in ${groups//,/, }}"
  ((own_group)) || log_warn "account $name: a group $name existed already (not made for this account); its primary group is useradd's default group"
}

# Passwords of several accounts in one chpasswd run
op_passwords() { # [USER PASSWORD]...
  local input='' user err
  local -a users=()
  while (($# >= 2)); do
    if [[ $1 == *[:$'\n']* || $2 == *$'\n'* ]]; then
      ERR="cannot set the password of $1: invalid characters"
      return 1
    fi
    input+="$1:$2"$'\n'
    users+=("$1")
    shift 2
  done
  ((${#users[@]})) || return 0
  flush_pending || return 1 # chpasswd reads PAM's files and login.defs
  if ! err=$(chpasswd 2>&1 <<<"${input%$'\n'}"); then
    ERR="chpasswd for ${users[*]} failed: $err"
    return 1
  fi
  for user in "${users[@]}"; do log_info "password of $user set (hashed by the image's chpasswd)"; done
}
# The interactive OOBE's first user: the account, then its password (one line on standard input), as
# one step, so that a power loss between the two does not leave a name the page can no longer take.
op_first_user() { # NAME FULL-NAME GROUPS
  local password
  IFS= read -r password || { ERR='no password on standard input'; return 1; }
  op_account "$1" "$2" "$3" && op_passwords "$1" "$password"
}

# AutoLogon with LogonCount: the console gettys log USER on automatically, COUNT times (the count is
# kept by `firstboot getty`, root, before each automatic logon).
op_autologon() { # USER COUNT
  local user=$1 count=$2 unit
  if [[ ! $count =~ ^[0-9]{1,9}$ ]]; then
    ERR="AutoLogon: the logon count '$count' is not a number"
    return 1
  fi
  for unit in "${CONSOLE_GETTYS[@]}"; do
    if ! mkdir -p "/etc/systemd/system/$unit.d" || ! write_file "/etc/systemd/system/$unit.d/sysprep-autologon.conf" \
      "[Service]"$'\n'"ExecStart="$'\n'"ExecStart=-$FIRSTBOOT getty %I \$TERM"$'\n'; then
      ERR="AutoLogon: could not write /etc/systemd/system/$unit.d/sysprep-autologon.conf"
      return 1
    fi
  done
  write_file "$AUTOLOGON" "$user $count"$'\n' 0600 || { ERR="AutoLogon: could not write the logon count to $AUTOLOGON"; return 1; }
  # the gettys are not started yet, but systemd read their units at boot
  flush_pending || return 1
  if [[ -d /run/systemd/system ]]; then systemctl daemon-reload >/dev/null 2>&1 || log_warn 'systemctl daemon-reload failed; AutoLogon starts at the next boot'; fi
  log_info "AutoLogon: $user logs in automatically on the console $count time(s)"
}

# FirstLogonCommands are run by each user's first login shell (as that user, as Windows does). They
# are kept as records (`command` ORDER DESCRIPTION COMMAND) that the login hook reads (logon_main).
op_first_logon_commands() { # [ORDER DESCRIPTION COMMAND]...
  local tmp=${FIRST_LOGON%/*}/.${FIRST_LOGON##*/}.sysprep-$$
  mkdir -p "${FIRST_LOGON%/*}" || return 1
  {
    printf '%s\0' "$FIRST_LOGON_FORMAT"
    while (($# >= 3)); do
      printf 'command\0003\0%s\0%s\0%s\0' "$1" "$2" "$3"
      shift 3
    done
  } >"$tmp" || { ERR="could not write $FIRST_LOGON"; return 1; }
  if ! { chmod 0644 "$tmp" && mv -f -- "$tmp" "$FIRST_LOGON"; }; then
    ERR="could not write $FIRST_LOGON"
    return 1
  fi
  : >"$LOGON_PENDING" || { ERR="could not write $LOGON_PENDING"; return 1; }
  log_info "FirstLogonCommands: run at each user's first logon"
}

# CopyProfile: root's customised profile becomes the one new accounts start with (/etc/skel).
op_copy_profile() {
  local f name
  local -a files=()
  for f in /root/.[!.]*; do
    name=${f#/root/}
    [[ -f $f && ! -L $f ]] || continue
    [[ $name =~ ^\.(bash_history|zsh_history|lesshst|viminfo|wget-hsts|python_history|sudo_as_admin_successful)$ ]] && continue
    files+=("$f")
  done
  mkdir -p /etc/skel || return 1
  if ((${#files[@]})); then cp -f -- "${files[@]}" /etc/skel/ || { ERR='copying root dotfiles to /etc/skel failed'; return 1; }; fi
  log_info "CopyProfile: ${#files[@]} of root's dotfiles copied to /etc/skel"
}

op_write_file() { # PATH MODE CONTENT
  if ! mkdir -p "${1%/*}" || ! write_file "$1" "$3" "$2"; then
    ERR="could not write $1"
    return 1
  fi
}

# ------------------------------------------------------------------------------------------------
# commands: RunSynchronous, RunAsynchronous, external providers, the Node.js agent

# Commands (RunSynchronous, vendors' entry points) write their output into files, never into a pipe
# or a $(...): the runner waits for the command's own exit, not for every process holding its output
# (`nohup mydaemon &` keeps the command's stdout open), then copies what it wrote into the log. A
# command still running after its timeout is stopped with its whole process group (timeout(1)).
# Windows has no timeout for RunSynchronous; here it is RunSynchronousTimeout in
# /etc/sysprep/firstboot.conf (KEY=VALUE lines, read as data, never sourced), default 3600 s; 0: none.

conf_value() { # KEY DEFAULT VAR: the last KEY=VALUE of $FIRSTBOOT_CONF (one pair of quotes stripped)
  local -n __value=$3
  local line key
  __value=$2
  [[ -f $FIRSTBOOT_CONF && -r $FIRSTBOOT_CONF ]] || return 0
  while IFS= read -r line || [[ -n $line ]]; do
    line=${line#"${line%%[![:space:]]*}"}
    line=${line%"${line##*[![:space:]]}"}
    [[ -z $line || $line == [\;#]* || $line != *=* ]] && continue
    key=${line%%=*}
    key=${key%"${key##*[![:space:]]}"}
    [[ $key == "$1" ]] || continue
    __value=${line#*=}
    __value=${__value#"${__value%%[![:space:]]*}"}
    [[ ${#__value} -ge 2 && ( $__value == \"*\" || $__value == \'*\' ) ]] && __value=${__value:1:${#__value}-2}
  done <"$FIRSTBOOT_CONF"
  return 0
}

run_sync_timeout() { # VAR
  local -n __seconds=$1
  conf_value RunSynchronousTimeout "$RUN_SYNC_TIMEOUT_DEFAULT" __seconds
  if [[ ! $__seconds =~ ^[0-9]{1,9}$ ]]; then
    log_warn "$FIRSTBOOT_CONF: RunSynchronousTimeout=$__seconds is not a number of seconds; $RUN_SYNC_TIMEOUT_DEFAULT s"
    __seconds=$RUN_SYNC_TIMEOUT_DEFAULT
  fi
  __seconds=$((10#$__seconds))
}

# A process other than this runner that still holds FILE open (a daemon the command left behind).
holder_of() { # FILE VAR
  local -n __pid=$2
  local __fd __p
  __pid=''
  for __fd in /proc/[0-9]*/fd/[0-9]*; do
    [[ $__fd -ef $1 ]] || continue
    __p=${__fd#/proc/}
    __p=${__p%%/*}
    [[ $__p == "$$" || $__p == "${BASHPID:-$$}" ]] && continue
    __pid=$__p
    return 0
  done 2>/dev/null
  return 1
}

# Run COMMAND... with its standard output and error in FILE.out and FILE.err, for at most SECONDS
# (0: no limit); RUN_STATUS, RUN_OUT and RUN_ERR (trimmed) tell what happened; RUN_KEPT names an
# output file kept because a process the command started still writes to it.
run_captured() { # SECONDS FILE COMMAND...
  local seconds=$1 file=$2 f pid
  shift 2
  RUN_STATUS=0 RUN_OUT='' RUN_ERR='' RUN_KEPT=''
  [[ -d ${file%/*} ]] || mkdir -p "${file%/*}"
  if ! { : >"$file.out" && : >"$file.err"; }; then
    RUN_STATUS=126 RUN_ERR="could not write the command's output to $file.out"
    return 0
  fi
  timeout -k 10 "$seconds" "$@" </dev/null >>"$file.out" 2>>"$file.err"
  RUN_STATUS=$?
  read_file "$file.out" RUN_OUT
  read_file "$file.err" RUN_ERR
  RUN_OUT=$(trim "$RUN_OUT") RUN_ERR=$(trim "$RUN_ERR")
  for f in "$file.out" "$file.err"; do
    if holder_of "$f" pid; then
      RUN_KEPT+="${RUN_KEPT:+, }$f (pid $pid)"
    else
      rm -f -- "$f"
    fi
  done
  return 0
}
timed_out() { [[ $1 == 124 || $1 == 137 ]]; }

# RunSynchronous (reference 3.5): waited for, in Order. WillReboot Always: restart after it; OnRequest:
# exit 0 = go on, 1 = restart then the next command, 2 = restart and run it again, anything else is a
# failure; with Never or Always a non-zero exit is logged, not fatal. A command stopped at its timeout
# has failed like one that exited non-zero.
op_run_sync() { # PASS ORDER WILLREBOOT LABEL COMMAND [USER]
  local pass=$1 order=$2 will=$3 label=$4 command=$5 user=${6:-root} status seconds
  run_sync_timeout seconds
  gc_info "[$pass] RunSynchronous $order: $label"
  say "running $label"
  if [[ $user != root ]]; then
    run_captured "$seconds" "$UNATTEND_GC/RunSynchronous-${pass,,}-$order" runuser -l "$user" -c "$command"
  else
    run_captured "$seconds" "$UNATTEND_GC/RunSynchronous-${pass,,}-$order" /bin/sh -c "$command"
  fi
  status=$RUN_STATUS
  [[ -n $RUN_OUT ]] && gc_info "[$pass] $order output: $RUN_OUT"
  [[ -n $RUN_ERR ]] && gc_info "[$pass] $order errors: $RUN_ERR"
  [[ -n $RUN_KEPT ]] && gc_info "[$pass] $order: a process it started still writes to $RUN_KEPT"
  if ((seconds > 0)) && timed_out "$status"; then
    gc_warn "[$pass] RunSynchronous $order ($label) did not finish within $seconds s and was stopped (RunSynchronousTimeout in $FIRSTBOOT_CONF)"
    ERR="RunSynchronous command $order ($label) did not finish within $seconds s and was stopped"
  fi
  gc_info "[$pass] RunSynchronous $order exited $status"
  if [[ $will == OnRequest ]]; then
    case $status in
    0) return 0 ;;
    1) return "$RC_REBOOT_AFTER" ;;
    2) return "$RC_REBOOT_AGAIN" ;;
    esac
    [[ -n $ERR ]] || ERR="RunSynchronous command $order ($label) failed with exit code $status"
    return 1
  fi
  ((status == 0)) || gc_warn "[$pass] RunSynchronous $order ($label) exited $status; not fatal (WillReboot $will)"
  [[ $will == Always ]] && return "$RC_REBOOT_AFTER"
  return 0
}
trim() {
  local s=$1
  s=${s#"${s%%[![:space:]]*}"}
  printf '%s' "${s%"${s##*[![:space:]]}"}"
}

# RunAsynchronous: started, not waited for, each as a transient unit of its own (it outlives this
# pass; its output is in the journal under that unit).
op_run_async() { # PASS ORDER LABEL COMMAND [USER]
  local pass=$1 order=$2 label=$3 command=$4 user=${5:-root} unit
  unit=sysprep-async-${pass,,}-$order
  gc_info "[$pass] RunAsynchronous $order: $label"
  if [[ -d /run/systemd/system ]] && type -P systemd-run >/dev/null; then
    local -a as=()
    [[ $user != root ]] && as=(--uid="$user" --setenv=HOME="$(home_of "$user")")
    if ! systemd-run --no-block --collect --unit="$unit" --description="sysprep: $label" "${as[@]}" -- /bin/sh -c "$command" >/dev/null 2>&1; then
      ERR="RunAsynchronous command $order ($label) could not be started"
      return 1
    fi
    gc_info "[$pass] RunAsynchronous $order started as $unit.service (its output: journalctl -u $unit)"
  else
    if [[ $user != root ]]; then
      setsid runuser -l "$user" -c "$command" </dev/null >/dev/null 2>&1 &
    else
      setsid /bin/sh -c "$command" </dev/null >/dev/null 2>&1 &
    fi
    gc_info "[$pass] RunAsynchronous $order started (pid $!)"
  fi
}
home_of() {
  local line
  while IFS= read -r line; do
    if [[ ${line%%:*} == "$1" ]]; then
      IFS=: read -r _ _ _ _ _ home _ <<<"$line"
      printf '%s' "$home"
      return
    fi
  done </etc/passwd
}

# An external provider's specialize entry point (SPEC 7), as src/core/external.ts runs the others:
# its environment, its output into the log under its id, its timeout (timeout(1) stops the command's
# whole process group).
# Its output goes through a file (run_captured), so a daemon it starts does not hold the pass.
op_external() { # ID SOURCE TIMEOUT MODE COMMAND [ARGS...]
  local id=$1 source=$2 seconds=$3 mode=$4 line status
  shift 4
  log_info "RunProvider:Running '$id' (specialize, $source)"
  log_info "$id: specialize entry point: $*, timeout $seconds s"
  [[ $seconds =~ ^[0-9]{1,9}$ ]] || { ERR="$id: the timeout '$seconds' is not a number of seconds"; return 1; }
  run_captured "$seconds" "$PANTHER/provider-${id//[^A-Za-z0-9_.-]/_}" env -i PATH="$SAFE_PATH" LANG=C.UTF-8 HOME=/root \
    SYSPREP_PASS=specialize SYSPREP_MODE="$mode" SYSPREP_VM=0 SYSPREP_DRY_RUN=0 SYSPREP_LOG="$PANTHER/setupact.log" \
    SYSPREP_PROVIDER="$id" /bin/sh -c 'exec "$@" 2>&1' sh "$@"
  status=$RUN_STATUS
  if [[ -n $RUN_OUT ]]; then
    while IFS= read -r line; do log_info "$id: $line"; done <<<"$RUN_OUT"
  fi
  [[ -n $RUN_ERR ]] && log_warn "$id: $RUN_ERR"
  [[ -n $RUN_KEPT ]] && log_info "$id: a process it started still writes to $RUN_KEPT"
  case $status in
  0) log_info "$id: specialize entry point finished (exit 0)" ;;
  124 | 137) ERR="$id: specialize entry point did not finish within $seconds s and was stopped" ;;
  126 | 127) ERR="$id: cannot run $1 (exit code $status)" ;;
  *) ERR="$id: specialize entry point $1 failed with exit code $status" ;;
  esac
  [[ $status == 0 ]]
}

# Before the first of specialize's commands (RunSynchronous, vendors' providers): the clone's SSH
# host keys, which their unit makes beside specialize, so that the commands see the whole identity.
op_wait_host_keys() {
  [[ -e $HOST_KEYS_PENDING ]] || return 0
  if [[ -d /run/systemd/system ]]; then
    # the unit's start job is queued already: this waits for it
    systemctl start sysprep-host-keys.service || { ERR='the SSH host keys could not be made (sysprep-host-keys.service)'; return 1; }
  else
    (phase_host_keys) || { ERR='the SSH host keys could not be made'; return 1; }
  fi
}

# Is the Node.js agent here? An image sealed with `--agent none` has the runner only: what needs the
# agent is refused, and says so (ERR).
need_agent() { # WHAT
  [[ -f $AGENT_BUNDLE ]] && return 0
  ERR="$1 needs the Node.js agent, and this image was sealed without it (--agent none); seal it again with --agent full or packed"
  return 1
}

# What only the TypeScript code does (a built-in provider, ExtendOSPartition): the Node.js agent.
op_agent() { # ARGS...
  local status
  need_agent "sysprep agent $1" || return 1
  "$NODE_AGENT" agent "$@"
  status=$?
  ((status == 0)) || ERR="sysprep agent $* failed (exit code $status)"
  return "$status"
}

# ------------------------------------------------------------------------------------------------
# the end of a pass

# The answer-file cache as it is after this pass (passes marked processed, their secrets deleted),
# written by the planner beside the plan.
op_install_cache() { # FILE MESSAGE
  if [[ -f $1 ]]; then
    # the rename keeps the file's time: the plans of later passes, written after it when the image
    # was sealed, stay newer than the cache they were made for (plan_still_valid)
    mv -f -- "$1" "$CACHE" || { ERR="could not update $CACHE"; return 1; }
    log_info "$2"
  fi
}

op_power() { # ACTION WHY (ACTION: reboot|poweroff)
  flush_pending || return 1
  log_info "$2: systemctl $1"
  systemctl --no-block "$1"
}

op_logon_pending() { : >"$LOGON_PENDING" || { ERR="could not write $LOGON_PENDING"; return 1; }; }

# ------------------------------------------------------------------------------------------------
# plans

# Is the plan the seal made still the one the answer-file search would lead to (SPEC 5)? The
# search's inputs are compared with what the planner saw: no sysprep.unattend= on the kernel command
# line, the candidates in the image present or absent as they were and not changed since, and, when
# the plan does not come from the cache, no mounted medium with an answer file. Anything else: plan
# again, at boot, with the Node.js agent.
plan_still_valid() { # PLAN
  local plan=$1 cmdline='' i file
  [[ -r /proc/cmdline ]] && read -r cmdline </proc/cmdline
  if [[ " $cmdline " == *" sysprep.unattend="* ]]; then
    log_info "Plan $plan: the kernel command line names an answer file; planning again"
    return 1
  fi
  if per_clone_offered; then
    log_info "Plan $plan: $PER_CLONE_WHY; planning again"
    return 1
  fi
  for ((i = 0; i + 1 < ${#plan_inputs[@]}; i += 2)); do
    file=${plan_inputs[i]}
    if [[ ${plan_inputs[i + 1]} == present ]]; then
      if [[ ! -e $file || $file -nt $plan ]]; then
        log_info "Plan $plan: $file changed since it was made; planning again"
        return 1
      fi
    elif [[ -e $file ]]; then
      log_info "Plan $plan: $file appeared since it was made; planning again"
      return 1
    fi
  done
  if [[ $plan_answer_origin != cache ]] && media_with_answer_file; then
    log_info "Plan $plan: a mounted medium holds an answer file; planning again"
    return 1
  fi
  return 0
}

# Does a per-clone channel (SPEC 10) offer an answer file the seal could not know? A systemd
# credential other than the one an earlier pass of this clone took, or, when no pass of this clone took
# one yet, a config drive (the agent reads its user-data) or DMI saying this is a cloud with a
# metadata service. Cheap: a stat, one blkid.
PER_CLONE_WHY=''
per_clone_offered() {
  local dir file sum origin='' taken='' label labels rule cloud name op value got
  [[ -r $PER_CLONE_TAKEN ]] && read -r origin taken <"$PER_CLONE_TAKEN"
  for dir in "${CREDENTIALS_DIRECTORY:-}" "$SYSTEM_CREDENTIALS"; do
    file=$dir/$CREDENTIAL_NAME
    [[ -n $dir && -f $file ]] || continue
    # (command substitution, not <(…): no /dev/fd needed)
    sum=$(sha256sum -- "$file" 2>/dev/null) || sum=''
    if [[ ${sum%% *} != "$taken" ]]; then
      PER_CLONE_WHY="the systemd credential $CREDENTIAL_NAME holds an answer file"
      return 0
    fi
    break
  done
  # an earlier pass of this clone took a per-clone file: the later passes keep to it (the agent planned
  # them with it); only a different credential, cheap to compare, makes them plan again
  [[ -z $origin ]] || return 1
  labels=''
  probe_devices
  if ((${#PROBE_DEVICES[@]})); then
    labels=$(blkid -c /dev/null -s LABEL -o value "${PROBE_DEVICES[@]}" 2>/dev/null) || true # 2: some had none
  fi
  while read -r label; do
    for name in "${CONFIG_DRIVE_LABELS[@]}"; do
      if [[ -n $label && $label == "$name" ]]; then
        PER_CLONE_WHY="a config drive labelled $label is attached"
        return 0
      fi
    done
  done <<<"$labels"
  for rule in "${CLOUD_DMI_RULES[@]}"; do
    read -r cloud name op value <<<"$rule"
    got=''
    [[ -r $DMI_DIR/$name ]] && read -r got <"$DMI_DIR/$name"
    [[ -n $got ]] || continue
    if [[ $op == '=' && $got == "$value" ]] || [[ $op == '^' && ${got,,} == "${value,,}"* ]]; then
      PER_CLONE_WHY="DMI says this is $cloud ($name), which has a metadata service"
      return 0
    fi
  done
  return 1
}

# The block devices to probe for a config drive, into PROBE_DEVICES: /proc/partitions but RAM disks
# and floppies (PROBE_SKIP_MAJORS; src/system/per-clone/config-drive.ts reads the same table), the
# root file system's own device (never a config drive) and drives without a medium: size 0, or a
# removable drive (an empty CD-ROM drive, which most virtual machines have, says 1 GiB) that cannot be
# opened (the kernel refuses an open without O_NONBLOCK with ENOMEDIUM): often nothing is left, and
# blkid is not started (under emulation its first start costs a second of the boot's critical path).
PROBE_DEVICES=()
probe_devices() {
  local major minor name skip root='' id mnt rest size removable
  PROBE_DEVICES=()
  [[ -r /proc/partitions ]] || return 0
  if [[ -r /proc/self/mountinfo ]]; then
    while read -r _ _ id _ mnt rest; do [[ $mnt == / ]] && root=$id; done </proc/self/mountinfo
  fi
  while read -r major minor _ name; do
    [[ $major =~ ^[0-9]+$ && -n $name ]] || continue
    for skip in "${PROBE_SKIP_MAJORS[@]}"; do [[ $major == "$skip" ]] && continue 2; done
    [[ $major:$minor == "$root" ]] && continue
    size=''
    [[ -r /sys/class/block/$name/size ]] && read -r size <"/sys/class/block/$name/size"
    [[ $size == 0 ]] && continue
    removable=''
    [[ -r /sys/class/block/$name/removable ]] && read -r removable <"/sys/class/block/$name/removable"
    if [[ $removable == 1 ]] && ! { : <"/dev/$name"; } 2>/dev/null; then continue; fi
    PROBE_DEVICES+=("/dev/$name")
  done </proc/partitions
}

# Any mounted file system (other than /) with unattend.xml or autounattend.xml at its root. Wider than
# the search's removable/read-only/SYSPREP/OEMDRV rule on purpose: the Node.js agent then decides.
media_with_answer_file() {
  local dev mnt rest
  local -a found
  shopt -s nocaseglob
  while read -r dev mnt rest; do
    [[ $dev == /dev/* && $mnt != / ]] || continue
    mnt=${mnt//\\040/ }
    found=("$mnt"/unattend.xm[l] "$mnt"/autounattend.xm[l])
    if ((${#found[@]})); then
      shopt -u nocaseglob
      return 0
    fi
  done </proc/self/mounts
  shopt -u nocaseglob
  return 1
}

# Load the plan of a phase: the one made before (sealed, or, when resuming, whichever was being
# carried out), or one the Node.js agent makes now.
load_plan() { # PHASE RESUMING
  local phase=$1 resuming=$2 plan=$PLAN_DIR/$1.plan
  if [[ -f $plan ]]; then
    if read_plan "$plan"; then
      if ((resuming)) || plan_still_valid "$plan"; then return 0; fi
    else
      log_warn "Plan $plan cannot be read (${ERR:-not a plan}); planning again"
    fi
  fi
  # made at boot: the search's inputs are what they are now
  if ! need_agent "planning the $phase phase at boot"; then
    # --agent none: what asked for planning again is refused; a sealed plan still runs
    local refused=$ERR
    if [[ -f $plan ]] && read_plan "$plan"; then
      log_error "$refused. The plan made at the seal runs instead."
      return 0
    fi
    ERR=$refused
    return 1
  fi
  "$NODE_AGENT" agent plan "$phase" || { ERR="planning the $phase phase failed (see $PANTHER/setupact.log)"; return 1; }
  read_plan "$plan" || { ERR="the agent made no usable plan for the $phase phase: ${ERR:-not a plan}"; return 1; }
}

# The loaded plan: its records' kinds and where each one's fields are in PLAN_FIELDS.
declare -a PLAN_KIND=() PLAN_AT=() PLAN_LEN=() PLAN_FIELDS=() plan_inputs=()
plan_answer_origin=none
read_plan() { # FILE
  PLAN_KIND=() PLAN_AT=() PLAN_LEN=() PLAN_FIELDS=() plan_inputs=() plan_answer_origin=none ERR=''
  [[ -f $1 ]] || return 1
  read_records "$1" "$PLAN_FORMAT" plan_record
}
plan_record() { # KIND FIELD...
  local kind=$1
  shift
  case $kind in
  about) return 0 ;;
  origin) (($# == 1)) || return 1; plan_answer_origin=$1; return 0 ;;
  input)
    (($# == 2)) && [[ $1 == /* && ($2 == present || $2 == absent) ]] || return 1
    plan_inputs+=("$1" "$2")
    return 0
    ;;
  step)
    (($# >= 2)) || return 1
    if [[ -n $1 && $1 =~ [[:space:][:cntrl:]] ]]; then ERR="step id ${1@Q}"; return 1; fi
    known_op "$2" $(($# - 2)) || { ERR="no operation ${2@Q} with $(($# - 2)) arguments"; return 1; }
    ;;
  finish)
    (($# >= 1)) || return 1
    known_op "$1" $(($# - 1)) || { ERR="no operation ${1@Q} with $(($# - 1)) arguments"; return 1; }
    ;;
  *) ERR="unknown record ${kind@Q}"; return 1 ;;
  esac
  PLAN_KIND+=("$kind")
  PLAN_AT+=("${#PLAN_FIELDS[@]}")
  PLAN_LEN+=("$#")
  PLAN_FIELDS+=("$@")
}

# The loaded plan's steps, in order: a step with an id through `step` (recorded, skipped when done),
# one without (a note) called directly; the first failure (or restart code) ends them.
plan_steps() { run_records step; }
# After every step: the cache, the image state, a power action.
plan_finish() { run_records finish; }
run_records() { # KIND
  local i at len
  for ((i = 0; i < ${#PLAN_KIND[@]}; i++)); do
    [[ ${PLAN_KIND[i]} == "$1" ]] || continue
    at=${PLAN_AT[i]} len=${PLAN_LEN[i]}
    if [[ $1 == step && -n ${PLAN_FIELDS[at]} ]]; then
      step "${PLAN_FIELDS[@]:at:len}" || return
    elif [[ $1 == step ]]; then
      known_op "${PLAN_FIELDS[at + 1]}" $((len - 2)) || return 1
      "${PLAN_FIELDS[@]:at+1:len-1}" || return
    else
      known_op "${PLAN_FIELDS[at]}" $((len - 1)) || return 1
      "${PLAN_FIELDS[@]:at:len}" || return
    fi
  done
  return 0
}

# ------------------------------------------------------------------------------------------------
# phases

# Run the loaded plan's steps and its finish. A restart asked for by a command ends the phase here;
# the generator starts it again after the restart.
run_plan() { # PHASE
  local rc
  plan_steps
  rc=$?
  if ((rc == RC_REBOOT_AFTER || rc == RC_REBOOT_AGAIN)); then
    log_info "$1: a RunSynchronous command asked for a restart; the pass continues after it"
    op_power reboot WillReboot
    EXIT_HANDLED=1
    exit 0
  fi
  ((rc == 0)) || fail "$1" "${ERR:-a step failed (exit code $rc)}"
  # the files the steps wrote go into place with the new state (op_set_state, one rename.ul), or here
  plan_finish || fail "$1" "${ERR:-finishing the pass failed}"
  flush_pending || fail "$1" "$ERR"
}

phase_specialize() {
  local state target resuming=0
  PHASE=specialize
  open_logs
  RUNNING=specialize
  read_state_into state
  if [[ $state == IMAGE_STATE_UNDEPLOYABLE && -e $SPECIALIZE_MARKER ]] && load_steps specialize; then
    resuming=1
    target=$STEPS_TARGET
  elif [[ $state == IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE ]]; then
    target=oobe
  elif [[ $state == IMAGE_STATE_GENERALIZE_RESEAL_TO_AUDIT ]]; then
    target=audit
  else
    log_info "specialize: nothing to do in $state"
    [[ -e $PRESET_GUARD ]] && rm -f -- "$PRESET_GUARD"
    return 0
  fi
  banner
  local then=OOBE
  [[ $target == audit ]] && then='audit mode'
  if ((resuming)); then
    log_info "[windeploy] specialize pass resumed after an interruption; then $then"
  else
    log_info "[windeploy] specialize pass started; then $then"
    new_steps specialize "$target" || fail specialize "$ERR"
  fi
  # the marker and the record on the disk before the state says a phase is under way (the state
  # change's sync takes them along)
  { printf '%s\n' "$target" >"$SPECIALIZE_MARKER" && WRITTEN+=("$SPECIALIZE_MARKER"); } ||
    fail specialize "could not write the marker $SPECIALIZE_MARKER"
  op_set_state IMAGE_STATE_UNDEPLOYABLE || fail specialize "$ERR"
  load_plan specialize "$resuming" || fail specialize "$ERR"
  run_plan specialize
  # systemd's first-boot presets were applied (or not) when it started: the guard's work is done
  rm -f -- "$SPECIALIZE_MARKER" "$PLAN_DIR/specialize.plan" "$PRESET_GUARD"
  elapsed_into ELAPSED
  read_state_into state
  log_info "specialize pass complete in $ELAPSED s; image state $state"
  phase_done
}

phase_oobe() {
  local state resuming=0
  PHASE=oobe
  open_logs
  RUNNING=oobe
  read_state_into state
  if [[ $state == IMAGE_STATE_UNDEPLOYABLE && -e $OOBE_MARKER ]] && load_steps oobe; then
    resuming=1
  elif [[ $state != IMAGE_STATE_SPECIALIZE_RESEAL_TO_OOBE ]]; then
    log_info "oobe: nothing to do in $state"
    [[ $state == IMAGE_STATE_UNDEPLOYABLE ]] &&
      printf '\r\nsysprep: this machine is not set up: a first-boot pass failed (see %s/setuperr.log)\r\n' "$PANTHER"
    return 0
  fi
  local how=started
  ((resuming)) && how=resumed
  log_info "[windeploy] oobeSystem pass $how"
  ((resuming)) || new_steps oobe oobe || fail oobe "$ERR"
  { printf 'oobe\n' >"$OOBE_MARKER" && WRITTEN+=("$OOBE_MARKER"); } || fail oobe "could not write the marker $OOBE_MARKER"
  op_set_state IMAGE_STATE_UNDEPLOYABLE || fail oobe "$ERR"
  load_plan oobe "$resuming" || fail oobe "$ERR"
  run_plan oobe
  elapsed_into ELAPSED
  log_info "oobeSystem pass done in $ELAPSED s"
  # set up: nothing of the first boot is left to plan (audit mode keeps its host-keys list, and so do
  # keys still being made: their phase removes it); one rm
  local -a gone=("$OOBE_MARKER" "$STEPS" "$PLAN_DIR/oobe.plan") plans
  local plan
  read_state_into state
  if [[ $state == IMAGE_STATE_COMPLETE ]]; then
    plans=("$PLAN_DIR"/*)
    for plan in "${plans[@]}"; do
      [[ $plan == "$PLAN_DIR/host-keys" && -e $HOST_KEYS_PENDING ]] || gone+=("$plan")
    done
  fi
  rm -f -- "${gone[@]}"
  # a runtime the launcher unpacked onto the disk (/run was noexec or too small): the clone is set up
  if [[ $state == IMAGE_STATE_COMPLETE && -d $DISK_RUNTIME ]]; then rm -rf -- "$DISK_RUNTIME"; fi
  phase_done
}

# The pages the answer file left open, asked on the console by the Node.js agent (a plan step).
op_interactive_oobe() { # PAGE...
  local status
  need_agent "asking the OOBE pages $* on the console" || return 1
  PHASE=oobe "$NODE_AGENT" agent oobe-pages "$@"
  status=$?
  ((status == 0)) || ERR="the interactive OOBE did not finish (exit code $status)"
  return "$status"
}

phase_audit() {
  local state
  PHASE=audit
  open_logs
  RUNNING=audit
  state=$(read_state)
  if [[ $state != IMAGE_STATE_SPECIALIZE_RESEAL_TO_AUDIT ]]; then
    log_info "audit: nothing to do in $state"
    return 0
  fi
  log_info '[windeploy] audit mode: auditSystem pass'
  new_steps audit audit || fail audit "$ERR"
  load_plan audit 0 || fail audit "$ERR"
  run_plan audit
  rm -f -- "$STEPS" "$PLAN_DIR/audit.plan"
  phase_done
}

# One step of the current phase from outside (the interactive OOBE's pages): recorded like the rest.
do_step() { # ID OP [ARGS...]
  local phase=${PHASE:-oobe} rc
  # nothing is touched for a name that is not an operation of the table, or the wrong arguments
  if (($# < 2)) || ! known_op "$2" $(($# - 2)); then
    echo "firstboot do: no such operation: ${2:-} (with $(($# >= 2 ? $# - 2 : 0)) arguments)" >&2
    exit 2
  fi
  load_steps "$phase" || new_steps "$phase" "$phase"
  step "$@"
  rc=$?
  if ((rc == 0)) && ! flush_pending; then rc=1; fi
  ((rc == 0)) || printf 'sysprep: %s\n' "$ERR" >&2
  exit "$rc"
}

# The login hook (/etc/profile.d/sysprep.sh, as the user who logs in): that user's FirstLogonCommands,
# once; in audit mode root's console login goes on to the auditUser pass and the dialog.
first_logon_record() { # command ORDER DESCRIPTION COMMAND
  [[ $1 == command && $# == 4 ]] || return 1
  first_logon+=("$2" "$3" "$4")
}
logon_main() {
  local home=${HOME:-} done_file tty='' i
  local -a first_logon
  if [[ -f $FIRST_LOGON && -n $home && -d $home && -w $home ]]; then
    done_file=$home/.config/sysprep-first-logon.done
    # made before the commands run, and only by one login at a time (noclobber): they run once, even
    # when the user logs on at two consoles at once
    if [[ ! -e $done_file ]] && mkdir -p "$home/.config" && (set -C && : >"$done_file") 2>/dev/null; then
      # the records are read first, then each command runs with /bin/sh -c, as the answer file asked;
      # the order and the description are only ever printed
      first_logon=()
      if read_records "$FIRST_LOGON" "$FIRST_LOGON_FORMAT" first_logon_record; then
        for ((i = 0; i + 2 < ${#first_logon[@]}; i += 3)); do
          printf 'sysprep: first logon: %s\n' "${first_logon[i + 1]:-${first_logon[i + 2]}}"
          /bin/sh -c "${first_logon[i + 2]}"
        done
      else
        printf 'sysprep: the FirstLogonCommands (%s) cannot be read; none ran\n' "$FIRST_LOGON" >&2
      fi
      now_iso
      printf '%s\n' "$NOW" >"$done_file"
    fi
  fi
  tty=$(readlink /proc/self/fd/0 2>/dev/null)
  if ((EUID == 0)) && [[ $tty =~ ^/dev/(tty1|ttyS0|console)$ && $(read_state) == IMAGE_STATE_SPECIALIZE_RESEAL_TO_AUDIT ]]; then
    phase_audit_user
  fi
  return 0
}

# auditUser (reference 3.1: after auditSystem, in the context of the account audit mode logs on, root),
# once per boot, at root's console login; then the System Preparation Tool dialog.
phase_audit_user() {
  local stamp=/run/sysprep-audituser.done
  PHASE=audit-user
  if [[ ! -e $stamp ]]; then
    RUNNING=audit-user
    : >"$stamp"
    new_steps audit-user audit || fail auditUser "$ERR"
    load_plan audit-user 0 || fail auditUser "$ERR"
    run_plan auditUser
    rm -f -- "$STEPS" "$PLAN_DIR/audit-user.plan"
    phase_done
    [[ $(read_state) == IMAGE_STATE_SPECIALIZE_RESEAL_TO_AUDIT ]] || return 0
  fi
  printf '\nsysprep: this machine is in audit mode. Customize it, then reseal it with the System Preparation Tool\n'
  # shellcheck disable=SC2016 # backquotes meant literally
  printf '(run `sysprep` for the dialog, or e.g. `sysprep /oobe /generalize /shutdown`).\n\n'
  if [[ -t 0 && -t 1 && -n ${TERM:-} && $TERM != dumb && -f $AGENT_BUNDLE ]]; then "$NODE_AGENT" agent audit-dialog; fi
}

# Generalize in auditUser (reference 3.4): the generalize pass now, then a restart or a shutdown.
op_generalize() { # MODE SHUTDOWN (oobe|audit, reboot|shutdown)
  log_info "auditUser: Generalize Mode=$1; running sysprep /generalize /$1 /$2"
  need_agent "sysprep /generalize /$1 /$2" || return 1
  "$NODE_AGENT" /generalize "/$1" "/$2" || { ERR="sysprep /generalize /$1 /$2 failed"; return 1; }
}

# sourced (the tests read plans with its functions): only the definitions
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then main "$@"; fi
