#!/usr/bin/env bash
# Runs every test: installs what the tests need (ffmpeg, npm for the face models, chromium for the
# page, espeak-ng and festival for voices in other languages, other voices and a sung song), builds, tests.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"
# The .NET SDK's usage telemetry off for the builds this script runs (unless the user chose otherwise):
# Parla itself sends nothing anywhere (README, "Consent and provenance").
export DOTNET_CLI_TELEMETRY_OPTOUT="${DOTNET_CLI_TELEMETRY_OPTOUT:-1}"
scripts/install-deps.sh chromium espeak-ng festival festvox-us-slt-hts festvox-ca-ona-hts festvox-kallpc16k
log=$(mktemp)
set +e
# Measurement studies (Category=Study, minutes each) are run on their own: see docs and the test's comment.
dotnet test Parla.slnx -c Release --nologo --logger "console;verbosity=normal" --filter "Category!=Study" "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
# One closing line in a plain form: the sum over all test assemblies.
count() { { grep -Eo "^ +$1: +[0-9]+" "$log" || true; } | awk '{s+=$2} END {print s+0}'; }
passed=$(count Passed)
failed=$(count Failed)
skipped=$(count Skipped)
rm -f "$log"
echo "$passed passed, $failed failed, $skipped skipped"
exit $rc
