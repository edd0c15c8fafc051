#!/usr/bin/env bash
# Installs Mesa's lavapipe (software Vulkan) from Debian bookworm-backports so that Dawn (the `webgpu`
# package) finds an adapter on machines without a GPU. Debian 12's own Mesa 22 is rejected by Dawn.
# Idempotent: does nothing when a Mesa >= 24 lavapipe ICD is already installed.
set -euo pipefail
installed=$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || true)
case "$installed" in
  2[4-9].*|[3-9][0-9].*) echo "lavapipe: mesa-vulkan-drivers $installed already installed"; exit 0 ;;
esac
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  echo 'deb http://deb.debian.org/debian bookworm-backports main' | $SUDO tee /etc/apt/sources.list.d/bookworm-backports.list >/dev/null
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers libvulkan1 >/dev/null
echo "lavapipe: installed mesa-vulkan-drivers $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers)"
