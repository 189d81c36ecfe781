#!/bin/sh
# Runs on the golden machine as root (Packer's shell provisioner, or build-without-packer.sh): install
# sysprep from its .deb like any system tool, then customize the machine. The last step of the build
# is the shutdown command (debian12.pkr.hcl), which seals it.
set -eu
export DEBIAN_FRONTEND=noninteractive

# sysprep, from the package (apt resolves its Depends; on a stock image they are all there already)
apt-get install -y --no-install-recommends /tmp/sysprep.deb
sysprep --version

# the customization: what every clone should have (an example)
cat > /etc/motd <<'MOTD'
This machine was made from the example golden image (examples/packer).
MOTD
mkdir -p /srv/app
echo 'the application every clone serves' > /srv/app/index.txt

# the answer file the shutdown command seals with, checked before the build ends
sysprep unattend check /tmp/unattend.xml
