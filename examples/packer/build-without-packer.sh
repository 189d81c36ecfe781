#!/usr/bin/env bash
# The build of debian12.pkr.hcl without Packer, step for step: boot the base image in QEMU, wait for
# SSH, copy the files of the template's file provisioners, run provision.sh with the template's
# execute_command, then run the template's shutdown_command and wait for the machine to power off.
# What runs in the guest is read from the template, so this is the build Packer would do (CI runs it).
#
#   build-without-packer.sh --image DISK --deb SYSPREP.deb --key SSH_PRIVATE_KEY
#                           [--kernel VMLINUZ --initrd INITRD] [--port 2222] [--log FILE] [--timeout 1800]
#
# DISK is changed in place (it becomes the golden image). The base image must let the template's
# ssh_username in with the key (Packer gives cloud-init its own key; here the image already has one).
# --kernel/--initrd boot a kernel directly (root=/dev/vda) for images without a boot loader.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
template="$here/debian12.pkr.hcl"
image='' deb='' key='' kernel='' initrd='' port=2222 log='' timeout=1800
while [ $# -gt 0 ]; do
  case "$1" in
    --image) image=$2; shift 2 ;;
    --deb) deb=$2; shift 2 ;;
    --key) key=$2; shift 2 ;;
    --kernel) kernel=$2; shift 2 ;;
    --initrd) initrd=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --log) log=$2; shift 2 ;;
    --timeout) timeout=$2; shift 2 ;;
    *) echo "build-without-packer.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
for f in "$image" "$deb" "$key"; do
  if [ -z "$f" ] || [ ! -f "$f" ]; then echo "build-without-packer.sh: --image, --deb and --key must name files" >&2; exit 2; fi
done
[ -n "$log" ] || log="$image.serial.log"

# the template's settings (one string each, as HCL writes them)
setting() { sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*\"\(.*\)\"[[:space:]]*$/\1/p" "$template" | head -n 1; }
user=$(setting ssh_username)
shutdown_command=$(setting shutdown_command)
execute_command=$(setting execute_command)
if [ -z "$user" ] || [ -z "$shutdown_command" ] || [ -z "$execute_command" ]; then
  echo "build-without-packer.sh: cannot read $template" >&2; exit 2
fi
# the file provisioners, in order: "source destination" (var.sysprep_deb is --deb; other sources are
# files beside the template)
files=$(awk '/provisioner "file"/{f=1} f&&/source/{s=$3} f&&/destination/{print s, $3; f=0}' "$template" | tr -d '"')

fmt=raw
case "$image" in *.qcow2) fmt=qcow2 ;; esac
boot=()
[ -n "$kernel" ] && boot=(-kernel "$kernel" -initrd "$initrd" -append 'root=/dev/vda rw console=ttyS0 net.ifnames=0 panic=-1')

echo "# booting $image (ssh on 127.0.0.1:$port)"
qemu-system-x86_64 -accel tcg -cpu max -m 1024 -display none -serial "file:$log" \
  -nic "user,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:$port-:22" \
  -drive "file=$image,format=$fmt,if=virtio" "${boot[@]}" &
qemu=$!
trap 'kill "$qemu" 2>/dev/null || true' EXIT
deadline=$((SECONDS + timeout))

ssh_opts=(-i "$key" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o BatchMode=yes -o ConnectTimeout=10)
guest() { ssh "${ssh_opts[@]}" -p "$port" "$user@127.0.0.1" "$@"; }
copy() { scp "${ssh_opts[@]}" -P "$port" "$1" "$user@127.0.0.1:$2"; }

until guest true 2>/dev/null; do
  kill -0 "$qemu" 2>/dev/null || { echo "build-without-packer.sh: the machine stopped before SSH came up (see $log)" >&2; exit 1; }
  [ $SECONDS -lt $deadline ] || { echo "build-without-packer.sh: no SSH within ${timeout}s (see $log)" >&2; exit 1; }
  sleep 5
done
echo "# ssh is up after ${SECONDS}s"

while read -r source destination; do
  [ -n "$source" ] || continue
  case "$source" in var.sysprep_deb) source=$deb ;; *) source="$here/$source" ;; esac
  echo "# file provisioner: $source -> $destination"
  copy "$source" "$destination"
done <<< "$files"

# the shell provisioner: Packer uploads the script and runs the execute_command with its path
remote=/tmp/script_provision.sh
copy "$here/provision.sh" "$remote"
guest chmod 0755 "$remote"
command=${execute_command//'{{ .Vars }}'/}
command=${command//'{{ .Path }}'/$remote}
echo "# shell provisioner: $command"
guest "$command"

# the shutdown command; Packer then waits for the machine to stop (shutdown_timeout)
echo "# shutdown command: $shutdown_command"
guest "$shutdown_command" || true
while kill -0 "$qemu" 2>/dev/null; do
  [ $SECONDS -lt $deadline ] || { echo "build-without-packer.sh: the machine did not power off within ${timeout}s (see $log)" >&2; exit 1; }
  sleep 2
done
trap - EXIT
wait "$qemu" || { echo "build-without-packer.sh: qemu failed (see $log)" >&2; exit 1; }
echo "# the machine powered itself off after ${SECONDS}s: $image is the golden image"
