# Shared settings for the scripts: the shipped model and the bundled sample.
SHIPPED_MODEL=${SHIPPED_MODEL:-models/wearfm-minute-fitabase.safetensors}
SAMPLE=${SAMPLE:-data/sample/fitabase_4020332650.csv}
export SHIPPED_MODEL SAMPLE
# The page's accelerometer model and its probes ("heart rate from motion",
# issue 10): the one place their files are named (`make ship-accel` writes them).
ACCEL_MODEL=${ACCEL_MODEL:-models/wearfm-accel-wesad.safetensors}
ACCEL_HR_PROBE=${ACCEL_HR_PROBE:-models/probes/accel-hr.safetensors}
ACCEL_ACTIVITY_PROBE=${ACCEL_ACTIVITY_PROBE:-models/probes/accel-activity.safetensors}
export ACCEL_MODEL ACCEL_HR_PROBE ACCEL_ACTIVITY_PROBE
