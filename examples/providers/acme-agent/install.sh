#!/bin/sh
# Installs the example provider into an image root (default: the running system): what a vendor's
# package would ship. Usage: install.sh [ROOT]
set -eu
root=${1:-}
here=$(dirname "$0")
install -d "$root/usr/lib/acme-agent/sysprep" "$root/usr/lib/sysprep/providers.d"
install -m 0755 "$here/validate" "$here/generalize" "$here/specialize" "$root/usr/lib/acme-agent/sysprep/"
install -m 0644 "$here/acme-agent.json" "$root/usr/lib/sysprep/providers.d/acme-agent.json"
