#!/usr/bin/env bash
# Installs what the differential lane needs (Debian/Ubuntu): upstream's glance-api, which
# the lane starts on loopback with its own configuration, next to this service.
# Does nothing when it is present; otherwise needs root (or sudo).
# The packages' maintainer scripts are kept from starting services or asking questions.
set -euo pipefail
export PATH="/usr/sbin:/usr/bin:/sbin:/bin:${PATH:-}"

PKGS=(glance-api glance-common python3-glance python3-keystonemiddleware)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" = 0 ]; then
  echo "conformance-setup: glance-api is installed"
  exit 0
fi
command -v apt-get >/dev/null || { echo "conformance-setup: missing ${missing[*]} and no apt-get on this machine" >&2; exit 1; }

SUDO=()
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "conformance-setup: run as root to install: ${missing[*]}" >&2; exit 1; }
  SUDO=(sudo -n)
fi

# invoke-rc.d honours policy-rc.d's exit 101: no service is started by the postinst scripts.
made_policy=0
if ! [ -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee /usr/sbin/policy-rc.d >/dev/null
  "${SUDO[@]}" chmod +x /usr/sbin/policy-rc.d
  made_policy=1
fi
trap '[ "$made_policy" = 1 ] && "${SUDO[@]}" rm -f /usr/sbin/policy-rc.d' EXIT

# No database setup, endpoint registration or identity configuration by the package:
# the lane writes its own configuration in a private directory.
"${SUDO[@]}" debconf-set-selections <<'SEL'
glance-common glance/configure_db boolean false
glance-common glance/configure_ksat boolean false
glance-common glance/configure_rabbit boolean false
glance-api glance/register-endpoint boolean false
SEL

APT=(env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600)
echo "conformance-setup: installing ${missing[*]}"
"${SUDO[@]}" "${APT[@]}" update -q
"${SUDO[@]}" "${APT[@]}" install -y -q --no-install-recommends "${missing[@]}"
echo "conformance-setup: done"
