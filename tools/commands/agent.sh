# The edge agent (agent/Agent): `edgeinv agent`, `edgeinv bench agent`. Sourced by tools/edgeinv.

help_agent() {
    echo "  agent --config FILE [--reset-reference CAMERA]"
    echo "                           run the edge agent (cameras -> zone counts -> discrepancies); see agent/Agent/README.md"
}

agent_dll() { echo "$EDGEINV_ROOT/agent/Agent/bin/$EDGEINV_CONFIGURATION/net10.0/edgeinv-agent.dll"; }

# The agent runs ffmpeg per camera, ONNX Runtime and libturbojpeg (evidence crops); MQTT is MQTTnet
# (managed, from NuGet). Its tests start a real mosquitto.
test_needs_agent() {
    ensure_vision_runtime
    ensure_apt mosquitto
}

usage_agent() {
    ensure_built
    exec dotnet "$(agent_dll)" "$@"
}

cmd_agent() {
    ensure_vision_runtime
    ensure_built
    exec dotnet "$(agent_dll)" "$@"
}

# bench agent [--quick] [--cameras N] [--seconds S]: capture CPU and memory per camera with real
# ffmpeg, detector time per frame with the default model and cameras per device at a 5 s interval
# on 2 cores, CPU of one /metrics scrape of 16 cameras; then BenchmarkDotNet on the counting path and
# the metrics (per-frame recording, scrape) unless --quick.
usage_bench_agent() {
    echo "usage: tools/edgeinv bench agent [--quick] [AgentBench options]"
    echo "  capture, capacity and cameras per device, /metrics scrape CPU, then BenchmarkDotNet's counting path and metrics unless --quick"
    ensure_built
    dotnet "$(agent_bench_dll)" --help
}

agent_bench_dll() { echo "$EDGEINV_ROOT/tools/AgentBench/bin/$EDGEINV_CONFIGURATION/net10.0/EdgeInventory.AgentBench.dll"; }

bench_agent() {
    ensure_vision_runtime
    ensure_built
    local quick=0 args=()
    for a in "$@"; do [ "$a" = --quick ] && quick=1 || args+=("$a"); done
    local dll
    dll="$(agent_bench_dll)"
    dotnet "$dll" all "${args[@]}"
    if [ "$quick" = 0 ]; then
        say "BenchmarkDotNet: agent counting path, metrics recording and scrape (memory diagnoser)"
        dotnet "$dll" --bdn --filter '*AgentCountingPath*' '*AgentMetrics*'
    fi
}
