"""Cross-validated figures of a k-fold run: pools the held-out photos of every fold.

    python3 tools/train/cv.py runs/cv-yolox-coco            # folds in runs/cv-yolox-coco/fold*/
    python3 tools/train/cv.py runs/cv-yolox-coco --sizes 640,960 --threads 2   # also at other input sizes
    python3 tools/train/cv.py runs/cv-yolox-coco --link-holdouts runs/holdouts  # folders for the C# eval

Each fold was trained with `train.py --folds K --fold i` and validated on its held-out photos (the
trainer keeps the per-image matches in `val-stats-epochN.pt`). For each input size this prints, per
fold and as mean ± standard deviation over the folds: AP50, AP50-95 and the count MAE at a
threshold the fold did not choose: the threshold with the lowest count MAE over the *other* folds'
held-out photos (nested, so no photo picks its own threshold). It also prints the threshold chosen
on all held-out photos pooled, which is what an export of the final model should carry.
`--sizes` evaluates each fold's final EMA weights at more input sizes (the fully convolutional
net runs at any multiple of 32), `--nms-ious` at other NMS IoU thresholds and `--flip` with mirrored
test-time augmentation (both at the trained size), and caches the result beside the checkpoint.
"""
import argparse
import glob
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from metrics import DetectionStats  # noqa: E402


def torch_load(path):
    from train import torch_load as load  # our own files: plain Python objects besides tensors
    return load(path)


def load_stats(path):
    blob = torch_load(path)
    stats = DetectionStats()
    stats.__dict__.update(blob["stats"])
    return stats, blob


def merged(stats_list):
    out = DetectionStats(stats_list[0].nc)
    for s in stats_list:
        out.tp += s.tp
        out.scores += s.scores
        out.cls += s.cls
        out.gt_counts += s.gt_counts
        out.det_scores += s.det_scores
        out.n_gt = out.n_gt + s.n_gt
    return out


def variant_name(imgsz, nms_iou=None, flip_tta=False):
    """The cache file's suffix of an inference variant: input size, NMS IoU other than the fold's, mirrored TTA."""
    return f"{imgsz}" + (f"-iou{nms_iou:g}" if nms_iou is not None else "") + ("-flip" if flip_tta else "")


def evaluate_size(fold_dir, imgsz, threads, nms_iou=None, flip_tta=False):
    """Validates the fold's last EMA weights on its held-out photos at another input size, NMS IoU or with
    mirrored test-time augmentation (cached beside the checkpoint)."""
    path = os.path.join(fold_dir, f"val-stats-{variant_name(imgsz, nms_iou, flip_tta)}.pt")
    if os.path.exists(path):
        return path
    import train
    from data import ShelfDataset, collate, kfold_split
    from model import build_model

    torch.set_num_threads(threads)
    ckpt = train.torch_load(os.path.join(fold_dir, "last.pt"))
    cfg = ckpt["config"]
    model = build_model(cfg.get("arch", "shelf"), nc=len(cfg["names"]), scale=cfg["scale"])
    model.load_state_dict(ckpt["ema"])
    _, held = kfold_split(cfg["data"], cfg["folds"], cfg["fold"])
    held = held[:cfg["limit"]] if cfg.get("limit") else held
    val_set = ShelfDataset(cfg["data"], "val", imgsz, nc=len(cfg["names"]), train=False, pairs=held)
    loader = torch.utils.data.DataLoader(val_set, batch_size=4, shuffle=False, num_workers=0, collate_fn=collate)
    _, stats = train.validate(model, loader, torch.device("cpu"), len(cfg["names"]),
                              cfg["nms_iou"] if nms_iou is None else nms_iou, flip_tta=flip_tta)
    torch.save({"stats": stats.__dict__, "imgsz": imgsz, "variant": variant_name(imgsz, nms_iou, flip_tta), "epoch": ckpt["epoch"] + 1,
                "images": [os.path.basename(p[0]) for p in held]}, path)
    return path


def link_holdouts(fold_dirs, out):
    """OUT/foldI/{images,labels}/val: links to each fold's held-out photos, so the C# eval
    (`tools/edgeinv eval --data OUT/foldI --split val`) measures the same photos."""
    from data import kfold_split
    for d in fold_dirs:
        cfg = torch_load(os.path.join(d, "last.pt"))["config"]
        _, held = kfold_split(cfg["data"], cfg["folds"], cfg["fold"])
        target = os.path.join(out, os.path.basename(d))
        for img, lbl in held:
            for src, sub in ((img, "images"), (lbl, "labels")):
                os.makedirs(os.path.join(target, sub, "val"), exist_ok=True)
                link = os.path.join(target, sub, "val", os.path.basename(src))
                if not os.path.lexists(link):
                    os.symlink(os.path.abspath(src), link)
        print(f"{target}: {len(held)} held-out photos")


def epoch_stats(fold_dir):
    """The trainer's validations of the fold (val-stats-epochN.pt), the last epoch first."""
    return sorted(glob.glob(os.path.join(fold_dir, "val-stats-epoch*.pt")),
                  key=lambda p: int(p.rsplit("epoch", 1)[1].split(".")[0]), reverse=True)


def fold_stats(fold_dir, imgsz):
    """The fold's held-out stats at this input size: the trainer's last validation, or a cached one."""
    candidates = [os.path.join(fold_dir, f"val-stats-{imgsz}.pt")] + epoch_stats(fold_dir)
    for path in candidates:
        if os.path.exists(path):
            stats, blob = load_stats(path)
            if blob["imgsz"] == imgsz:
                return stats, blob
    return None, None


