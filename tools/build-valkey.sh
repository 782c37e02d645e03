#!/usr/bin/env bash
# Builds valkey-server 9.1 (ElastiCache's newest Valkey) from Debian's source package where no binary
# package exists for this machine's release: the orig and Debian tarballs from the unstable pool,
# checked against the checksums of the suite's Sources index (pinned here), Debian's patches applied,
# built once and cached outside the clone under a directory named by the tarball's checksum, then
# linked into /usr/local/bin (ahead of Debian's valkey-server 8, which stays for the compatibility run).
set -euo pipefail

version=9.1.2
revision=1
orig_sha256=8e8557da7426a51b4e0fb514a65ef6241dc7c85cb408243af389070abf379cec
debian_sha256=e83701e1f5140721fe85cbe11bfdbf9b4bb841b6d423644977fbfd2ee417a629
pool=${DEBIAN_POOL:-http://deb.debian.org/debian/pool/main/v/valkey}
# TLS on (ElastiCache's in-transit encryption is tested locally too): the build's flags are part of the cache's name.
flags="BUILD_TLS=yes USE_SYSTEMD=no"
cache=${ECP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/elasticache-patterns}/valkey-${version}-${orig_sha256:0:16}-tls
bin=/usr/local/bin

if [ "$(readlink "$bin/valkey-server")" = "$cache/valkey-server" ] && [ -x "$cache/valkey-server" ]; then exit 0; fi

if [ ! -x "$cache/valkey-server" ]; then
  if ! command -v make >/dev/null || ! command -v gcc >/dev/null || ! dpkg -s libssl-dev >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq make gcc pkg-config libssl-dev
  fi
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  echo "building valkey ${version} from Debian's source package (a few minutes on 2 cores; cached in $cache)"
  for file in "valkey_${version}.orig.tar.gz:${orig_sha256}" "valkey_${version}-${revision}.debian.tar.xz:${debian_sha256}"; do
    name=${file%%:*}
    curl -fsSL --retry 3 -o "$work/$name" "$pool/$name"
    echo "${file##*:}  $work/$name" | sha256sum --check --quiet
  done
  mkdir "$work/src"
  tar -xzf "$work/valkey_${version}.orig.tar.gz" -C "$work/src" --strip-components=1
  tar -xJf "$work/valkey_${version}-${revision}.debian.tar.xz" -C "$work/src"
  while read -r patch; do
    case "$patch" in '' | '#'*) continue ;; esac
    patch --quiet -p1 -d "$work/src" <"$work/src/debian/patches/$patch"
  done <"$work/src/debian/patches/series"
  # shellcheck disable=SC2086 # the flags are words
  make -C "$work/src" -j"$(nproc)" $flags >"$work/build.log" 2>&1 || {
    tail -30 "$work/build.log" >&2
    exit 1
  }
  mkdir -p "$cache.partial"
  cp "$work/src/src/valkey-server" "$work/src/src/valkey-cli" "$cache.partial/"
  rm -rf "$cache"
  mv "$cache.partial" "$cache"
fi
ln -sf "$cache/valkey-server" "$bin/valkey-server"
ln -sf "$cache/valkey-cli" "$bin/valkey-cli"
"$bin/valkey-server" --version
