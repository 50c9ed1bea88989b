# syntax=docker/dockerfile:1
# The edge agent (edgeinv-agent) as an image, with the command-line program (edgeinv: detect, eval) beside it.
# Two targets (deploy/README.md):
#
#   edge-cpu     x86-64 (or any arm64 board without a GPU): Debian 12, ONNX Runtime's CPU build from the NuGet package
#       docker buildx build -f edge.Dockerfile --target edge-cpu --platform linux/amd64 -t edgeinv-agent:cpu .
#   edge-jetson  linux/arm64 on NVIDIA's L4T JetPack base, inference through JetPack's CUDA/TensorRT build of ONNX
#                Runtime (1.32 or newer), chosen through EDGEINV_ORT_LIBRARY (the agent's native library setting)
#       docker buildx build -f edge.Dockerfile --target edge-jetson --platform linux/arm64 \
#           --build-arg JETSON_ORT_IMAGE=<an image holding that build's libonnxruntime*.so> -t edgeinv-agent:jetson .
#
# Run with a read-only root filesystem: the state directory is the one writable path (the agent writes nothing else;
# .NET's diagnostics socket in /tmp is off), the configuration is mounted read-only:
#   docker run --read-only -v edgeinv-state:/var/lib/edgeinv -v /etc/edgeinv:/etc/edgeinv:ro -p 8080:8080 edgeinv-agent:cpu
#   (Jetson: add --runtime nvidia; cameras on V4L2: --device /dev/video0 --group-add video)
#
# NOT BUILT HERE: no container engine runs on the project's machines. The build and install steps are tools/edgeinv's
# (`publish`, `runtime-deps`), which do run here; tests/EdgeInventory.Deploy.Tests checks that every path, command,
# port and EDGEINV_ variable below exists and passes the agent's own configuration check.

ARG DEBIAN=bookworm
# JetPack 6.1 (L4T r36.4, Ubuntu 22.04, CUDA 12.6, cuDNN 9, TensorRT 10). Match the Jetson's own L4T release.
ARG JETPACK_IMAGE=nvcr.io/nvidia/l4t-jetpack:r36.4.0
# JetPack ships no C library of ONNX Runtime: build one on the JetPack base (onnxruntime's build.sh --use_cuda
# --use_tensorrt --build_shared_lib, installed into JETSON_ORT_DIR) or take an image that has one. An older than 1.32
# is refused at start, naming both versions.
ARG JETSON_ORT_IMAGE=edgeinv/onnxruntime-jetpack:1.32
ARG JETSON_ORT_DIR=/usr/local/lib

# --- build: on the builder's own architecture, for the target's (the programs are IL; NuGet has both natives) ---
FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:10.0-${DEBIAN} AS build
ARG TARGETARCH
WORKDIR /src
COPY . .
RUN case "$TARGETARCH" in \
        amd64) rid=linux-x64 ;; \
        arm64) rid=linux-arm64 ;; \
        *) echo "edge.Dockerfile: ONNX Runtime's package has no build for $TARGETARCH (amd64 and arm64 only)" >&2; exit 1 ;; \
    esac \
 && tools/edgeinv publish agent --rid "$rid" --out /out/agent \
 && tools/edgeinv publish cli --rid "$rid" --out /out/cli \
 && mkdir -p /out/models && cp models/shelf-detector.onnx models/shelf-detector.md /out/models/

FROM ${JETSON_ORT_IMAGE} AS jetson-ort

# --- Jetson: L4T JetPack (CUDA, cuDNN, TensorRT come with the base and the nvidia runtime) ---
FROM ${JETPACK_IMAGE} AS edge-jetson
ARG JETSON_ORT_DIR
COPY tools/edgeinv /tmp/edgeinv-setup/tools/edgeinv
COPY tools/lib /tmp/edgeinv-setup/tools/lib
COPY tools/commands /tmp/edgeinv-setup/tools/commands
RUN /tmp/edgeinv-setup/tools/edgeinv runtime-deps agent \
 && rm -rf /tmp/edgeinv-setup /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin edgeinv \
 && usermod --append --groups video edgeinv \
 && mkdir -p /var/lib/edgeinv /etc/edgeinv && chown 10001:10001 /var/lib/edgeinv
# The library and its CUDA/TensorRT providers side by side: ONNX Runtime loads the providers from its own folder.
COPY --from=jetson-ort ${JETSON_ORT_DIR}/libonnxruntime* /opt/onnxruntime/lib/
COPY --from=build /out/ /opt/edgeinv/
# EDGEINV_ORT_LIBRARY, not Agent:Model:OrtLibrary: the image offers a default that agent.json may still override.
ENV EDGEINV_ORT_LIBRARY=/opt/onnxruntime/lib/libonnxruntime.so \
    EDGEINV_Agent__StateDirectory=/var/lib/edgeinv \
    DOTNET_EnableDiagnostics=0
VOLUME /var/lib/edgeinv
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["/opt/edgeinv/agent/edgeinv-agent"]
CMD ["--config", "/etc/edgeinv/agent.json"]

# --- CPU (the default target): Debian 12 slim ---
FROM debian:${DEBIAN}-slim AS edge-cpu
COPY tools/edgeinv /tmp/edgeinv-setup/tools/edgeinv
COPY tools/lib /tmp/edgeinv-setup/tools/lib
COPY tools/commands /tmp/edgeinv-setup/tools/commands
RUN /tmp/edgeinv-setup/tools/edgeinv runtime-deps agent \
 && rm -rf /tmp/edgeinv-setup /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin edgeinv \
 && usermod --append --groups video edgeinv \
 && mkdir -p /var/lib/edgeinv /etc/edgeinv && chown 10001:10001 /var/lib/edgeinv
COPY --from=build /out/ /opt/edgeinv/
ENV EDGEINV_Agent__StateDirectory=/var/lib/edgeinv \
    DOTNET_EnableDiagnostics=0
VOLUME /var/lib/edgeinv
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["/opt/edgeinv/agent/edgeinv-agent"]
CMD ["--config", "/etc/edgeinv/agent.json"]
