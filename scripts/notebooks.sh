#!/usr/bin/env bash
# Executes the notebooks headless, top to bottom, with nbclient (nbconvert --execute) against
# the examples: notebooks/NAME.ipynb for each NAME given (all of them without one). Writes
# build/notebooks/NAME.ipynb (executed) and build/notebooks/NAME.html (its HTML rendering).
# With --save the executed notebook also replaces notebooks/NAME.ipynb: the outputs are kept
# in the files, so they read well on GitHub.
#
# The incident notebook attaches to a running service, as in production: this script builds
# examples/incident with a plain `go build` into build/incident, starts it, and stops it after.
set -euo pipefail
cd "$(dirname "$0")/.."
save=0
names=()
for a in "$@"; do
  if [ "$a" = --save ]; then save=1; else names+=("$a"); fi
done
[ ${#names[@]} -gt 0 ] || names=(tour incident-writeup teaching-scheduler)

prefix="$PWD/build/jupyter"
out="$PWD/build/notebooks"
mkdir -p "$out"
node bin/delve-kernel.js install --prefix "$prefix" >/dev/null
export JUPYTER_PATH="$prefix/share/jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"
go_cmd=${DELVE_KERNEL_GO:-$(command -v go || echo /usr/local/go/bin/go)}

service=""
stop_service() { [ -z "$service" ] || kill -9 "$service" 2>/dev/null || true; }
trap stop_service EXIT

for name in "${names[@]}"; do
  nb="notebooks/$name.ipynb"
  [ -f "$nb" ] || { echo "notebooks: no $nb" >&2; exit 1; }
  # Each run starts from no captures: the notebook shows the same every time.
  export DELVE_KERNEL_CAPTURES="$out/$name.duckdb"
  rm -f "$DELVE_KERNEL_CAPTURES" "$DELVE_KERNEL_CAPTURES.wal"
  if [ "$name" = incident-writeup ]; then
    (cd examples/incident && GOFLAGS=-mod=mod "$go_cmd" build -o "$OLDPWD/build/incident" .)
    rm -f build/incident.core
    exec 3< <(build/incident)
    service=$!
    read -r -t 60 line <&3 && [ "$line" = ready ] || { echo "notebooks: build/incident did not print ready" >&2; exit 1; }
  fi
  echo "notebooks: executing $nb"
  /usr/bin/jupyter nbconvert --to notebook --execute --ExecutePreprocessor.timeout=300 \
    --output-dir "$out" --output "$name.ipynb" "$nb"
  /usr/bin/jupyter nbconvert --to html --output-dir "$out" --output "$name.html" "$out/$name.ipynb" >/dev/null 2>&1
  stop_service
  service=""
  [ $save = 0 ] || cp "$out/$name.ipynb" "$nb"
  echo "notebooks: $out/$name.ipynb, $out/$name.html"
done
