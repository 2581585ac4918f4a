#!/usr/bin/env bash
# Builds the PAGEMAP_SCAN helper (src/pages/pagemap-scan.c) into dist/native/, with the
# machine's C compiler. Without one, memwatch uses plain pagemap reads and says so.
set -euo pipefail
cd "$(dirname "$0")/../.."
cc=${CC:-$(command -v gcc || command -v cc || true)}
if [ -z "$cc" ]; then echo "build-pagemap-scan: no C compiler; memwatch will use plain pagemap reads" >&2; exit 1; fi
mkdir -p dist/native
"$cc" -O2 -Wall -Wextra -o dist/native/pagemap-scan.tmp src/pages/pagemap-scan.c
mv dist/native/pagemap-scan.tmp dist/native/pagemap-scan
