#!/usr/bin/env bash
# Downloads Debian trixie(-backports)' golang-VERSION-go and unpacks it into DEST (Go trees
# are static), under a private apt configuration: nothing is installed over the system.
# Usage: debian-go.sh 1.27 DEST
set -euo pipefail
version=$1 dest=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/archives/partial" "$work/etc/preferences.d" "$dest"
uri=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
[ -n "$uri" ] || uri=$(awk '$1=="deb"{print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
[ -n "$uri" ] || { echo "debian-go: no Debian mirror in the apt sources" >&2; exit 1; }
printf 'deb [trusted=yes] %s trixie main\ndeb [trusted=yes] %s trixie-backports main\n' "$uri" "$uri" > "$work/sources.list"
opts=(-o "Dir::Etc::SourceList=$work/sources.list" -o "Dir::Etc::SourceParts=-" -o "Dir::State::Lists=$work/lists"
      -o "Dir::Cache=$work" -o "Dir::Etc::Preferences=-" -o "Dir::Etc::PreferencesParts=$work/etc/preferences.d"
      -o "APT::Architecture=amd64" -o "Debug::NoLocking=1")
apt-get "${opts[@]}" update -qq
cd "$work"
for pkg in "golang-$version-go" "golang-$version-src"; do apt-get "${opts[@]}" download "$pkg" >/dev/null; done
for deb in ./*.deb; do dpkg-deb -x "$deb" "$dest"; done
"$dest/usr/lib/go-$version/bin/go" version
