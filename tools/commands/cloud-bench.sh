# The cloud aggregator's benchmark: ingest rate, alert latency (MQTT and SSE), chain-overview reads
# (tools/CloudBench). Sourced by tools/edgeinv; `cmd_cloud` (running the aggregator) lives in cloud.sh.

cloud_bench_dll() { echo "$EDGEINV_ROOT/tools/CloudBench/bin/$EDGEINV_CONFIGURATION/net10.0/EdgeInventory.CloudBench.dll"; }

# bench cloud [--events N] [--postgres] [--quick] [--only ingest|alerts|overview|web|forecast] [--json] [...]
usage_bench_cloud() {
    ensure_built
    dotnet "$(cloud_bench_dll)" "$@"
}

bench_cloud() {
    local a postgres=0
    for a in "$@"; do
        [ "$a" = -- ] && break
        [ "$a" = --postgres ] && postgres=1
    done
    ensure_apt mosquitto
    # initdb and pg_ctl of Debian's server package (/usr/lib/postgresql/<version>/bin), started in a temp folder.
    [ "$postgres" = 1 ] && ensure_apt postgresql
    ensure_built
    dotnet "$(cloud_bench_dll)" "$@"
}
