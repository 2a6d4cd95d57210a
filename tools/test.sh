#!/usr/bin/env bash
# The project's whole test suite, as the README gives it and as CI runs it (.ci/run).
# Installs what it needs on a fresh Debian machine (apt packages when run as root, Maven
# dependencies through Maven), then runs every JUnit test.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"

need_apt=()
command -v mvn >/dev/null 2>&1 || need_apt+=(maven)
command -v java >/dev/null 2>&1 || need_apt+=(openjdk-17-jdk-headless)
# tcmalloc, which ./kd-restore preloads (see the launcher): libtorch's large tensors without page-fault churn
[ -f /usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4 ] || [ "$(uname -m)" != x86_64 ] || need_apt+=(libtcmalloc-minimal4)
if ((${#need_apt[@]})); then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
  else
    echo "tools/test.sh: please install: ${need_apt[*]} (apt-get install as root)" >&2
    exit 2
  fi
fi

# The core (installed into the local Maven repository, with its test helpers, for the Spark module),
# then the Spark module's tests: --spark local[2] against the local commands, and a standalone cluster on 127.0.0.1.
mvn -B -ntp install
mvn -B -ntp -f spark/pom.xml verify

# The launcher as a user runs it: a model run prints no libtorch notices (they go to work/native-warnings.log).
smoke="$(mktemp -d)"
trap 'rm -rf "$smoke"' EXIT
./kd-restore teacher forward --weights models/restormer-s/restormer-s.safetensors --arch-config models/restormer-s/arch.json \
  --input src/test/resources/fixtures/launcher/small.png --output "$smoke/out.png" >"$smoke/out.txt" 2>"$smoke/err.txt" \
  || { echo "tools/test.sh: the launcher smoke run failed:" >&2; cat "$smoke/err.txt" >&2; exit 1; }
sleep 1 # the stderr filter may still be writing
if grep -q '^\[W[0-9]' "$smoke/err.txt"; then
  echo "tools/test.sh: the launcher let libtorch notices through:" >&2; cat "$smoke/err.txt" >&2; exit 1
fi
echo "launcher: a model run printed no libtorch notices"

# The allocator of a machine without tcmalloc (glibc with the launcher's tunables): named by `info`, same output bytes.
KD_RESTORE_MALLOC=glibc-tuned ./kd-restore info 2>/dev/null | grep -q 'glibc malloc (GLIBC_TUNABLES glibc.malloc.mmap_max=0' \
  || { echo "tools/test.sh: KD_RESTORE_MALLOC=glibc-tuned did not reach the JVM" >&2; exit 1; }
KD_RESTORE_MALLOC=glibc-tuned ./kd-restore teacher forward --weights models/restormer-s/restormer-s.safetensors \
  --arch-config models/restormer-s/arch.json --input src/test/resources/fixtures/launcher/small.png --output "$smoke/tuned.png" \
  >/dev/null 2>"$smoke/err-tuned.txt" || { echo "tools/test.sh: the run with tuned glibc malloc failed:" >&2; cat "$smoke/err-tuned.txt" >&2; exit 1; }
cmp -s "$smoke/out.png" "$smoke/tuned.png" || { echo "tools/test.sh: tuned glibc malloc changed the teacher's output" >&2; exit 1; }
echo "launcher: tuned glibc malloc (the fallback without tcmalloc) gives the same output"

# Every notebook, executed headless on a fresh kernel with the quick parameters.
bash tools/run-notebooks.sh
