# Deployment (deploy/, edge.Dockerfile, cloud.Dockerfile): publishing a program for one architecture and installing
# what it needs at run time. The Dockerfiles run these very commands, so an image is built the way a bare device is
# set up. Sourced by tools/edgeinv.

help_deploy() {
    echo "  publish agent|cloud|cli --rid linux-x64|linux-arm64 --out DIR"
    echo "                           a self-contained build of one program for one architecture (deploy/README.md)"
    echo "  runtime-deps agent|cloud|cli   install the Debian/Ubuntu packages a published program needs to run"
}

# The project of each program a deployment runs; its AssemblyName is the program's file name.
deploy_project() {
    case "$1" in
        agent) echo "$EDGEINV_ROOT/agent/Agent/EdgeInventory.Agent.csproj" ;;
        cloud) echo "$EDGEINV_ROOT/cloud/Aggregator/EdgeInventory.Cloud.csproj" ;;
        cli) echo "$EDGEINV_ROOT/tools/Cli/EdgeInventory.Cli.csproj" ;;
        *) return 1 ;;
    esac
}

usage_publish() {
    echo "usage: tools/edgeinv publish agent|cloud|cli --rid linux-x64|linux-arm64 --out DIR"
    echo "  dotnet publish, Release, self-contained (no .NET on the target), for that runtime identifier only:"
    echo "  ONNX Runtime's CPU library of that architecture lands beside the program (agent, cli); another build"
    echo "  (JetPack's on a Jetson) is chosen at run time with EDGEINV_ORT_LIBRARY or Agent:Model:OrtLibrary"
}

cmd_publish() {
    local program="${1:-}" rid="" out="" project
    [ $# -gt 0 ] && shift
    project="$(deploy_project "$program")" || die "publish: first argument must be agent, cloud or cli, not '$program'"
    while [ $# -gt 0 ]; do
        case "$1" in
            --rid) rid="${2:-}"; shift 2 || die "publish: --rid needs a value" ;;
            --out) out="${2:-}"; shift 2 || die "publish: --out needs a folder" ;;
            *) die "publish: unknown option '$1' (options: --rid RID, --out DIR)" ;;
        esac
    done
    case "$rid" in
        linux-x64|linux-arm64) ;;
        *) die "publish: --rid must be linux-x64 or linux-arm64 (ONNX Runtime's package has natives for those), not '$rid'" ;;
    esac
    [ -n "$out" ] || die "publish: --out DIR is required"
    ensure_dotnet
    say "publishing $program for $rid into $out"
    # --artifacts-path keeps this publish's obj/ and bin/ away from the projects' own: a publish for another
    # runtime identifier does not touch the normal build's restore.
    dotnet publish "$project" -c Release -r "$rid" --self-contained true --artifacts-path "$EDGEINV_DEPS/publish/artifacts-$rid" \
        -nologo -v q -clp:ErrorsOnly -o "$out" || die "publish: dotnet publish of $program for $rid failed"
}

usage_runtime-deps() {
    echo "usage: tools/edgeinv runtime-deps agent|cloud|cli"
    echo "  installs (apt-get) what a self-contained build needs on Debian 12 or Ubuntu 22.04+: OpenSSL, CA"
    echo "  certificates, time zones; for agent and cli also ffmpeg and TurboJPEG. Builds nothing."
}

cmd_runtime-deps() {
    local program="${1:-}"
    deploy_project "$program" >/dev/null || die "runtime-deps: the argument must be agent, cloud or cli, not '$program'"
    ensure_dotnet_runtime_deps
    case "$program" in
        agent|cli) ensure_vision_runtime ;;
    esac
}

# tests/EdgeInventory.Deploy.Tests runs systemd-analyze verify on deploy/systemd (Debian's systemd package) and
# the broker's mirrored configuration in a real mosquitto with TLS material made by openssl.
test_needs_deploy() {
    command -v systemd-analyze >/dev/null || ensure_apt systemd
    ensure_apt mosquitto mosquitto-clients openssl
}
