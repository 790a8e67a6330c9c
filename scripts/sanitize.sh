#!/usr/bin/env bash
# Runs the native engine under a memory checker; zero errors expected from filesec's code.
#
#   scripts/sanitize.sh asan       # or FILESEC_SANITIZE=asan scripts/sanitize.sh
#   scripts/sanitize.sh valgrind   # or FILESEC_SANITIZE=valgrind
#   scripts/sanitize.sh all
#
# asan: builds the addon with AddressSanitizer + UBSan (CMake option FILESEC_SANITIZE) into
#   build-asan/build (the normal build in build/ is left alone), then, with that addon
#   (node-gyp-build's FILESEC_PREBUILD) and libasan preloaded into node (which is not built with
#   it):
#   1. the native-heavy mocha suites: any ASan or UBSan report aborts the run. Leak detection is
#      off here: node itself leaves memory behind at exit;
#   2. a leak pass: 30 iterations of test/load/memory-loop.ts (every kind of native work) with
#      LeakSanitizer on, suppressing only state that is alive by design at exit
#      (scripts/sanitize/lsan.supp).
# valgrind: memcheck over scripts/sanitize/smoke.js with the normal build (node under memcheck is
#   ~50× slower, hence a small tour rather than the suites).
#
# Needs: g++ (libasan/libubsan come with it), valgrind (Debian package valgrind), the npm
# dev dependencies, and dist/ for valgrind (npx tsc -p tsconfig.json). Takes ~4 min (asan) and
# ~1 min (valgrind) on the 2-vCPU VM. Not run by .ci/run (too slow for every push).
set -euo pipefail
cd "$(dirname "$0")/.."

mode="${1:-${FILESEC_SANITIZE:-}}"
# The suites that drive the most native code: every codec, streams, keys, signatures, destroy,
# rotation, tampering, the addon itself and the load tests (workers terminated mid-job).
SUITES=(test/roundtrip.test.ts test/age-codec.test.ts test/age-stream.test.ts test/age-armor.test.ts
  test/streams.test.ts test/tamper.test.ts test/sign.test.ts test/keys.test.ts test/destroy.test.ts
  test/rotate.test.ts test/rekey.test.ts test/native.test.ts test/load.test.ts)

run_asan() {
  npx cmake-js compile --out build-asan/build --CDFILESEC_SANITIZE=ON
  local libasan
  libasan="$(gcc -print-file-name=libasan.so)"
  echo "== asan+ubsan: ${#SUITES[@]} mocha suites"
  FILESEC_PREBUILD="$PWD/build-asan" LD_PRELOAD="$libasan" \
    ASAN_OPTIONS=detect_leaks=0:halt_on_error=1:abort_on_error=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    npx mocha "${SUITES[@]}"
  echo "== asan: leak pass (test/load/memory-loop.ts, 30 iterations)"
  local dir
  dir="$(mktemp -d)"
  FILESEC_PREBUILD="$PWD/build-asan" LD_PRELOAD="$libasan" \
    ASAN_OPTIONS=detect_leaks=1:fast_unwind_on_malloc=0:halt_on_error=1 \
    LSAN_OPTIONS="suppressions=$PWD/scripts/sanitize/lsan.supp:print_suppressions=1" \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    node --expose-gc -r tsx/cjs test/load/memory-loop.ts "$dir" 30 0 100 || { rm -rf "$dir"; exit 1; }
  rm -rf "$dir"
  echo "== asan: no errors"
}

run_valgrind() {
  command -v valgrind >/dev/null || { echo "valgrind not found (Debian package valgrind)" >&2; exit 1; }
  echo "== valgrind memcheck: scripts/sanitize/smoke.js"
  valgrind --tool=memcheck --error-exitcode=99 --leak-check=no --num-callers=30 node scripts/sanitize/smoke.js
  echo "== valgrind: no errors"
}

case "$mode" in
  asan) run_asan ;;
  valgrind) run_valgrind ;;
  all) run_asan && run_valgrind ;;
  *) echo "usage: scripts/sanitize.sh asan|valgrind|all (or FILESEC_SANITIZE=...)" >&2; exit 2 ;;
esac
