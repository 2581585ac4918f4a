#!/usr/bin/env bash
# Installs what delve-kernel needs when it is missing: Go 1.19 (and Go 1.22 from
# bookworm-backports, for the tests), Delve, the Jupyter pieces, npm packages.
# Safe to run again: each step checks first.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v go >/dev/null || [ -x /usr/lib/go-1.19/bin/go ] || need_apt+=(golang-go)
command -v dlv >/dev/null || need_apt+=(delve)
command -v gdb >/dev/null || need_apt+=(gdb)
command -v gcc >/dev/null || need_apt+=(gcc)
/usr/bin/python3 -c 'import jupyter_client' 2>/dev/null || need_apt+=(jupyter-client)
/usr/bin/python3 -c 'import nbclient' 2>/dev/null || need_apt+=(python3-nbclient)
[ -x /usr/bin/jupyter-nbconvert ] || need_apt+=(jupyter-nbconvert)
/usr/bin/python3 -c 'import jupyter_server' 2>/dev/null || need_apt+=(jupyter-server)
/usr/bin/python3 -c 'import jupyter_kernel_test' 2>/dev/null || need_apt+=(python3-jupyter-kernel-test)
/usr/bin/python3 -c 'import ipykernel' 2>/dev/null || need_apt+=(python3-ipykernel)

# Root installs directly; anyone else through sudo.
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=0
apt_update() { [ $apt_updated = 1 ] || { as_root apt-get update -qq; apt_updated=1; }; }

if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing ${need_apt[*]}"
  apt_update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

# Go 1.22 from bookworm-backports: the tests run goroutine checks on a newer Go too.
# The backports entry is derived from the machine's own Debian source entry.
if [ "${DELVE_KERNEL_SKIP_GO122:-}" != 1 ] && [ ! -x /usr/lib/go-1.22/bin/go ]; then
  if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    uri=""
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
      uri=$(awk '/^URIs:/{u=$2} /^Suites:/ && / bookworm( |$)/{print u; exit}' /etc/apt/sources.list.d/debian.sources)
    fi
    if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
      uri=$(awk '$1=="deb" && $3=="bookworm"{print $2; exit}' /etc/apt/sources.list)
    fi
    if [ -n "$uri" ]; then
      printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$uri" \
        | as_root tee /etc/apt/sources.list.d/bookworm-backports.sources >/dev/null
      apt_updated=0
    fi
  fi
  apt_update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends golang-1.22-go >/dev/null || echo "setup: golang-1.22-go not available; Go 1.22 tests will be skipped"
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; else npm install --no-audit --no-fund --loglevel=error; fi
fi

# memwatch's PAGEMAP_SCAN helper (an ioctl Node cannot make); without it, plain pagemap reads.
bash src/pages/build-pagemap-scan.sh || echo "setup: PAGEMAP_SCAN helper not built; memwatch uses plain pagemap reads"
