# bench arm64: the edge programs published for linux-arm64 and run under qemu-user on this x86-64
# machine, against the same program on x86-64. Sourced by tools/edgeinv.
#
# Not in the test suite: one photo takes a minute or more under emulation.

# The folder all arm64 (and the x86-64 reference) publishes and results go to; never a tracked one.
EDGEINV_ARM64_DIR="$EDGEINV_DEPS/arm64"

usage_bench_arm64() {
    cat <<USAGE
usage: tools/edgeinv bench arm64 [--photos N] [--model FILE] [--box-tolerance PX] [--agent] [JPEG...]
  publishes edgeinv (detect) and edgeinv-agent self-contained for linux-arm64, runs 'detect --json' on
  shelf photos under qemu-user (qemu-aarch64-static) with the arm64 ONNX Runtime of the NuGet package,
  runs the same detect published for linux-x64 natively, and compares them photo by photo: counts,
  boxes, time. Exit 0 when every count is equal and every box within the tolerance, 1 when not.

  --photos N          how many of models/samples/images (1 to 3, default 1; each takes a minute or more)
  JPEG...             these photos instead (JPEG only: PNG goes through ffmpeg, which is not installed for arm64)
  --model FILE        the ONNX model (default models/shelf-detector.onnx)
  --box-tolerance PX  largest corner difference a box may show between the two (default 1.0)
  --agent             also start edgeinv-agent under qemu with one camera on the first photo and wait until
                      it has detected that frame (its /metrics), then stop it (a few more minutes)

  Installs what it needs, as root: qemu-user-static, and the arm64 architecture in dpkg
  (dpkg --add-architecture arm64: apt then also fetches the arm64 package lists) with the arm64
  libc6, libstdc++6, libgcc-s1 and libturbojpeg0 in /usr/lib/aarch64-linux-gnu. Idempotent.
  Publishes (tools/edgeinv publish) to .deps/arm64/, results in .deps/arm64/results/.
USAGE
}

# ensure_arm64_userland: what running a linux-arm64 program here takes. There is no binfmt_misc in a
# container, so the programs are started through qemu-aarch64-static explicitly, with -L / so the arm64
# loader and libraries come from Debian's multiarch folders (/lib/ld-linux-aarch64.so.1,
# /usr/lib/aarch64-linux-gnu). The programs are self-contained, so no arm64 dotnet is needed (Debian has
# none); with InvariantGlobalization no libicu, and detect needs neither libssl nor zlib.
ensure_arm64_userland() {
    ensure_apt qemu-user-static
    if ! dpkg --print-foreign-architectures | grep -qx arm64; then
        say "adding the arm64 architecture to dpkg (a system change: apt will also fetch arm64 package lists)"
        as_root dpkg --add-architecture arm64
        EDGEINV_APT_UPDATED=0 # the arm64 lists are not in the last update
    fi
    # libc6/libstdc++6/libgcc-s1 are Multi-Arch: same, so apt keeps them at the amd64 version (it upgrades
    # the amd64 one when the arm64 candidate is newer).
    ensure_apt libc6:arm64 libstdc++6:arm64 libgcc-s1:arm64 libturbojpeg0:arm64
}

# publish_when_changed PROGRAM RID OUT: `tools/edgeinv publish` (deploy.sh: self-contained, so no arm64 dotnet is
# needed; the runtime packs come from NuGet), again only when a source changed since the last publish into OUT.
publish_when_changed() {
    local program="$1" rid="$2" out="$3"
    sources_changed_since "$out.stamp" || return 0
    cmd_publish "$program" --rid "$rid" --out "$out"
    touch "$out.stamp"
}

# The command line that runs an arm64 ELF under qemu-user (an array, so that `... &` gives qemu's own pid).
# .NET's JIT runs as it is under qemu 7.2: W^X (DOTNET_EnableWriteXorExecute) and tiered compilation need
# no switch here (measured: the same start-up time with W^X off, within the noise of a shared CPU).
EDGEINV_ARM64_RUN=(qemu-aarch64-static -L /)

