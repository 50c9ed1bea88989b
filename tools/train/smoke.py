"""Smoke run of the whole pipeline: a few training steps on 4 photos at 160 px, export, check;
then one step of YOLOX-nano from the shipped COCO weights at 96 px (weights in place, export, folds).

    python3 tools/train/smoke.py --data ../shared/data/sku110k-dev --out /tmp/edgeinv-smoke

Prints the exported ONNX path on stdout (the C# smoke test loads it in the detector). Checks the
file with onnx alone (no runtime): checker, input/output names and shapes, metadata keys. Takes
about half a minute on 2 CPU cores. The model it writes detects nothing useful.
"""
import argparse
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

IMGSZ = 160
REQUIRED_METADATA = ("names", "imgsz", "stride", "task", "description", "version", "date", "batch", "edgeinv_conf", "edgeinv_iou")


def check_onnx(path, imgsz, nc):
    """Structural check of an export against the detector's contract; raises AssertionError."""
    import onnx

    proto = onnx.load(path)
    onnx.checker.check_model(proto, full_check=True)
    assert [i.name for i in proto.graph.input] == ["images"], [i.name for i in proto.graph.input]
    assert [o.name for o in proto.graph.output] == ["output0"], [o.name for o in proto.graph.output]

    def dims(v):
        return [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]

    n = sum((imgsz // s) ** 2 for s in (8, 16, 32))
    assert dims(proto.graph.input[0]) == ["batch", 3, imgsz, imgsz], dims(proto.graph.input[0])
    assert dims(proto.graph.output[0]) == ["batch", 4 + nc, n], dims(proto.graph.output[0])
    assert proto.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    assert proto.graph.output[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    meta = {p.key: p.value for p in proto.metadata_props}
    missing = [k for k in REQUIRED_METADATA if k not in meta]
    assert not missing, f"metadata keys missing: {missing}"
    assert meta["imgsz"] == f"[{imgsz}, {imgsz}]", meta["imgsz"]
    assert meta["task"] == "detect" and meta["stride"] == "32" and meta["batch"] == "1", meta
    assert meta["names"] == "{0: 'product'}", meta["names"]
    conf = float(meta["edgeinv_conf"])
    assert 0 < conf < 1 and len(meta["edgeinv_conf"].split(".")[1]) == 4, meta["edgeinv_conf"]
    assert meta["edgeinv_iou"] == "0.70", meta["edgeinv_iou"]  # the trainer's --nms-iou, which chose the threshold
    assert max(op.version for op in proto.opset_import if op.domain in ("", "ai.onnx")) == 17
    return meta


def check_fine_tune(data, out):
    """--init: a new run at another size starts from the first run's weights; other scales are refused."""
    import torch
    import train

    source = os.path.join(out, "last.pt")
    tuned = os.path.join(out, "fine-tune")
    train.main(["--data", data, "--out", tuned, "--init", source, "--imgsz", str(IMGSZ + 32), "--limit", "4",
                "--epochs", "1", "--batch", "2", "--max-steps", "1", "--device", "cpu", "--no-export", "--lr0", "0"])
    before = train.torch_load(source)["ema"]
    after = train.torch_load(os.path.join(tuned, "last.pt"))["model"]
    # lr0 0: the step changes no weight, so the run's weights are the source's EMA weights.
    same = all(torch.equal(before[k], after[k]) for k in before if before[k].dtype.is_floating_point and "running" not in k)
    assert same, "--init did not start from the source run's EMA weights"
    try:
        train.main(["--data", data, "--out", os.path.join(out, "wrong-scale"), "--init", source, "--scale", "s",
                    "--limit", "4", "--epochs", "1", "--max-steps", "1", "--device", "cpu", "--no-export"])
    except SystemExit as e:
        assert "trained for scale n" in str(e.code), e.code
    else:
        raise AssertionError("--init with weights of another scale was accepted")


def check_pretrained(data, out):
    """--arch yolox-nano: the COCO weights land on the layers they belong to, the YOLOX head exports
    in the same contract, and --folds splits the photos into disjoint folds that cover them all."""
    import numpy as np
    import onnx
    from onnx import numpy_helper

    import train
    from data import kfold_split, list_split
    from yolox import onnx_module_path

    run = os.path.join(out, "pretrained")
    size = 96
    train.main(["--data", data, "--out", run, "--arch", "yolox-nano", "--imgsz", str(size), "--folds", "3",
                "--fold", "0", "--limit", "2", "--epochs", "1", "--batch", "2", "--max-steps", "1",
                "--device", "cpu", "--lr0", "0"])
    weights = train.torch_load(os.path.join(run, "last.pt"))["model"]
    proto = onnx.load(train.DEFAULT_PRETRAINED["yolox-nano"])
    inits = {i.name: i for i in proto.graph.initializer}
    node = next(n for n in proto.graph.node if n.name == "/backbone/backbone/dark4/dark4.1/m/m.2/conv2/pconv/conv/Conv")
    expected = numpy_helper.to_array(inits[node.input[1]])
    got = weights[onnx_module_path(node.name) + ".weight"].numpy()
    # lr0 0: the step changes no weight, so the layer holds the COCO weights it was given.
    assert np.array_equal(got, expected), "--arch yolox-nano did not start from the COCO weights"
    check_onnx(os.path.join(run, "shelf-detector.onnx"), size, 1)

    # cv.py's inference variants on the fold's held-out photos: another NMS IoU and mirrored TTA, cached by name.
    import cv
    plain = cv.load_stats(cv.evaluate_size(run, size, 1))[0]
    path = cv.evaluate_size(run, size, 1, nms_iou=0.6, flip_tta=True)
    assert os.path.basename(path) == f"val-stats-{size}-iou0.6-flip.pt", path
    mirrored = cv.load_stats(path)[0]
    assert mirrored.gt_counts == plain.gt_counts, "cv.py --flip validated other photos than the plain run"

    everything = {os.path.basename(p[0]) for p in list_split(data, "train") + list_split(data, "val")}
    held = [{os.path.basename(p[0]) for p in kfold_split(data, 3, i)[1]} for i in range(3)]
    assert set().union(*held) == everything and sum(len(h) for h in held) == len(everything), \
        "--folds 3: the held-out folds do not partition the photos"
    rest = {os.path.basename(p[0]) for p in kfold_split(data, 3, 0)[0]}
    assert not rest & held[0] and rest | held[0] == everything, "--folds 3 --fold 0: train and held-out overlap"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", required=True, help="folder with images/{train,val} and labels/{train,val}")
    ap.add_argument("--out", required=True, help="run folder (emptied first)")
    args = ap.parse_args(argv)
    import train

    shutil.rmtree(args.out, ignore_errors=True)
    train.main(["--data", args.data, "--out", args.out, "--imgsz", str(IMGSZ), "--limit", "4", "--epochs", "2",
                "--batch", "2", "--max-steps", "3", "--device", "cpu", "--seed", "0"])
    onnx_path = os.path.join(args.out, "shelf-detector.onnx")
    meta = check_onnx(onnx_path, IMGSZ, 1)
    check_fine_tune(args.data, args.out)
    check_pretrained(args.data, args.out)
    print(f"smoke: {onnx_path} passes the contract checks (edgeinv_conf {meta['edgeinv_conf']})", file=sys.stderr)
    print(onnx_path)


if __name__ == "__main__":
    main()
