# A golden Debian 12 image, sealed with sysprep as Packer's last step (the shutdown command), the way
# Windows images end with `sysprep /generalize /oobe /shutdown`. `packer init . && packer build .`
#
# The machine boots the stock Debian cloud image; Packer's temporary SSH key reaches it through
# cloud-init (the NoCloud seed below). Packer copies the sysprep .deb and the answer file in, runs
# provision.sh (installs sysprep, then the customization), and stops the machine with the shutdown
# command: sysprep generalizes it and powers it off. The output image is the golden image; every VM
# made from it boots into the specialize pass and the OOBE of unattend.xml with its own identity.
#
# build-without-packer.sh runs these same steps without Packer (CI tests it with QEMU; see README.md).

packer {
  required_plugins {
    qemu = {
      source  = "github.com/hashicorp/qemu"
      version = ">= 1.1.0"
    }
  }
}

variable "base_image" {
  type    = string
  default = "https://cloud.debian.org/images/cloud/bookworm/latest/debian-12-genericcloud-amd64.qcow2"
}

variable "base_image_checksum" {
  type    = string
  default = "file:https://cloud.debian.org/images/cloud/bookworm/latest/SHA512SUMS"
}

variable "sysprep_deb" {
  type        = string
  description = "the package `npm run package` made"
  default     = "../../dist/package/sysprep_0.1.0_amd64.deb"
}

source "qemu" "golden" {
  disk_image       = true
  iso_url          = var.base_image
  iso_checksum     = var.base_image_checksum
  format           = "qcow2"
  disk_size        = "4G"
  memory           = 1024
  headless         = true
  vm_name          = "golden.qcow2"
  output_directory = "output"

  # cloud-init's NoCloud seed: Packer's temporary key for the user debian
  cd_label = "cidata"
  cd_content = {
    "meta-data" = ""
    "user-data" = <<-EOT
      #cloud-config
      users:
        - name: debian
          sudo: ALL=(ALL) NOPASSWD:ALL
          shell: /bin/bash
          ssh_authorized_keys:
            - ${build.SSHPublicKey}
    EOT
  }

  ssh_username         = "debian"
  ssh_timeout          = "10m"
  shutdown_timeout     = "15m"
  shutdown_command     = "sudo sysprep /generalize /oobe /shutdown /unattend:/tmp/unattend.xml"
}

build {
  sources = ["source.qemu.golden"]

  provisioner "file" {
    source      = var.sysprep_deb
    destination = "/tmp/sysprep.deb"
  }

  provisioner "file" {
    source      = "unattend.xml"
    destination = "/tmp/unattend.xml"
  }

  provisioner "shell" {
    script          = "provision.sh"
    execute_command = "sudo sh -c '{{ .Vars }} {{ .Path }}'"
  }
}
