# Set-up on demand, shared by every tools/edgeinv command. Each step checks before it acts, so
# running it again is cheap and changes nothing. Messages go to stderr; stdout stays the command's.

EDGEINV_DEPS="$EDGEINV_ROOT/.deps"
# Debian's interpreter, which is where python3-torch, -onnx and -opencv install (a pyenv or venv
# python3 first on PATH would not see them).
EDGEINV_PYTHON="${EDGEINV_PYTHON:-/usr/bin/python3}"

say() { echo "edgeinv: $*" >&2; }
verbose() { [ "${EDGEINV_VERBOSE:-0}" = 1 ] && say "$@"; return 0; }
die() { say "$*"; exit 2; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"
    elif command -v sudo >/dev/null; then sudo "$@"
    else die "installing needs root: run as root or install sudo ($*)"; fi
}

# with_progress LABEL LOG CMD...: runs CMD with its output into LOG (- for stderr) and, while it runs, says every 15 s
# on stderr that LABEL is still going and for how long (a first build or install takes minutes with nothing else on
# the screen).
with_progress() {
    local label="$1" log="$2" started ticker rc=0
    shift 2
    started="$(date +%s)"
    # The sleep is waited for, not run in the foreground, so that the TERM below ends it too (a sleep left behind would
    # hold stderr open for whoever reads it to the end).
    ( trap 'kill "$nap" 2>/dev/null; exit 0' TERM
      while :; do sleep 15 & nap=$!; wait "$nap"; say "$label... $(( $(date +%s) - started )) s"; done ) &
    ticker=$!
    if [ "$log" = - ]; then "$@" >&2 || rc=$?; else "$@" >"$log" 2>&1 || rc=$?; fi
    kill "$ticker" 2>/dev/null
    wait "$ticker" 2>/dev/null || true
    return "$rc"
}

# ensure_apt PKG...: installs the Debian packages that are not installed yet.
EDGEINV_APT_UPDATED=0
ensure_apt() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    command -v apt-get >/dev/null || die "missing Debian packages (${missing[*]}) and no apt-get to install them"
    say "installing Debian packages: ${missing[*]} (needs root)"
    if [ "$EDGEINV_APT_UPDATED" = 0 ]; then
        with_progress "apt-get update" - as_root apt-get update -qq || die "apt-get update failed"
        EDGEINV_APT_UPDATED=1
    fi
    with_progress "installing ${missing[*]}" - as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" \
        || die "apt-get install ${missing[*]} failed"
}

ensure_dotnet() {
    if ! command -v dotnet >/dev/null; then
        ensure_apt dotnet-sdk-10.0 2>/dev/null || die "the .NET 10 SDK is missing: install dotnet-sdk-10.0 (Microsoft's or your distribution's package feed)"
    fi
    local major
    major="$(dotnet --version 2>/dev/null | cut -d. -f1)"
    [ "${major:-0}" -ge 10 ] || die ".NET SDK 10 or newer is needed, found '$(dotnet --version 2>/dev/null)'"
    export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
}

# apt_name VAR PATTERN...: sets VAR to the package this release offers for the first extended regular expression
# that names one (the newest such name), for libraries whose package name differs between Debian and Ubuntu or
# carries a version (libturbojpeg0 / libturbojpeg, libssl3 / libssl3t64). An installed one wins; none found: the first
# pattern's name, so that ensure_apt's error names it. Not a $(...) function: the apt-get update it may run is counted.
apt_name() {
    local var="$1" pattern name=""
    shift
    for pattern in "$@"; do
        name="$(dpkg-query -W -f='${Package} ${Status}\n' 2>/dev/null | awk -v p="$pattern" '$1 ~ p && / installed$/ {print $1}' | sort -V | tail -1)"
        [ -n "$name" ] && break
    done
    if [ -z "$name" ] && command -v apt-cache >/dev/null; then
        if [ "$EDGEINV_APT_UPDATED" = 0 ]; then
            as_root apt-get update -qq >&2 || die "apt-get update failed"
            EDGEINV_APT_UPDATED=1
        fi
        for pattern in "$@"; do
            name="$(apt-cache pkgnames 2>/dev/null | grep -E "$pattern" | sort -V | tail -1 || true)"
            [ -n "$name" ] && break
        done
    fi
    [ -n "$name" ] || name="$(tr -d '^$' <<<"$1")"
    printf -v "$var" '%s' "$name"
}

