# Core commands: test, detect, eval, bench vision (demo is commands/demo.sh). Sourced by tools/edgeinv.

help_core() {
    echo "  eval --model M --data DIR [--split S] [--json]   detector accuracy on images/ + labels/ (YOLO text)"
    echo "  fixtures                 regenerate the committed detector test fixtures (tests/fixtures/onnx)"
}

# python_usage SCRIPT MODULE...: the script's own argparse --help when its modules import; installs nothing.
python_usage() {
    local script="$1" m
    shift
    for m in "$@"; do "$EDGEINV_PYTHON" -c "import $m" 2>/dev/null || return 1; done
    "$EDGEINV_PYTHON" "$script" --help
}

usage_fixtures() {
    echo "usage: tools/edgeinv fixtures [--out DIR]   regenerate tests/fixtures/onnx (tools/fixtures)"
    python_usage "$EDGEINV_ROOT/tools/fixtures/make_detector_fixtures.py" numpy onnx \
        || echo "  (make_detector_fixtures.py's own help needs python3-numpy and python3-onnx, which 'tools/edgeinv fixtures' installs)"
}

cmd_fixtures() {
    ensure_python
    "$EDGEINV_PYTHON" "$EDGEINV_ROOT/tools/fixtures/make_detector_fixtures.py" "$@"
}

# The ONNX tests compile a stand-in for an old libonnxruntime (the version refusal) with the C compiler.
test_needs_onnx() {
    ensure_apt gcc libc6-dev
}

# The vision tests decode with ffmpeg/libturbojpeg, run ONNX Runtime (the NuGet package's, or the build
# EDGEINV_ORT_LIBRARY names), and train a toy model through tools/train (smoke test), which needs
# Debian's PyTorch and OpenCV.
test_needs_vision() {
    ensure_vision_runtime
    ensure_python python3-torch python3-torchvision python3-opencv
}

usage_test() {
    echo "usage: tools/edgeinv test [dotnet test arguments, e.g. --filter NAME]"
    echo "  installs what the tests need (test_needs_* of each area), builds, runs every test project"
}

cmd_test() {
    local need
    for need in $(declare -F | awk '{print $3}' | grep '^test_needs_' | sort); do
        verbose "preparing: $need"
        "$need"
    done
    ensure_built
    local results="$EDGEINV_DEPS/test-results"
    rm -rf "$results"
    say "running tests"
    local rc=0
    dotnet test "$EDGEINV_ROOT/EdgeInventory.sln" -c "$EDGEINV_CONFIGURATION" --no-build -nologo \
        --logger "trx" --logger "console;verbosity=minimal" --results-directory "$results" "$@" || rc=$?
    # One plain closing line over all test assemblies.
    local passed=0 failed=0 skipped=0 trx counters
    for trx in "$results"/*.trx; do
        [ -f "$trx" ] || continue
        counters="$(grep -o '<Counters [^>]*>' "$trx" | head -1)"
        passed=$((passed + $(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")))
        failed=$((failed + $(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")))
        # Skipped tests are counted in total but not in executed.
        skipped=$((skipped + $(sed -n 's/.* total="\([0-9]*\)".*/\1/p' <<<"$counters") - $(sed -n 's/.* executed="\([0-9]*\)".*/\1/p' <<<"$counters")))
    done
    echo "$passed passed, $failed failed, $skipped skipped"
    if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then say "dotnet test exited with $rc"; fi
    return "$rc"
}

# The C# commands print the usage their parser knows; --help needs the build, not the native libraries.
usage_detect() { run_cli detect "$@"; }
usage_eval() { run_cli eval "$@"; }

cmd_detect() {
    ensure_vision_runtime
    run_cli detect "$@"
}

cmd_eval() {
    ensure_vision_runtime
    run_cli eval "$@"
}

# bench vision [--quick] [CLI options]: per-stage timings against the package's bare RunWithBinding, then the
# BenchmarkDotNet hot-path benchmarks (memory diagnoser) unless --quick.
usage_bench_vision() {
    echo "usage: tools/edgeinv bench vision [--quick] [bench-vision options]"
    echo "  stage timings against the bare ONNX Runtime run, then BenchmarkDotNet's vision hot paths unless --quick"
    ensure_built
    dotnet "$(cli_dll)" bench-vision --help
}

bench_vision() {
    ensure_vision_runtime
    ensure_python
    local model="$EDGEINV_DEPS/bench/yolov8n-640-random.onnx"
    if [ ! -f "$model" ]; then
        mkdir -p "$(dirname "$model")"
        say "exporting a YOLOv8n-sized network (random weights) for timing: $model"
        ensure_python python3-torch
        "$EDGEINV_PYTHON" "$EDGEINV_ROOT/tools/train/export.py" --random --scale n --imgsz 640 --nc 1 --out "$model" >&2
    fi
    local quick=0 args=()
    for a in "$@"; do [ "$a" = --quick ] && quick=1 || args+=("$a"); done
    ensure_built
    dotnet "$(cli_dll)" bench-vision --bench-model "$model" "${args[@]}"
    if [ "$quick" = 0 ]; then
        say "BenchmarkDotNet: vision hot paths (memory diagnoser)"
        EDGEINV_BENCH_MODEL="$model" dotnet run -c Release --project "$EDGEINV_ROOT/tools/Benchmarks" -- --filter '*Vision*'
    fi
}
