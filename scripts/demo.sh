#!/usr/bin/env bash
# Runs notebooks/demo.ipynb against examples/orders with a real Jupyter (nbclient), then
# prints what each cell showed. The executed notebook is left in build/demo.ipynb.
set -euo pipefail
cd "$(dirname "$0")/.."
prefix="$PWD/build/jupyter"
node bin/delve-kernel.js install --prefix "$prefix" >/dev/null
export JUPYTER_PATH="$prefix/share/jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"
mkdir -p build
/usr/bin/jupyter nbconvert --to notebook --execute --ExecutePreprocessor.timeout=120 \
  --output-dir build --output demo.ipynb notebooks/demo.ipynb
/usr/bin/python3 - build/demo.ipynb <<'PY'
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
echo "demo: executed notebook written to build/demo.ipynb"
echo "demo: the kernel \"Go (Delve)\" is installed for your Jupyter (delve-kernel install --user);"
echo "      open the notebook with: jupyter notebook notebooks/demo.ipynb   (or: node bin/delve-kernel.js console)"
