#!/usr/bin/env bash
# Installs what the Keystone tests and the end-to-end lane need (Debian/Ubuntu):
# Keystone under uWSGI and the real OpenStack command-line clients, plus any
# further Debian packages named as arguments (the Tempest lane passes `tempest`, the
# notifications lane `rabbitmq-server python3-oslo.messaging`, the differential lane
# `glance-api glance-common python3-glance`), so that one `apt-get update` serves them all.
# Does nothing when everything is present; otherwise needs root (or sudo).
# The packages' maintainer scripts are kept from starting services or asking
# questions: the tests configure and start their own Keystone (and RabbitMQ) on loopback.
set -euo pipefail
export PATH="/usr/sbin:/usr/bin:/sbin:/bin:${PATH:-}"

PKGS=(keystone python3-keystonemiddleware uwsgi-plugin-python3
      python3-openstackclient python3-glanceclient curl "$@")

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" = 0 ]; then
  echo "e2e-setup: installed: ${PKGS[*]}"
  exit 0
fi
command -v apt-get >/dev/null || { echo "e2e-setup: missing ${missing[*]} and no apt-get on this machine" >&2; exit 1; }

SUDO=()
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "e2e-setup: run as root to install: ${missing[*]}" >&2; exit 1; }
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

# No database setup, endpoint registration, admin bootstrap or identity configuration by the
# packages (Keystone, and glance-api for the differential lane): the lanes write their own
# configuration in private directories.
"${SUDO[@]}" debconf-set-selections <<'EOF'
keystone keystone/configure_db boolean false
keystone keystone/create-admin-tenant boolean false
keystone keystone/register-endpoint boolean false
glance-common glance/configure_db boolean false
glance-common glance/configure_ksat boolean false
glance-common glance/configure_rabbit boolean false
glance-api glance/register-endpoint boolean false
EOF

echo "e2e-setup: installing ${missing[*]}"
# Another installation running on the machine holds dpkg's lock: wait for it rather than fail.
APT=(apt-get -q -o DPkg::Lock::Timeout=600)
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive "${APT[@]}" update
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive "${APT[@]}" install -y --no-install-recommends "${missing[@]}"
# The package may have started its own keystone despite policy-rc.d (e.g. no init system):
# the tests run their own instance on a free port, so that one is harmless either way.
echo "e2e-setup: done"