# published_versions DIR: the .NET runtime and ONNX Runtime a self-contained publish carries.
published_versions() {
    local deps="$1/edgeinv.deps.json"
    echo ".NET $(grep -o '"runtimepack.Microsoft.NETCore.App.Runtime.linux-[a-z0-9]*/[0-9.]*"' "$deps" | head -1 | sed 's/.*\///; s/"//'), ONNX Runtime $(grep -o '"Microsoft.ML.OnnxRuntime/[0-9.]*"' "$deps" | head -1 | sed 's/.*\///; s/"//')"
}

bench_arm64() {
    local photos=1 model="$EDGEINV_ROOT/models/shelf-detector.onnx" tolerance=1.0 agent=0 images=()
    while [ $# -gt 0 ]; do
        case "$1" in
            --photos)
                [[ "${2:-}" =~ ^[1-3]$ ]] || die "bench arm64: --photos must be 1, 2 or 3, not '${2:-}'"
                photos="$2"; shift 2 ;;
            --model)
                [ -f "${2:-}" ] || die "bench arm64: --model: no such file '${2:-}'"
                model="$(readlink -f "$2")"; shift 2 ;;
            --box-tolerance)
                [[ "${2:-}" =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "bench arm64: --box-tolerance must be a number of pixels, not '${2:-}'"
                tolerance="$2"; shift 2 ;;
            --agent) agent=1; shift ;;
            -*) die "bench arm64: unknown option '$1' (tools/edgeinv bench arm64 --help)" ;;
            *)
                [ -f "$1" ] || die "bench arm64: no such photo '$1'"
                [[ "${1,,}" =~ \.(jpg|jpeg)$ ]] || die "bench arm64: '$1' is not a JPEG (PNG decoding needs an arm64 ffmpeg)"
                images+=("$(readlink -f "$1")"); shift ;;
        esac
    done
    if [ ${#images[@]} -eq 0 ]; then
        mapfile -t images < <(find "$EDGEINV_ROOT/models/samples/images" -name '*.jpg' | sort | head -n "$photos")
    fi

    ensure_dotnet
    ensure_vision_runtime
    ensure_apt python3
    ensure_arm64_userland
    local x64="$EDGEINV_ARM64_DIR/linux-x64/edgeinv" arm="$EDGEINV_ARM64_DIR/linux-arm64/edgeinv"
    publish_when_changed cli linux-x64 "$x64"
    publish_when_changed cli linux-arm64 "$arm"
    publish_when_changed agent linux-arm64 "$EDGEINV_ARM64_DIR/linux-arm64/edgeinv-agent"

    local results="$EDGEINV_ARM64_DIR/results" start x64_s arm_s
    mkdir -p "$results"
    echo "x86-64: $(published_versions "$x64"), native on $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')"
    echo "arm64:  $(published_versions "$arm"), under $(qemu-aarch64-static --version | head -1)"
    echo "model:  $model; ${#images[@]} photo(s); $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the start"

    say "detect on x86-64 (native)"
    start=$EPOCHREALTIME
    "$x64/edgeinv" detect --json --model "$model" "${images[@]}" >"$results/x86-64.jsonl" \
        || die "detect on x86-64 failed"
    x64_s=$(awk "BEGIN { printf \"%.1f\", $EPOCHREALTIME - $start }")

    say "detect on arm64 under qemu-user (a minute or more per photo)"
    start=$EPOCHREALTIME
    "${EDGEINV_ARM64_RUN[@]}" "$arm/edgeinv" detect --json --model "$model" "${images[@]}" >"$results/arm64.jsonl" \
        || die "detect on arm64 under qemu failed"
    arm_s=$(awk "BEGIN { printf \"%.1f\", $EPOCHREALTIME - $start }")

    echo "whole run (start-up, model load, every photo): x86-64 ${x64_s} s, arm64 under qemu ${arm_s} s"
    local rc=0
    "$EDGEINV_PYTHON" "$EDGEINV_ROOT/tools/arm64/compare_detections.py" --box-tolerance "$tolerance" \
        "$results/x86-64.jsonl" "$results/arm64.jsonl" || rc=$?
    if [ "$agent" = 1 ]; then
        bench_arm64_agent "$EDGEINV_ARM64_DIR/linux-arm64/edgeinv-agent" "$model" "${images[0]}" || rc=1
    fi
    return "$rc"
}

# bench_arm64_agent AGENT_DIR MODEL PHOTO: the published arm64 agent under qemu with one camera on a folder
# holding PHOTO (ffmpeg, the x86-64 one: qemu-user hands an exec of a host program to the kernel), until its
# /metrics shows the frame through detection; then a clean stop (SIGTERM). Prints the times it took.
# Without Loop, ffmpeg ends after the one frame and is restarted only after an hour, so the detector is idle
# when the stop comes: an emulated run takes minutes, longer than the host's 30 s shutdown timeout, and a
# stop during one is not what this measures.
bench_arm64_agent() {
    local agent_dir="$1" model="$2" photo="$3" run="$EDGEINV_ARM64_DIR/results/agent"
    ensure_apt curl
    rm -rf "$run" && mkdir -p "$run/stills" "$run/state"
    ln -s "$photo" "$run/stills/$(basename "$photo")"
    local port
    port="$("$EDGEINV_PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    cat >"$run/agent.json" <<JSON
{
  "Logging": { "LogLevel": { "Default": "Warning" } },
  "Agent": {
    "StoreId": "arm64-bench", "DeviceId": "qemu-aarch64", "StateDirectory": "$run/state",
    "Model": { "Path": "$model" },
    "Http": { "Address": "127.0.0.1", "Port": $port },
    "Cameras": [ {
      "Id": "cam-shelf", "Url": "file://$run/stills/", "IntervalSeconds": 1,
      "InitialBackoffSeconds": 3600, "MaxBackoffSeconds": 3600, "OfflineAfterSeconds": 3600,
      "Zones": [ { "Id": "shelf", "LocationId": "arm64-bench/A1/B1/S1", "Sku": "sku-shelf",
                   "Polygon": [[0, 0], [1, 0], [1, 1], [0, 1]], "PlannedFacings": 10, "MinFacings": 1 } ]
    } ]
  }
}
JSON
    say "edgeinv-agent on arm64 under qemu-user: waiting for its first detected frame (a few minutes)"
    local start=$EPOCHREALTIME pid healthy="" metrics="" processed=0
    "${EDGEINV_ARM64_RUN[@]}" "$agent_dir/edgeinv-agent" --config "$run/agent.json" >"$run/agent.log" 2>&1 &
    pid=$!
    # shellcheck disable=SC2064 # the pid is fixed now
    trap "kill $pid 2>/dev/null" EXIT
    # A benchmark waits by polling (the agent has no readiness signal for 'first frame detected'); bounded.
    while [ "$processed" -lt 1 ] && kill -0 "$pid" 2>/dev/null; do
        [ "$(awk "BEGIN { print ($EPOCHREALTIME - $start > 900) }")" = 1 ] && break
        sleep 5
        if [ -z "$healthy" ] && curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null; then
            healthy=$(awk "BEGIN { printf \"%.0f\", $EPOCHREALTIME - $start }")
        fi
        metrics="$(curl -fsS "http://127.0.0.1:$port/metrics" 2>/dev/null || true)"
        processed="$(awk '/^edgeinv_frames_processed_total\{camera="cam-shelf"\}/ { printf "%d", $2 }' <<<"$metrics")"
        processed="${processed:-0}"
    done
    local first
    first=$(awk "BEGIN { printf \"%.0f\", $EPOCHREALTIME - $start }")
    kill "$pid" 2>/dev/null
    local stopped=0 rc=0
    wait "$pid" || rc=$?
    trap - EXIT
    # 143 is the SIGTERM exit of a process without a handler; the agent stops cleanly on it (0).
    [ "$rc" = 0 ] && stopped=1
    if [ "$processed" -lt 1 ]; then
        say "edgeinv-agent under qemu detected no frame in ${first} s (exit $rc); its log: $run/agent.log"
        tail -5 "$run/agent.log" >&2
        return 1
    fi
    local inference
    inference="$(awk '/^edgeinv_inference_duration_seconds_sum / { s = $2 } /^edgeinv_inference_duration_seconds_count / { c = $2 } END { if (c > 0) printf "%.1f", s / c }' <<<"$metrics")"
    echo "agent (arm64 under qemu): /healthz 200 after ${healthy:-?} s, first frame detected after ${first} s" \
        "(detector run ${inference} s), $( [ "$stopped" = 1 ] && echo "stopped cleanly on SIGTERM" || echo "exit $rc on SIGTERM")"
    [ "$stopped" = 1 ]
}
