#!/usr/bin/env bash
# Runs one libFuzzer target of Fuzz/Targets for SECONDS (Docs/Fuzzing.md); `all` is every file
# there (json, safetensors, peso, adapterconfig, gradients, interactions, checkpointindex, npy):
#   Scripts/fuzz/run.sh TARGET SECONDS      e.g. Scripts/fuzz/run.sh json 60
#   Scripts/fuzz/run.sh all SECONDS         every target in turn, SECONDS each
# Builds the engine with -sanitize=fuzzer,address into .build/fuzz (incremental), links the
# target's entry file Fuzz/Targets/<target>.swift + Fuzz/Support/*.swift against it, and fuzzes
# from the seeds in Fuzz/Corpus/<target> (read only; new inputs go to .build/fuzz/corpus/<target>).
# Exits non-zero on any crash, sanitizer report, hang (> 10 s on one input) or allocation above
# the limits; the input that did it is saved under .build/fuzz/artifacts/<target>/.
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO="$PWD"
BUILD="$REPO/.build/fuzz"
DEBUG="$BUILD/debug"

targets() { (cd Fuzz/Targets && ls ./*.swift | sed 's|^\./||; s/\.swift$//'); }

if [ $# -ne 2 ]; then
  echo "usage: $0 TARGET|all SECONDS   (targets: $(targets | tr '\n' ' '))" >&2
  exit 64
fi
TARGET="$1"
SECONDS_EACH="$2"
if [ "$TARGET" != all ] && [ ! -f "Fuzz/Targets/${TARGET}.swift" ]; then
  echo "no fuzz target $TARGET (targets: $(targets | tr '\n' ' '))" >&2
  exit 64
fi

# The engine compiled with the fuzzer's coverage and AddressSanitizer, once per invocation; the
# debug configuration keeps -enable-testing, which the targets' `@testable import` needs.
swift build --build-path "$BUILD" --target LorascopeEngine --sanitize fuzzer --sanitize address

# Links and runs one target; returns libFuzzer's status (0: nothing found).
fuzz() {
  local name="$1"
  mkdir -p "$BUILD/bin" "$BUILD/corpus/$name" "$BUILD/artifacts/$name"
  # lld: gold prints a "warning:" line for each of AddressSanitizer's local symbols.
  swiftc -sanitize=fuzzer,address -parse-as-library -use-ld=lld \
    -I "$DEBUG/Modules" -I Sources/COpenBLAS -I Sources/CLAPACKE \
    $(pkg-config --cflags openblas lapacke | sed 's/-I/-Xcc -I/g') \
    "Fuzz/Targets/${name}.swift" Fuzz/Support/*.swift \
    "$DEBUG"/LorascopeEngine.build/*.swift.o "$DEBUG"/CSV.build/*.swift.o \
    $(pkg-config --libs openblas lapacke) \
    -o "$BUILD/bin/$name" || return 1  # set -e is off inside `fuzz || ...`
  echo "== fuzz $name for ${SECONDS_EACH}s"
  # Swift's own backtracer would race ASan's report on a crash; ASan's is the one to read.
  # Fuzz/lsan.supp: a leak inside Foundation itself, which would otherwise end every run.
  SWIFT_BACKTRACE=enable=no LSAN_OPTIONS="suppressions=$REPO/Fuzz/lsan.supp:print_suppressions=0" \
    "$BUILD/bin/$name" \
    -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout=10 \
    -artifact_prefix="$BUILD/artifacts/$name/" -print_final_stats=1 \
    "$BUILD/corpus/$name" "Fuzz/Corpus/$name"
}

if [ "$TARGET" != all ]; then
  fuzz "$TARGET"
  exit
fi
# Every target runs even when one fails, so one report names all that failed.
failed=()
for name in $(targets); do
  fuzz "$name" || failed+=("$name")
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "FAIL: fuzz targets that found a problem: ${failed[*]} (inputs in .build/fuzz/artifacts/)"
  exit 1
fi
