# Forecasting and replenishment commands: forecast eval|simulate, bench forecast. Sourced by tools/edgeinv.

FORECAST_DATA_DEFAULT="${EDGEINV_FORECAST_DATA:-$EDGEINV_ROOT/../shared/data/forecasting}"

help_forecast() {
    echo "  forecast eval --data FILE [--methods a,b] [--json]   sMAPE/MASE per category on the long CSV format"
    echo "  forecast simulate --data FILE [--methods a,b]        inventory replay: fill rate vs stock per method"
    echo "  forecast run (--db F | --postgres CS | --csv DIR) [--partition i/N]  forecasts + reorder recommendations written back"
    echo "  forecast init-db (--db F | --postgres CS)            create the batch tables (schema in tools/Forecast/README.md)"
    echo "  forecast bench-daily [--series 1000000] [--threads 2] generated daily store x SKU series, forecast and timed"
}

forecast_dll() { echo "$EDGEINV_ROOT/tools/Forecast/bin/$EDGEINV_CONFIGURATION/net10.0/edgeinv-forecast.dll"; }

usage_forecast() { cmd_forecast "$@"; }

cmd_forecast() {
    ensure_built
    exec dotnet "$(forecast_dll)" "$@"
}

# The batch tests start a real PostgreSQL 15 (Debian's server, run from a temp folder on a free port);
# everything else uses small committed fixtures.
test_needs_forecast() { ensure_apt postgresql; }

# bench forecast [--with-r] [--data FILE] [--series N] [--quick] [--daily N]:
#   one-thread ETS/Theta/Croston timings on the first N monthly M3 series; with --with-r, R's
#   forecast::ets, thetaf and croston on the same series in the same run, side by side; then the
#   BenchmarkDotNet ForecastingBenchmarks (memory diagnoser) unless --quick; with --daily N, the
#   chain-scale run: N generated daily store x SKU series on 2 threads with the default daily method.
usage_bench_forecast() {
    echo "usage: tools/edgeinv bench forecast [--with-r] [--data FILE] [--series N] [--quick] [--daily N]"
    echo "  --with-r     R's forecast::ets, thetaf and croston on the same series, side by side (installs r-base-core, r-cran-forecast)"
    echo "  --data FILE  long-format CSV (default: \$EDGEINV_FORECAST_DATA or ../shared/data/forecasting, m3_long.csv)"
    echo "  --series N   the first N MONTHLY series, one thread (default 100)"
    echo "  --quick      skip the BenchmarkDotNet ForecastingBenchmarks"
    echo "  --daily N    also the chain-scale run: N generated daily store x SKU series on 2 threads"
}

bench_forecast() {
    local with_r=0 data="" count=100 quick=0 daily=0 a
    while [ $# -gt 0 ]; do
        a="$1"; shift
        case "$a" in
            --with-r) with_r=1 ;;
            --quick) quick=1 ;;
            --data) data="${1:?--data needs a file}"; shift ;;
            --series) count="${1:?--series needs a number}"; shift ;;
            --daily) daily="${1:?--daily needs a number of series}"; shift ;;
            *) die "bench forecast: unknown option '$a'" ;;
        esac
    done
    [ -n "$data" ] || data="$FORECAST_DATA_DEFAULT/m3_long.csv"
    [ -f "$data" ] || die "bench forecast: no data file '$data' (set --data or EDGEINV_FORECAST_DATA)"
    ensure_built
    local out="$EDGEINV_DEPS/bench-forecast"
    mkdir -p "$out"
    say "C#: one thread, first $count MONTHLY series of $data"
    dotnet "$(forecast_dll)" bench --data "$data" --series "$count" --out "$out/csharp.csv"
    if [ "$with_r" = 1 ]; then
        ensure_apt r-base-core r-cran-forecast
        say "R: forecast::ets, thetaf, croston on the same series (one thread)"
        OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 Rscript "$EDGEINV_ROOT/tools/Forecast/bench_r.R" "$data" "$count" "$out/r.csv" >&2
        dotnet "$(forecast_dll)" compare --csharp "$out/csharp.csv" --r "$out/r.csv"
    fi
    if [ "$daily" != 0 ]; then
        say "chain scale: $daily generated daily series, default daily method, 2 threads"
        dotnet "$(forecast_dll)" bench-daily --series "$daily" --threads 2
    fi
    if [ "$quick" = 0 ]; then
        say "BenchmarkDotNet: forecasting per series (memory diagnoser)"
        dotnet run -c Release --project "$EDGEINV_ROOT/tools/Benchmarks" -- --filter '*Forecasting*'
    fi
}
