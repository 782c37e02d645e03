#!/usr/bin/env bash
# Installs valkey-server 8 (the compatibility run; tools/build-valkey.sh builds 9.1 for everything else) from Debian's packages. On bookworm it lives
# in bookworm-backports: that source is added only when no configured source offers the package.
# If it cannot be installed, says why and leaves redis-server to run the suites.
set -uo pipefail

candidate() { apt-cache policy valkey-server 2>/dev/null | awk '/Candidate:/ { print $2 }'; }

ls /var/lib/apt/lists/*_Packages >/dev/null 2>&1 || apt-get update -qq
codename=$(sed -n 's/^VERSION_CODENAME=//p' /etc/os-release)
if [ -z "$(candidate)" ] || [ "$(candidate)" = "(none)" ]; then
  echo "valkey-server is in no configured source: adding Debian ${codename}-backports"
  echo "deb http://deb.debian.org/debian ${codename}-backports main" >"/etc/apt/sources.list.d/${codename}-backports.list"
  apt-get update -qq
fi
if DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valkey-server ||
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -t "${codename}-backports" valkey-server; then
  valkey-server --version
else
  echo "valkey-server could not be installed (see apt-get's message above): the local stack and the tests run on redis-server instead." >&2
fi
exit 0