# What a self-contained .NET program needs from the system (Microsoft's list for Debian and Ubuntu, less ICU: the
# projects set InvariantGlobalization): OpenSSL (TLS to the broker, HTTPS), CA certificates, time zones (stores' local
# days). The Dockerfiles and a bare device use it.
ensure_dotnet_runtime_deps() {
    local ssl
    apt_name ssl '^libssl3(t64)?$'
    ensure_apt ca-certificates tzdata libstdc++6 zlib1g "$ssl"
}

# ONNX Runtime comes with the build: the Microsoft.ML.OnnxRuntime NuGet package (Directory.Packages.props) puts
# libonnxruntime.so for linux-x64 and linux-arm64 beside the program. Another build (a GPU one, JetPack's on a
# Jetson) is chosen with EDGEINV_ORT_LIBRARY; a path that names no file is refused here, before any program starts.
ensure_ort_library() {
    if [ -n "${EDGEINV_ORT_LIBRARY:-}" ]; then
        [ -f "$EDGEINV_ORT_LIBRARY" ] || die "EDGEINV_ORT_LIBRARY=$EDGEINV_ORT_LIBRARY: no such file"
    fi
    return 0
}

# The native libraries and tools the vision path needs at run time.
ensure_vision_runtime() {
    # Debian names TurboJPEG's library package libturbojpeg0, Ubuntu (a Jetson's L4T) libturbojpeg.
    local turbojpeg
    apt_name turbojpeg '^libturbojpeg0$' '^libturbojpeg$'
    ensure_apt "$turbojpeg" ffmpeg
    ensure_ort_library
}

ensure_python() {
    # Debian's Python modules; "$@" names extra Debian packages (python3-torch for training, say).
    ensure_apt python3 python3-numpy python3-onnx "$@"
}

# sources_changed_since STAMP: whether STAMP is missing or a source, project or model file is newer than it.
sources_changed_since() {
    [ -f "$1" ] || return 0
    [ -n "$(find "$EDGEINV_ROOT/agent" "$EDGEINV_ROOT/cloud" "$EDGEINV_ROOT/tools" "$EDGEINV_ROOT/tests" \
        "$EDGEINV_ROOT"/Directory.*.props "$EDGEINV_ROOT/EdgeInventory.sln" \
        \( -name bin -o -name obj \) -prune -o -newer "$1" -type f \
        \( -name '*.cs' -o -name '*.csproj' -o -name '*.props' -o -name '*.sln' -o -name '*.json' -o -name '*.onnx' \) \
        -print -quit 2>/dev/null)" ]
}

# ensure_built: builds the solution when a source or project file changed since the last build.
EDGEINV_CONFIGURATION="${EDGEINV_CONFIGURATION:-Release}"
ensure_built() {
    ensure_dotnet
    # EDGEINV_NO_BUILD=1: use the programs as they are built (a test of the built tree, a read-only checkout).
    [ "${EDGEINV_NO_BUILD:-0}" = 1 ] && return 0
    local stamp="$EDGEINV_DEPS/build-$EDGEINV_CONFIGURATION.stamp"
    sources_changed_since "$stamp" || return 0
    mkdir -p "$EDGEINV_DEPS"
    say "building ($EDGEINV_CONFIGURATION; the first build restores NuGet packages and takes minutes)"
    local log="$EDGEINV_DEPS/build.log"
    if ! with_progress "building" "$log" dotnet build "$EDGEINV_ROOT/EdgeInventory.sln" -c "$EDGEINV_CONFIGURATION" -nologo -v q -clp:ErrorsOnly; then
        grep -E "error|Error" "$log" | sort -u | head -40 >&2
        die "build failed (full log: $log)"
    fi
    touch "$stamp"
}

cli_dll() { echo "$EDGEINV_ROOT/tools/Cli/bin/$EDGEINV_CONFIGURATION/net10.0/edgeinv.dll"; }

# run_cli ARGS...: runs the C# command-line program (detect, eval, agent, ...).
run_cli() {
    ensure_built
    exec dotnet "$(cli_dll)" "$@"
}
