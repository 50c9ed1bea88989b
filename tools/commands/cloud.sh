# The cloud aggregator (cloud/Aggregator): `edgeinv cloud`. Sourced by tools/edgeinv.

help_cloud() {
    echo "  cloud [--config FILE]    run the cloud aggregator (ingest, stock state, alerts, REST API on 127.0.0.1:8090);"
    echo "                           see cloud/Aggregator/README.md"
}

cloud_dll() { echo "$EDGEINV_ROOT/cloud/Aggregator/bin/$EDGEINV_CONFIGURATION/net10.0/edgeinv-cloud.dll"; }

# Its tests start a real mosquitto and a real PostgreSQL.
test_needs_cloud() {
    ensure_apt mosquitto mosquitto-clients postgresql chromium
}

usage_cloud() {
    ensure_built
    exec dotnet "$(cloud_dll)" "$@"
}

# cloud [--config FILE]: without a file, the embedded defaults plus what a development machine needs: SQLite in
# .deps/cloud/, the development broker's 'cloud' password (tools/edgeinv broker makes it) and an admin API key made
# once and kept in .deps/cloud/api-key (mode 600).
cmd_cloud() {
    local a has_config=0
    for a in "$@"; do [ "$a" = --config ] && has_config=1; done
    ensure_built
    if [ "$has_config" = 0 ]; then
        local creds="$EDGEINV_DEPS/broker/credentials.env" dir="$EDGEINV_DEPS/cloud"
        [ -f "$creds" ] || die "cloud: no development broker credentials ($creds): start 'tools/edgeinv broker' first, or pass --config FILE"
        local pass
        pass="$(sed -n 's/^EDGEINV_MQTT_PASSWORD_CLOUD=//p' "$creds")"
        [ -n "$pass" ] || die "cloud: $creds has no password for the 'cloud' user: run 'tools/edgeinv broker' once"
        mkdir -p "$dir"
        chmod 700 "$dir"
        if [ ! -s "$dir/api-key" ]; then
            (umask 077; openssl rand -hex 24 >"$dir/api-key")
        fi
        local key
        key="$(cat "$dir/api-key")"
        export EDGEINV_Cloud__StateDirectory="${EDGEINV_Cloud__StateDirectory:-$dir}"
        export EDGEINV_Cloud__Broker__Password="${EDGEINV_Cloud__Broker__Password:-$pass}"
        export EDGEINV_Cloud__ApiKeys__0__Name=development EDGEINV_Cloud__ApiKeys__0__Role=admin
        EDGEINV_Cloud__ApiKeys__0__KeySha256="$(printf %s "$key" | sha256sum | cut -d' ' -f1)"
        export EDGEINV_Cloud__ApiKeys__0__KeySha256
        say "development defaults: SQLite in $dir, broker 127.0.0.1:1883 as 'cloud', admin API key in $dir/api-key"
    fi
    exec dotnet "$(cloud_dll)" "$@"
}
