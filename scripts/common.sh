# Shared settings for the scripts: the shipped model and the bundled sample.
SHIPPED_MODEL=${SHIPPED_MODEL:-models/wearfm-minute-fitabase.safetensors}
SAMPLE=${SAMPLE:-data/sample/fitabase_4020332650.csv}
export SHIPPED_MODEL SAMPLE
# The page's accelerometer model and its probes ("heart rate from motion",
# issue 10): the one place their files are named. Until the shipped ones
# exist (models/wearfm-accel-wesad.safetensors, models/probes/accel-hr.safetensors,
# models/probes/accel-activity.safetensors), development copies in build/accel/
# (scripts/accel_dev_probes.sh).
ACCEL_MODEL=${ACCEL_MODEL:-build/accel/student-fold0.safetensors}
ACCEL_HR_PROBE=${ACCEL_HR_PROBE:-build/accel/dev/accel-hr.safetensors}
ACCEL_ACTIVITY_PROBE=${ACCEL_ACTIVITY_PROBE:-build/accel/dev/accel-activity.safetensors}
export ACCEL_MODEL ACCEL_HR_PROBE ACCEL_ACTIVITY_PROBE
