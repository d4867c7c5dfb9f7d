#!/usr/bin/env bash
# The gap-filling evaluation end to end in seconds (`tools/evaluate.py --smoke`):
# the shipped AIM model and its naive ablation through the native CLI, every
# baseline, the bootstrap, the robustness test and the table renderer. It checks
# that every scenario x method cell is produced, not what the numbers are.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh
PY=/usr/bin/python3
W=build/eval-smoke
rm -rf $W && mkdir -p $W/data
# Two "people" from the sample's three days, so the by-person split has both
# sides: 1000000001 (the 3rd day) trains, 1000000002 (days 1-2) is validated.
{ head -1 "$SAMPLE"; sed -n '2882,4321p' "$SAMPLE"; } > $W/data/1000000001.csv
{ head -1 "$SAMPLE"; sed -n '2,2881p' "$SAMPLE"; } > $W/data/1000000002.csv
NAIVE=${SHIPPED_MODEL%.safetensors}-naive.safetensors
$PY tools/evaluate.py --smoke --data $W/data --model "$SHIPPED_MODEL" --naive "$NAIVE" \
  --wearfm build/native/wearfm --json $W/results.json > $W/hr_mse.md
$PY - $W/results.json <<'PYEOF'
import json, math, sys
sys.path.insert(0, "tools")
import eval_tables
r = json.load(open(sys.argv[1]))
m = r["methods"]
missing = []
def finite(v):
    return isinstance(v, (int, float)) and math.isfinite(v)
for name in r["scenario_order"]:
    sc = r["scenarios"].get(name, {})
    channels = {"heart_rate": list(m["models"]) + list(m["hr_baselines"])}
    if sc.get("hidden") == "all channels":
        channels.update({c: list(m["models"]) + list(m["simple_baselines"]) for c in ("steps", "intensity")})
    for ch, keys in channels.items():
        s = sc.get(ch)
        for k in keys:
            if not s or not finite(s["mse"].get(k)) or not finite(s["mae"].get(k)):
                missing.append(f"{name}/{ch}/{k}")
        for k in m["models"]:
            if s and s["mse"][s["best_baseline"]] > 0 and not all(finite(v) for v in [s["ratio"][k]["ratio"]] + s["ratio"][k]["ci"]):
                missing.append(f"{name}/{ch}/{k} ratio")
    if sc.get("hidden") == "all channels":   # the category channels, scored as categories too
        lv = (sc.get("intensity") or {}).get("levels")
        keys = list(m["models"]) + list(m["simple_baselines"])
        if not lv or not all(finite(lv["error_rate"].get(k)) and 0 <= lv["error_rate"][k] <= 1 for k in keys):
            missing.append(f"{name}/intensity/levels")
for cmp in ("heart_rate_removed", "night_removed"):
    rb = r["robustness"].get(cmp)
    if not rb or not all(finite(rb[k]["change"]) for k in m["models"]):
        missing.append(f"robustness/{cmp}")
if missing:
    sys.exit("evaluation smoke: missing cells: " + ", ".join(missing))
import numpy as np
import evaluate
got = evaluate.nearest_level(np.array([0.4, 0.5, 1.6, -3.0, 9.0, 2.0]), [0, 1, 2, 3])
assert got.tolist() == [0, 0, 2, 0, 3, 2], got   # ties to the lower level; outside the range to the end levels
for name in eval_tables.RENDERERS:
    assert eval_tables.render(name, r).count("\n") > 2, name
print(f"evaluation smoke: {len(r['scenario_order'])} scenarios, every cell present; tables render")
PYEOF
