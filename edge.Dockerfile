# Edge image: the EdgeInventory command-line program and its native dependencies.
#
#   docker build -f edge.Dockerfile -t edgeinv-edge .
#   docker run --rm -v $PWD/photos:/photos edgeinv-edge detect /photos
#
# NOT BUILT OR RUN IN CI: no Docker engine runs on the project's machines. The steps are the same
# ones tools/edgeinv performs (and CI runs) on Debian 12. On a Jetson, build FROM an L4T base with a
# CUDA/TensorRT build of ONNX Runtime and set EDGEINV_ORT_LIBRARY to it (--provider cuda|tensorrt).
ARG DEBIAN=bookworm

FROM mcr.microsoft.com/dotnet/sdk:10.0-${DEBIAN} AS build
RUN apt-get update && apt-get install -y --no-install-recommends npm && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# Fetches and checks the pinned ONNX Runtime library into .deps/, exactly as on a developer machine.
RUN bash -c 'export EDGEINV_ROOT=/src; source tools/lib/setup.sh; ensure_ort' \
 && dotnet publish tools/Cli/EdgeInventory.Cli.csproj -c Release -o /app \
 && mkdir -p /app/native && cp .deps/onnxruntime-*/linux-*/libonnxruntime.so.1 /app/native/ \
 && cp -r models /app/models

FROM mcr.microsoft.com/dotnet/runtime:10.0-${DEBIAN}
RUN apt-get update && apt-get install -y --no-install-recommends libturbojpeg0 ffmpeg \
 && rm -rf /var/lib/apt/lists/* && useradd --system --uid 10001 edgeinv
COPY --from=build /app /app
ENV EDGEINV_ORT_LIBRARY=/app/native/libonnxruntime.so.1 \
    EDGEINV_MODEL=/app/models/shelf-detector.onnx
USER edgeinv
ENTRYPOINT ["dotnet", "/app/edgeinv.dll"]
CMD ["--help"]
