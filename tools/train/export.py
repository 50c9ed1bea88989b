"""Export a ShelfDetector to ONNX in the Ultralytics YOLOv8 detect layout.

    python3 tools/train/export.py --weights runs/x/best.pt --out models/shelf-detector.onnx
    python3 tools/train/export.py --random --scale n --imgsz 640 --nc 1 --out X.onnx   # timing only

Contract with the C# detector (the same as an Ultralytics export):
  input  `images`  float32 [batch, 3, H, W], RGB 0..1, letterboxed with 114/255 padding;
  output `output0` float32 [batch, 4+nc, N]: cx, cy, w, h in input pixels, then sigmoid scores;
  metadata_props: names, imgsz, stride, task, description, version, date, batch, edgeinv_conf, edgeinv_iou.
"""
import argparse
import datetime
import inspect
import os
import sys
import warnings

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from metrics import NMS_IOU  # noqa: E402
from model import ARCHS, STRIDES, Conv, build_model, count_gflops, count_params  # noqa: E402

TRAINER_VERSION = "edgeinv-train 0.1"
OPSET = 17


def fuse_conv_bn(model):
    """Folds each BatchNorm into its convolution (what Ultralytics does before export)."""
    for m in model.modules():
        if isinstance(m, Conv) and isinstance(m.bn, nn.BatchNorm2d):
            conv, bn = m.conv, m.bn
            fused = nn.Conv2d(conv.in_channels, conv.out_channels, conv.kernel_size, conv.stride,
                              conv.padding, groups=conv.groups, bias=True)
            scale = bn.weight.detach() / torch.sqrt(bn.running_var + bn.eps)
            fused.weight.data = conv.weight.detach() * scale.view(-1, 1, 1, 1)
            fused.bias.data = bn.bias.detach() - bn.running_mean * scale
            m.conv, m.bn = fused, nn.Identity()
    return model


