#!/usr/bin/env bash
# Runs notebooks/tour.ipynb against examples/orders with a real Jupyter (nbclient), then
# prints what each cell showed. The executed notebook and its HTML rendering are left in
# build/notebooks/tour.ipynb and build/notebooks/tour.html.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/notebooks.sh tour
/usr/bin/python3 - build/notebooks/tour.ipynb <<'PY'
import json, sys
nb = json.load(open(sys.argv[1]))
for cell in nb["cells"]:
    if cell["cell_type"] != "code":
        continue
    src = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
    print("In: " + src.replace("\n", "\n    "))
    for out in cell.get("outputs", []):
        if out["output_type"] == "stream":
            text = out["text"] if isinstance(out["text"], str) else "".join(out["text"])
        elif out["output_type"] == "error":
            text = "\n".join(out["traceback"])
        else:
            text = out.get("data", {}).get("text/plain", "")
            text = text if isinstance(text, str) else "".join(text)
        lines = text.rstrip("\n").split("\n")
        print("\n".join(lines[:25]) + ("\n…" if len(lines) > 25 else ""))
    print()
PY
echo "demo: executed notebook written to build/notebooks/tour.ipynb, its HTML to build/notebooks/tour.html"
echo "demo: the kernel \"Go (Delve)\" is installed for your Jupyter (delve-kernel install --user);"
echo "      open the notebook with: jupyter notebook notebooks/tour.ipynb   (or: node bin/delve-kernel.js console)"
