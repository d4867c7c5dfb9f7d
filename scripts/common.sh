# Shared settings for the scripts: the shipped model and the bundled sample.
SHIPPED_MODEL=${SHIPPED_MODEL:-models/wearfm-minute-fitabase.safetensors}
SAMPLE=${SAMPLE:-data/sample/fitabase_4020332650.csv}
export SHIPPED_MODEL SAMPLE