def export_onnx(model, out_path, imgsz, names, conf, description, iou=NMS_IOU):
    """Writes the ONNX file with Ultralytics-style metadata; returns the path. conf and iou: the score threshold
    and the NMS IoU it was chosen with (edgeinv_conf, edgeinv_iou: the C# detector's defaults for this file)."""
    import onnx

    model = fuse_conv_bn(model.float().cpu().eval())
    model.detect.export_decode = True
    model.detect.export_shapes = [(imgsz // s, imgsz // s) for s in STRIDES]
    dummy = torch.zeros(1, 3, imgsz, imgsz)
    with torch.no_grad():
        out = model(dummy)
    expected_n = sum((imgsz // s) ** 2 for s in STRIDES)
    assert tuple(out.shape) == (1, 4 + len(names), expected_n), out.shape
    kwargs = dict(input_names=["images"], output_names=["output0"], opset_version=OPSET,
                  dynamic_axes={"images": {0: "batch"}, "output0": {0: "batch"}},
                  do_constant_folding=True)
    # PyTorch 2.9+ defaults to the dynamo exporter; the TorchScript one gives the plain graph
    # Ultralytics exports have. PyTorch 1.13 has no such parameter.
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        kwargs["dynamo"] = False
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    tmp = out_path + ".part"
    with torch.no_grad(), warnings.catch_warnings():
        # PyTorch 1.13's exporter warns about shape inference of constants it folds away.
        warnings.filterwarnings("ignore", message="The shape inference of prim::Constant")
        torch.onnx.export(model, dummy, tmp, **kwargs)
    proto = onnx.load(tmp)
    # The tracer leaves the output's class and anchor dimensions symbolic; they are fixed by the
    # input size, and readers that pick the layout from the declared shape need them written out.
    dims = proto.graph.output[0].type.tensor_type.shape.dim
    for dim, value in ((dims[1], 4 + len(names)), (dims[2], expected_n)):
        dim.Clear()
        dim.dim_value = value
    meta = {
        "description": description,
        "author": "EdgeInventory",
        "version": TRAINER_VERSION,
        "date": datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat(),
        "stride": str(max(STRIDES)),
        "task": "detect",
        "batch": "1",
        "imgsz": str([imgsz, imgsz]),
        "names": str({i: n for i, n in enumerate(names)}),
        "edgeinv_conf": f"{conf:.4f}",
        "edgeinv_iou": f"{iou:.2f}",
    }
    del proto.metadata_props[:]
    for k, v in meta.items():
        p = proto.metadata_props.add()
        p.key, p.value = k, v
    proto.producer_name = "edgeinv-train"
    onnx.checker.check_model(proto)
    onnx.save(proto, tmp)
    os.replace(tmp, out_path)
    return out_path


def load_checkpoint_model(path):
    """The EMA weights of a training checkpoint, with the settings they were trained with."""
    kwargs = {"map_location": "cpu"}
    if "weights_only" in inspect.signature(torch.load).parameters:
        kwargs["weights_only"] = False  # our own checkpoint: it holds plain Python settings too
    ckpt = torch.load(path, **kwargs)
    cfg = ckpt["config"]
    model = build_model(cfg.get("arch", "shelf"), nc=len(cfg["names"]), scale=cfg["scale"])
    model.load_state_dict(ckpt["ema"] if ckpt.get("ema") is not None else ckpt["model"])
    return model, ckpt


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--weights", help="training checkpoint (best.pt or last.pt)")
    src.add_argument("--random", action="store_true", help="random weights (for timing benchmarks only)")
    ap.add_argument("--out", required=True, help="ONNX file to write")
    ap.add_argument("--scale", default="n", help="with --random: model scale (n, s, m)")
    ap.add_argument("--arch", default="shelf", choices=ARCHS, help="with --random: architecture")
    ap.add_argument("--nc", type=int, default=1, help="with --random: number of classes")
    ap.add_argument("--imgsz", type=int, default=None, help="input size (default: the training size, or 640)")
    ap.add_argument("--conf", type=float, default=None,
                    help="operating threshold to store (default: the one chosen on val during training)")
    ap.add_argument("--iou", type=float, default=None,
                    help="NMS IoU the threshold was chosen with, stored for the detector (default: the training run's --nms-iou, 0.7)")
    args = ap.parse_args(argv)

    if args.random:
        torch.manual_seed(0)
        model = build_model(args.arch, nc=args.nc, scale=args.scale)
        imgsz = args.imgsz or 640
        names = ["product"] if args.nc == 1 else [f"class{i}" for i in range(args.nc)]
        conf = args.conf if args.conf is not None else 0.25
        iou = args.iou if args.iou is not None else NMS_IOU
        desc = f"EdgeInventory {model.name} with RANDOM weights (for timing only, detects nothing)"
    else:
        model, ckpt = load_checkpoint_model(args.weights)
        cfg = ckpt["config"]
        imgsz = args.imgsz or cfg.get("view_size") or cfg["imgsz"]
        names = cfg["names"]
        conf = args.conf if args.conf is not None else ckpt.get("best_conf")
        iou = args.iou if args.iou is not None else cfg.get("nms_iou", NMS_IOU)
        if conf is None:
            sys.exit(f"{args.weights}: no operating threshold chosen on val in this checkpoint; pass --conf")
        init = " from COCO weights (YOLOX, Apache-2.0)" if cfg.get("pretrained") else ""
        desc = (f"EdgeInventory {model.name} ({', '.join(names)}){init}, trained by tools/train "
                f"for {ckpt['epoch'] + 1} epochs at {cfg['imgsz']} px on {cfg.get('data_name', 'unknown data')}")
    if not 0 < iou <= 1:
        sys.exit(f"--iou {iou}: must be within (0, 1]")
    if imgsz % max(STRIDES):
        sys.exit(f"--imgsz {imgsz}: must be a multiple of {max(STRIDES)}")
    print(f"model: {model.name}, {count_params(model) / 1e6:.2f}M params, "
          f"{count_gflops(model, imgsz):.1f} GFLOPs at {imgsz}", file=sys.stderr)
    export_onnx(model, args.out, imgsz, names, conf, desc, iou)
    print(f"wrote {args.out} ({os.path.getsize(args.out) / 1e6:.1f} MB, conf {conf:.4f}, NMS IoU {iou:.2f})", file=sys.stderr)


if __name__ == "__main__":
    main()
