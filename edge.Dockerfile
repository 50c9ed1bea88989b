# Edge image: the EdgeInventory command-line program and its native dependencies.
#
#   docker build -f edge.Dockerfile -t edgeinv-edge .
#   docker run --rm -v $PWD/photos:/photos edgeinv-edge detect /photos
#
# NOT BUILT OR RUN IN CI: no Docker engine runs on the project's machines. The steps are the same
# ones tools/edgeinv performs (and CI runs) on Debian 12. ONNX Runtime is the Microsoft.ML.OnnxRuntime
# NuGet package's CPU build, published beside the program for the builder's architecture. On a Jetson,
# build FROM an L4T base with JetPack's CUDA/TensorRT build of ONNX Runtime (1.32 or newer) and set
# EDGEINV_ORT_LIBRARY to it (--provider cuda|tensorrt); on an x86-64 CUDA 13 server, publish with
# -p:OrtGpu=true (agent/Onnx/README.md).
ARG DEBIAN=bookworm

FROM mcr.microsoft.com/dotnet/sdk:10.0-${DEBIAN} AS build
WORKDIR /src
COPY . .
# One runtime identifier, so only that architecture's libonnxruntime.so is published (beside edgeinv.dll).
RUN case "$(uname -m)" in x86_64) rid=linux-x64 ;; aarch64) rid=linux-arm64 ;; *) echo "no ONNX Runtime package build for $(uname -m)" >&2; exit 1 ;; esac \
 && dotnet publish tools/Cli/EdgeInventory.Cli.csproj -c Release -r "$rid" --self-contained false -o /app \
 && cp -r models /app/models

FROM mcr.microsoft.com/dotnet/runtime:10.0-${DEBIAN}
RUN apt-get update && apt-get install -y --no-install-recommends libturbojpeg0 ffmpeg \
 && rm -rf /var/lib/apt/lists/* && useradd --system --uid 10001 edgeinv
COPY --from=build /app /app
ENV EDGEINV_MODEL=/app/models/shelf-detector.onnx
USER edgeinv
ENTRYPOINT ["dotnet", "/app/edgeinv.dll"]
CMD ["--help"]