def summarise(folds, imgsz, variant=None):
    per_fold = []
    for i, (stats, blob) in enumerate(folds):
        others = merged([s for j, (s, _) in enumerate(folds) if j != i])
        conf = others.best_count_threshold()
        ap50, ap = stats.ap()
        p, r = stats.precision_recall_at(conf)
        per_fold.append({"fold": i, "images": len(stats.gt_counts), "epoch": blob["epoch"], "ap50": ap50,
                         "ap50_95": ap, "conf": conf, "precision": p, "recall": r, **stats.counts_at(conf)})
    pooled = merged([s for s, _ in folds])
    pooled_conf = pooled.best_count_threshold()
    keys = ("ap50", "ap50_95", "count_mae", "count_rmse", "count_mean_error", "precision", "recall")
    mean = {k: float(np.mean([f[k] for f in per_fold])) for k in keys}
    std = {k: float(np.std([f[k] for f in per_fold], ddof=1)) if len(per_fold) > 1 else 0.0 for k in keys}
    return {"imgsz": imgsz, "variant": variant or str(imgsz), "folds": per_fold, "mean": mean, "std": std, "pooled_conf": pooled_conf,
            "pooled_count_mae_at_pooled_conf": pooled.counts_at(pooled_conf)["count_mae"]}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("run", help="folder whose fold*/ subfolders are the k-fold runs")
    ap.add_argument("--sizes", default=None, help="comma-separated input sizes to evaluate besides the trained one")
    ap.add_argument("--nms-ious", default=None,
                    help="comma-separated NMS IoU thresholds to evaluate at the trained size (the folds validated at their --nms-iou)")
    ap.add_argument("--flip", action="store_true",
                    help="also evaluate mirrored test-time augmentation at the trained size (each photo run twice, one NMS)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    ap.add_argument("--link-holdouts", metavar="OUT", default=None,
                    help="only write OUT/foldI/{images,labels}/val links to each fold's held-out photos (for the C# eval)")
    args = ap.parse_args(argv)
    fold_dirs = sorted(d for d in glob.glob(os.path.join(args.run, "fold*")) if os.path.isdir(d))
    if not fold_dirs:
        sys.exit(f"{args.run}: no fold*/ folders (train them with train.py --folds K --fold i --out {args.run}/foldI)")
    if args.link_holdouts:
        link_holdouts(fold_dirs, args.link_holdouts)
        return
    sizes = []
    for d in fold_dirs:
        for p in glob.glob(os.path.join(d, "val-stats-*.pt")):
            blob = torch_load(p)
            if blob.get("variant", str(blob["imgsz"])) == str(blob["imgsz"]):
                sizes.append(blob["imgsz"])
    if args.sizes:
        extra = [int(s) for s in args.sizes.split(",") if s.strip()]
        for s in extra:
            if s % 32:
                sys.exit(f"--sizes: {s} is not a multiple of 32")
            for d in fold_dirs:
                evaluate_size(d, s, args.threads)
        sizes += extra
    results = []
    for imgsz in sorted(set(sizes)):
        folds = [fold_stats(d, imgsz) for d in fold_dirs]
        if any(s is None for s, _ in folds):
            continue  # not every fold was evaluated at this size
        results.append(summarise(folds, imgsz))
    # Inference variants at the size each fold was trained for (its last validation's), one cache file per fold.
    variants = [(float(x), False) for x in args.nms_ious.split(",") if x.strip()] if args.nms_ious else []
    if args.flip:
        variants += [(None, True)] + [(iou, True) for iou, _ in list(variants)]
    for nms_iou, flip in variants:
        folds = []
        for d in fold_dirs:
            imgsz = torch_load(epoch_stats(d)[0])["imgsz"]
            folds.append(load_stats(evaluate_size(d, imgsz, args.threads, nms_iou, flip)))
        results.append(summarise(folds, folds[0][1]["imgsz"], folds[0][1]["variant"]))
    if args.json:
        print(json.dumps({"run": args.run, "results": results}, indent=1))
        return
    for res in results:
        print(f"{args.run} at {res['variant']} ({len(res['folds'])} folds; threshold per fold chosen on the other folds)")
        print("fold  images  epoch  AP50    AP50-95  conf    count MAE  mean err  P      R")
        for f in res["folds"]:
            print(f"{f['fold']:>4}  {f['images']:>6}  {f['epoch']:>5}  {f['ap50']:.4f}  {f['ap50_95']:.4f}   "
                  f"{f['conf']:.4f}  {f['count_mae']:>9.2f}  {f['count_mean_error']:>+8.2f}  "
                  f"{f['precision']:.3f}  {f['recall']:.3f}")
        m, s = res["mean"], res["std"]
        print(f"mean ± sd       {m['ap50']:.4f} ± {s['ap50']:.4f}  {m['ap50_95']:.4f} ± {s['ap50_95']:.4f}  "
              f"count MAE {m['count_mae']:.2f} ± {s['count_mae']:.2f}")
        print(f"threshold on all held-out photos pooled: {res['pooled_conf']:.4f} "
              f"(pooled count MAE {res['pooled_count_mae_at_pooled_conf']:.2f})\n")


if __name__ == "__main__":
    main()
