#!/usr/bin/env bash
# Installs the Debian packages the test suite needs, when any is missing (so `npm test` works on a
# fresh Debian 12 machine). Needs root, like the tests themselves.
set -euo pipefail
need=()
have() { command -v "$1" >/dev/null 2>&1; }
have debootstrap        || need+=(debootstrap)
have qemu-system-x86_64 || need+=(qemu-system-x86)
have qemu-img           || need+=(qemu-utils)
have mkfs.ext4          || need+=(e2fsprogs)
have chattr             || need+=(e2fsprogs)
have tmux               || need+=(tmux)
have mkfifo             || need+=(coreutils)
have sfdisk             || need+=(fdisk)
have shellcheck         || need+=(shellcheck)
have lvm                || need+=(lvm2)
have cryptsetup         || need+=(cryptsetup-bin)
have openssl            || need+=(openssl)
have ssh-keygen         || need+=(openssh-client)
have gpg                || need+=(gnupg)
have ip                 || need+=(iproute2)
have lintian            || need+=(lintian)
have groff              || need+=(groff-base)
have man                || need+=(man-db)
have strip              || need+=(binutils)
have xz                 || need+=(xz-utils)
have genisoimage        || need+=(genisoimage)
have mkfs.vfat          || need+=(dosfstools)
have mcopy              || need+=(mtools)
# the device phase of --image (image-devices.test): xfs, btrfs, unmkinitramfs
have mkfs.xfs           || need+=(xfsprogs)
have mkfs.btrfs         || need+=(btrfs-progs)
have unmkinitramfs      || need+=(initramfs-tools-core)
[ -e /usr/share/keyrings/debian-archive-keyring.gpg ] || need+=(debian-archive-keyring)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "the tests need root and these packages: ${need[*]}" >&2
  exit 1
fi
echo "# installing test dependencies: ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
