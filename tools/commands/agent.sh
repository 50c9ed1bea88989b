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

cmd_agent() {
    ensure_vision_runtime
    ensure_built
    exec dotnet "$(agent_dll)" "$@"
}

# bench agent [--quick] [--cameras N] [--seconds S]: capture CPU and memory per camera with real
# ffmpeg, detector time per frame with the default model and cameras per device at a 5 s interval
# on 2 cores; then BenchmarkDotNet on the counting path unless --quick.
bench_agent() {
    ensure_vision_runtime
    ensure_built
    local quick=0 args=()
    for a in "$@"; do [ "$a" = --quick ] && quick=1 || args+=("$a"); done
    local dll="$EDGEINV_ROOT/tools/AgentBench/bin/$EDGEINV_CONFIGURATION/net10.0/EdgeInventory.AgentBench.dll"
    dotnet "$dll" all "${args[@]}"
    if [ "$quick" = 0 ]; then
        say "BenchmarkDotNet: agent counting path (memory diagnoser)"
        dotnet "$dll" --bdn --filter '*AgentCountingPath*'
    fi
}
