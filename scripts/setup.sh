#!/usr/bin/env bash
# Installs what delve-kernel needs when it is missing: Delve 1.27.1 (go install, into the
# project's cache), the Jupyter pieces, gdb, gcc, npm packages. With --tests also the Go
# releases of the test matrix (scripts/go-releases), Debian's Go 1.19 and Delve 1.20.2
# (the old pair one test connects to), and Debian's chromium and jupyter-notebook (the
# browser tests). Safe to run again: each step checks first, and everything downloaded is
# cached, so a second run downloads nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
tests=0
[ "${1:-}" = --tests ] && tests=1

cache=${DELVE_KERNEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/delve-kernel}
delve_pin=1.27.1 # also PINNED_DELVE in src/session/delve-choice.ts

# Go itself: the machine's, else Debian's. Debian's golang-go is older than the kernel's
# Delve supports, but it is enough to build Delve 1.27.1 and fetch newer toolchains.
go_cmd=$(command -v go || true)
[ -n "$go_cmd" ] || [ ! -x /usr/local/go/bin/go ] || go_cmd=/usr/local/go/bin/go

need_apt=()
[ -n "$go_cmd" ] || need_apt+=(golang-go)
command -v gdb >/dev/null || need_apt+=(gdb)
command -v gcc >/dev/null || need_apt+=(gcc)
/usr/bin/python3 -c 'import jupyter_client' 2>/dev/null || need_apt+=(jupyter-client)
/usr/bin/python3 -c 'import nbclient' 2>/dev/null || need_apt+=(python3-nbclient)
[ -x /usr/bin/jupyter-nbconvert ] || need_apt+=(jupyter-nbconvert)
/usr/bin/python3 -c 'import jupyter_server' 2>/dev/null || need_apt+=(jupyter-server)
if [ $tests = 1 ]; then
  /usr/bin/python3 -c 'import jupyter_kernel_test' 2>/dev/null || need_apt+=(python3-jupyter-kernel-test)
  /usr/bin/python3 -c 'import ipykernel' 2>/dev/null || need_apt+=(python3-ipykernel)
  [ -x /usr/lib/go-1.19/bin/go ] || need_apt+=(golang-1.19-go)
  [ -x /usr/bin/dlv ] || need_apt+=(delve)
  [ -x /usr/bin/jupyter-console ] || need_apt+=(jupyter-console)
  /usr/bin/python3 -c 'import pexpect' 2>/dev/null || need_apt+=(python3-pexpect)
  # The browser tests (test/browser.test.ts): Debian's Chromium, driven by playwright-core
  # (never a browser download), and the classic Notebook 6.
  [ -x /usr/bin/chromium ] || need_apt+=(chromium)
  { [ -x /usr/bin/jupyter-notebook ] && /usr/bin/python3 -c 'import notebook, sys; sys.exit(not notebook.__version__.startswith("6."))' 2>/dev/null; } || need_apt+=(jupyter-notebook)
fi

# Root installs directly; anyone else through sudo.
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
if [ ${#need_apt[@]} -gt 0 ]; then
  # Said before it happens: this changes the system (Debian packages, from its own apt sources).
  echo "setup: installing Debian packages with apt-get (the kernel needs gdb for gcore, gcc for memwatch's helper, Jupyter to run in; the tests also use Debian's old Go and Delve, ipykernel, jupyter-console, and Chromium and the classic Notebook for the browser tests): ${need_apt[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi
[ -n "$go_cmd" ] || go_cmd=$(command -v go)

# Delve as Go users get it, pinned, into the cache (not the user's PATH). DELVE_KERNEL_DLV wins.
if [ -z "${DELVE_KERNEL_DLV:-}" ] && [ ! -x "$cache/delve-v$delve_pin/dlv" ]; then
  echo "setup: go install github.com/go-delve/delve/cmd/dlv@v$delve_pin (into $cache/delve-v$delve_pin)"
  mkdir -p "$cache/delve-v$delve_pin"
  GOBIN="$cache/delve-v$delve_pin" GOTOOLCHAIN=auto GOFLAGS= "$go_cmd" install "github.com/go-delve/delve/cmd/dlv@v$delve_pin"
fi

# The test matrix's Go releases, as Go fetches them (GOTOOLCHAIN through the module proxy,
# kept in the module cache); where the proxy will not serve one, Debian trixie-backports'
# golang-1.X-go, downloaded and unpacked into the cache, never installed over the system.
if [ $tests = 1 ]; then
  for release in $(grep -v '^#' scripts/go-releases); do
    if GOTOOLCHAIN=$release GOFLAGS= "$go_cmd" version >/dev/null 2>&1; then continue; fi
    minor=$(echo "$release" | sed -E 's/^go1\.([0-9]+).*/\1/')
    [ -x "$cache/debian/usr/lib/go-1.$minor/bin/go" ] && continue
    echo "setup: the module proxy did not serve $release; taking Debian's golang-1.$minor-go"
    bash scripts/debian-go.sh "1.$minor" "$cache/debian" || echo "setup: golang-1.$minor-go not available either; tests on Go 1.$minor will fail"
  done
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; else npm install --no-audit --no-fund --loglevel=error; fi
fi

# memwatch's PAGEMAP_SCAN helper (an ioctl Node cannot make); without it, plain pagemap reads.
bash src/pages/build-pagemap-scan.sh || echo "setup: PAGEMAP_SCAN helper not built; memwatch uses plain pagemap reads"
