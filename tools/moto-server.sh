#!/usr/bin/env bash
# Prints the path of moto_server (moto 5, the AWS API emulator the deploy lane applies against), or nothing.
# `make test-deploy` passes it as MOTO_SERVER; set that to skip the search.
set -euo pipefail
if [[ -n "${MOTO_SERVER:-}" ]]; then
  echo "$MOTO_SERVER"
  exit 0
fi
found=$(command -v moto_server 2>/dev/null || true)
if [[ -z "$found" ]]; then
  found=$(find / \( -path /proc -o -path /sys -o -path /dev -o -name node_modules -o -name .git \) -prune -o \
    -type f -name moto_server -perm -u+x -print -quit 2>/dev/null || true)
fi
[[ -n "$found" ]] && echo "$found"
exit 0
