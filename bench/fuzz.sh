#!/usr/bin/env bash
# Fuzz the decode + preprocess path and the request body parsers with Jazzer, each for a while, and print what
# libFuzzer reports (executions, coverage, findings). Findings, and nothing else, are written by Jazzer into
# src/test/resources/.../<Test>Inputs/<method>/, where the CI's regression run replays them; the growing corpus
# stays in .cifuzz-corpus/ (git-ignored): copy inputs worth keeping from there by hand.
#
#   bench/fuzz.sh [seconds per target]        default 120; targets run one after another
#
# Needs nothing but Maven and a JDK 17+. CPU-heavy: one core per target run.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${1:-120}
TARGETS=(
  "DecodeFuzzTest#decodeAndPreprocess"
  "DecodeFuzzTest#decodeWebp"
  "RequestParsingFuzzTest#multipart"
  "RequestParsingFuzzTest#json"
)
./mvnw -q -B test-compile
mkdir -p target/fuzz
for target in "${TARGETS[@]}"; do
  log="target/fuzz/${target//#/.}.log"
  echo "== $target for ${SECONDS_PER_TARGET}s (log: $log)"
  # junit timeout mode disabled: JUnit would otherwise time the whole run; Jazzer gives @Timeout to libFuzzer per input
  JAZZER_FUZZ=1 ./mvnw -B surefire:test@fuzz-tests -Dfuzz.test="$target" -Djazzer.hooks=true \
    -Djazzer.max_duration="${SECONDS_PER_TARGET}s" -Djunit.jupiter.execution.timeout.mode=disabled \
    > "$log" 2>&1 || { echo "FAILED: $target (see $log)"; grep -E "^== Java Exception|FuzzerSecurityIssue|ERROR\]" "$log" | head -20; }
  grep -E "^#[0-9]+.*(DONE|pulse)|^Done [0-9]+ runs|Tests run:" "$log" | tail -3
done
