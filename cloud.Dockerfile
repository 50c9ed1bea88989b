# syntax=docker/dockerfile:1
# The cloud aggregator (edgeinv-cloud): ingest, stock state, alerts, REST API and web app on one port; with the
# argument `forecast --partition i/N` one forecast worker (deploy/kubernetes/forecast-job.yaml).
#
#   docker buildx build -f cloud.Dockerfile --platform linux/amd64 -t edgeinv-cloud .
#   docker run --read-only -v edgeinv-cloud-state:/var/lib/edgeinv-cloud -p 8090:8090 \
#       -e EDGEINV_Cloud__Database__Provider=Postgres -e EDGEINV_Cloud__Database__ConnectionString=... \
#       -e EDGEINV_Cloud__Broker__Host=broker.internal ... edgeinv-cloud
#
# Configuration is the aggregator's own (cloud/Aggregator/README.md): EDGEINV_Cloud__... variables, or a file with
# `--config`. A key it does not know stops it with exit code 2 naming the key.
#
# NOT BUILT HERE: no container engine runs on the project's machines. tests/EdgeInventory.Deploy.Tests checks that the
# commands, paths, port and EDGEINV_ variables below exist and pass the aggregator's configuration check.

ARG DEBIAN=bookworm

FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:10.0-${DEBIAN} AS build
ARG TARGETARCH
WORKDIR /src
COPY . .
RUN case "$TARGETARCH" in \
        amd64) rid=linux-x64 ;; \
        arm64) rid=linux-arm64 ;; \
        *) echo "cloud.Dockerfile: no build for $TARGETARCH (amd64 and arm64 only)" >&2; exit 1 ;; \
    esac \
 && tools/edgeinv publish cloud --rid "$rid" --out /out/cloud

FROM debian:${DEBIAN}-slim AS cloud
COPY tools/edgeinv /tmp/edgeinv-setup/tools/edgeinv
COPY tools/lib /tmp/edgeinv-setup/tools/lib
COPY tools/commands /tmp/edgeinv-setup/tools/commands
RUN /tmp/edgeinv-setup/tools/edgeinv runtime-deps cloud \
 && rm -rf /tmp/edgeinv-setup /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin edgeinv \
 && mkdir -p /var/lib/edgeinv-cloud && chown 10001:10001 /var/lib/edgeinv-cloud
COPY --from=build /out/cloud /opt/edgeinv/cloud
# Inside a container the loopback default (127.0.0.1) would be unreachable; the state directory is the one writable
# path (SQLite when no PostgreSQL is configured).
ENV EDGEINV_Cloud__Http__Address=0.0.0.0 \
    EDGEINV_Cloud__StateDirectory=/var/lib/edgeinv-cloud \
    DOTNET_EnableDiagnostics=0
VOLUME /var/lib/edgeinv-cloud
USER 10001:10001
EXPOSE 8090
ENTRYPOINT ["/opt/edgeinv/cloud/edgeinv-cloud"]
