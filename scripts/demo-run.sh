#!/usr/bin/env bash
# The demo's pipeline part: run every stage as of the demo date and print what came out.
#   scripts/demo-run.sh BIN PIPELINE AS_OF
set -euo pipefail
bin=$1; pipeline=$2; as_of=$3
"$bin" run "$pipeline" --as-of "$as_of" --force --log-format text
