# The shortage harness (tools/ShortageBench): `edgeinv bench shortage`. Sourced by tools/edgeinv.

shortage_bench_dll() { echo "$EDGEINV_ROOT/tools/ShortageBench/bin/$EDGEINV_CONFIGURATION/net10.0/EdgeInventory.ShortageBench.dll"; }

# bench shortage [--quick] [options]: ground-truth cameras rendered from the dev photos (bays emptied, a partial
# drop, a passing shopper, a restock) through the default detector and the agent's own counting, smoothing and
# reconciliation; precision, recall and delay of shortage starts. The JSON report goes to .deps/bench/ unless --json.
usage_bench_shortage() {
    echo "usage: tools/edgeinv bench shortage [--quick] [options]"
    echo "  the ground-truth camera harness: precision, recall and delay of the agent's shortage starts (tools/ShortageBench/README.md)"
    ensure_built
    dotnet "$(shortage_bench_dll)" --help
}

bench_shortage() {
    ensure_vision_runtime
    ensure_built
    local args=("$@") a
    for a in "$@"; do
        if [ "$a" = --json ]; then
            dotnet "$(shortage_bench_dll)" "${args[@]}"
            return
        fi
    done
    mkdir -p "$EDGEINV_DEPS/bench"
    dotnet "$(shortage_bench_dll)" --json "$EDGEINV_DEPS/bench/shortage.json" "${args[@]}"
}
