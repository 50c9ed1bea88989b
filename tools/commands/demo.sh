# The whole system on this machine (tools/Simulator): `edgeinv demo` and `edgeinv simulate`. Sourced by tools/edgeinv.

help_demo() {
    echo "  demo [--duration S] [--stores N] [--cameras M]"
    echo "                           the whole system: broker, aggregator + web app, one agent per simulated store; Ctrl-C stops it"
    echo "  demo --photos [--out DIR]  the old demo: count the three sample photos with the default model"
    echo "  simulate [--stores N] [--cameras M] [--duration S] [--load EVENTS]"
    echo "                           simulated stores through the real system, ground truth, alert precision/recall/delay"
}

sim_dll() { echo "$EDGEINV_ROOT/tools/Simulator/bin/$EDGEINV_CONFIGURATION/net10.0/edgeinv-sim.dll"; }

# What a run needs: mosquitto (broker and mosquitto_passwd), ffmpeg and libturbojpeg (the agents' cameras and evidence
# crops), the build. The simulator itself refuses, in one line, whatever is still missing.
demo_prepare() {
    ensure_apt mosquitto ffmpeg libturbojpeg0 openssl
    ensure_vision_runtime
    ensure_built
}

# tests/EdgeInventory.Simulator.Tests runs whole demos (mosquitto, the aggregator, agents with ffmpeg; python3 starts
# them with SIGINT at its default, as a terminal would); `test` builds.
test_needs_demo() {
    ensure_apt mosquitto ffmpeg libturbojpeg0 openssl python3
}

usage_demo() {
    if [ "${1:-}" = --photos ]; then run_cli demo "${@:2}"; fi
    ensure_built
    echo "usage: tools/edgeinv demo [options]   (tools/edgeinv demo --photos [--out DIR]: count the sample photos)"
    exec dotnet "$(sim_dll)" demo --help
}

usage_simulate() {
    ensure_built
    echo "usage: tools/edgeinv simulate [options]"
    exec dotnet "$(sim_dll)" simulate --help
}

cmd_demo() {
    if [ "${1:-}" = --photos ]; then
        shift
        ensure_vision_runtime
        run_cli demo "$@"
    fi
    demo_prepare
    exec dotnet "$(sim_dll)" demo "$@"
}

cmd_simulate() {
    demo_prepare
    exec dotnet "$(sim_dll)" simulate "$@"
}
