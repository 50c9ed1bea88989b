"""Train the shelf detector on a YOLO-format folder; checkpoints every epoch; resumable.

    python3 tools/train/train.py --data DIR --out runs/NAME [--epochs N] [--imgsz S] [--device cpu|cuda]
    python3 tools/train/train.py --out runs/NAME --resume          # continue where it stopped

DIR holds images/{train,val} and labels/{train,val}. OUT receives last.pt (every epoch), best.pt
(best val fitness, 0.1*AP50 + 0.9*AP50-95), results.csv, train.log and, at the end (also after an
early stop), shelf-detector.onnx exported from best.pt. Every validation also picks
the operating threshold (lowest count MAE on val); export.py stores it in the ONNX metadata.
Runs on PyTorch 1.13 (Debian, CPU) and 2.x (CUDA, with mixed precision).
"""
import argparse
import copy
import csv
import inspect
import json
import math
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from data import ShelfDataset, collate, kfold_split, seed_worker  # noqa: E402
from loss import DetectionLoss, ObjectnessDetectionLoss  # noqa: E402
from metrics import NMS_IOU, DetectionStats, postprocess  # noqa: E402
from model import ARCHS, build_model, count_gflops, count_params  # noqa: E402

DEFAULT_PRETRAINED = {"yolox-nano": os.path.join(os.path.dirname(os.path.abspath(__file__)), "pretrained",
                                                 "yolox_nano_416_coco.onnx")}


class ModelEMA:
    """Exponential moving average of the weights (and BN statistics); its decay ramps up so the
    average follows quickly at the start, when the weights move most."""

    def __init__(self, model, decay=0.9999, tau=2000, updates=0):
        self.ema = copy.deepcopy(model).eval()
        for p in self.ema.parameters():
            p.requires_grad_(False)
        self.decay, self.tau, self.updates = decay, tau, updates

    @torch.no_grad()
    def update(self, model):
        self.updates += 1
        d = self.decay * (1 - math.exp(-self.updates / self.tau))
        msd = model.state_dict()
        for k, v in self.ema.state_dict().items():
            if v.dtype.is_floating_point:
                v.mul_(d).add_(msd[k].detach(), alpha=1 - d)


def log(out_dir, msg):
    line = time.strftime("%Y-%m-%d %H:%M:%S ") + msg
    print(line, flush=True)
    with open(os.path.join(out_dir, "train.log"), "a") as fh:
        fh.write(line + "\n")


def seed_everything(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


def torch_load(path):
    kwargs = {"map_location": "cpu"}
    if "weights_only" in inspect.signature(torch.load).parameters:
        kwargs["weights_only"] = False  # our own checkpoint: plain Python settings besides tensors
    return torch.load(path, **kwargs)


def build_optimizer(model, lr, momentum, weight_decay):
    """AdamW with three groups: conv/linear weights (decayed), BN weights and biases (not decayed)."""
    decay, no_decay, biases = [], [], []
    for module in model.modules():
        for name, p in module.named_parameters(recurse=False):
            if not p.requires_grad:
                continue
            if name == "bias":
                biases.append(p)
            elif isinstance(module, nn.BatchNorm2d):
                no_decay.append(p)
            else:
                decay.append(p)
    opt = torch.optim.AdamW(no_decay, lr=lr, betas=(momentum, 0.999), weight_decay=0.0)
    opt.add_param_group({"params": decay, "weight_decay": weight_decay})
    opt.add_param_group({"params": biases, "weight_decay": 0.0})
    return opt


def make_grad_scaler(enabled):
    if hasattr(torch, "amp") and hasattr(torch.amp, "GradScaler"):
        return torch.amp.GradScaler("cuda", enabled=enabled)
    return torch.cuda.amp.GradScaler(enabled=enabled)


@torch.no_grad()
def validate(model, loader, device, nc, nms_iou, flip_tta=False):
    """AP50, AP50-95 and the count-optimal threshold on the val loader. flip_tta: also run each image mirrored
    left-right and put both sets of boxes through one NMS (test-time augmentation, for cv.py to measure)."""
    model.eval()
    model.detect.export_decode = True
    stats = DetectionStats(nc)
    t0 = time.time()
    try:
        for images, targets, _ in loader:
            images = images.to(device).float() / 255
            pred = model(images).float()
            if flip_tta:
                mirrored = model(images.flip(3)).float()
                mirrored[:, 0] = images.shape[3] - mirrored[:, 0]  # box centres back to the unmirrored image
                pred = torch.cat((pred, mirrored), 2)
            dets = postprocess(pred, conf=0.001, iou=nms_iou)
            for i, det in enumerate(dets):
                gt = targets[targets[:, 0] == i][:, 1:]
                stats.add(det.cpu(), gt)
    finally:
        model.detect.export_decode = False
    ap50, ap = stats.ap()
    conf = stats.best_count_threshold()
    p, r = stats.precision_recall_at(conf)
    res = {"ap50": ap50, "ap50_95": ap, "conf": conf, "precision": p, "recall": r,
           "val_seconds": time.time() - t0}
    res.update(stats.counts_at(conf))
    return res, stats


def parse_args(argv):
    ap = argparse.ArgumentParser(description="Train the shelf detector (YOLO-format data).")
    ap.add_argument("--data", help="folder with images/{train,val} and labels/{train,val}")
    ap.add_argument("--out", required=True, help="run folder (checkpoints, log, results.csv)")
    ap.add_argument("--resume", action="store_true", help="continue from OUT/last.pt with its settings")
    ap.add_argument("--init", default=None,
                    help="start a new run from these weights (a checkpoint's EMA), e.g. to fine-tune at another --imgsz")
    ap.add_argument("--epochs", type=int, default=100)
    ap.add_argument("--imgsz", type=int, default=640, help="training and export input size (multiple of 32)")
    ap.add_argument("--scale", default="n", help="model scale: n (YOLOv8n-sized), s, m (--arch shelf)")
    ap.add_argument("--view-size", type=int, default=None,
                    help="train on --imgsz crops of photos seen at the scale of a VIEW-px letterbox, and validate "
                         "and export at VIEW (the size the model will run at; default: --imgsz, whole photos)")
    ap.add_argument("--arch", default="shelf", choices=ARCHS,
                    help="shelf: ShelfDetector (YOLOv8 layout, from scratch); yolox-nano: YOLOX-nano layout, "
                         "started from COCO weights (--pretrained)")
    ap.add_argument("--pretrained", default=None,
                    help="ONNX with the COCO weights to start from (--arch yolox-nano; default "
                         "tools/train/pretrained/yolox_nano_416_coco.onnx); 'none' trains from scratch")
    ap.add_argument("--folds", type=int, default=None,
                    help="k-fold cross-validation over train+val pooled: K folds (with --fold)")
    ap.add_argument("--fold", type=int, default=None, help="the held-out fold, 0..K-1: validation runs on it")
    ap.add_argument("--names", default="product", help="comma-separated class names, in label order")
    ap.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
    ap.add_argument("--batch", type=int, default=None, help="images per step (default 8 on cpu, 32 on cuda)")
    ap.add_argument("--nbs", type=int, default=16, help="nominal batch: gradients accumulate up to it")
    ap.add_argument("--lr0", type=float, default=0.002)
    ap.add_argument("--lrf", type=float, default=0.01, help="final lr as a fraction of lr0")
    ap.add_argument("--cos", action="store_true", help="cosine instead of linear lr decay")
    ap.add_argument("--weight-decay", type=float, default=5e-4)
    ap.add_argument("--warmup-epochs", type=float, default=3.0)
    ap.add_argument("--warmup-min-iters", type=int, default=100,
                    help="warm-up lasts at least this many iterations (fewer for short fine-tuning runs)")
    ap.add_argument("--close-mosaic", type=int, default=None,
                    help="last N epochs without mosaic (default: 10%% of the epochs)")
    ap.add_argument("--mosaic", type=float, default=1.0, help="mosaic probability")
    ap.add_argument("--zoom", type=float, default=0.5, help="random zoom range: 1 +/- this")
    ap.add_argument("--ema-tau", type=float, default=2000.0,
                    help="EMA warm-up in optimizer steps (smaller for short runs: about 1/5 of the steps)")
    ap.add_argument("--nms-iou", type=float, default=NMS_IOU, help="NMS IoU used in validation")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=None, help="loader processes (default 0 on cpu, 8 on cuda)")
    ap.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    ap.add_argument("--limit", type=int, default=None, help="use only the first N train and val images (smoke)")
    ap.add_argument("--max-steps", type=int, default=None, help="stop after N iterations (smoke)")
    ap.add_argument("--no-export", action="store_true", help="do not export OUT/shelf-detector.onnx at the end")
    ap.add_argument("--val-every", type=int, default=1,
                    help="validate every N epochs (and at the last, and when stopping early)")
    ap.add_argument("--stop-after-minutes", type=float, default=None,
                    help="end cleanly after the epoch that passes this wall time (resume later)")
    return ap.parse_args(argv)


CONFIG_KEYS = ("data", "epochs", "imgsz", "view_size", "arch", "scale", "folds", "fold", "batch", "nbs", "lr0", "lrf", "cos", "weight_decay",
               "warmup_epochs", "warmup_min_iters", "close_mosaic", "mosaic", "zoom", "ema_tau", "nms_iou", "seed", "limit")


def main(argv=None):
    args = parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    last_path = os.path.join(args.out, "last.pt")
    best_path = os.path.join(args.out, "best.pt")
    device = torch.device(args.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    if device.type == "cuda" and not torch.cuda.is_available():
        sys.exit("--device cuda: no CUDA device visible to PyTorch")
    torch.set_num_threads(args.threads)

    ckpt = None
    if args.resume:
        if not os.path.exists(last_path):
            sys.exit(f"--resume: {last_path} does not exist")
        ckpt = torch_load(last_path)
        cfg = dict(ckpt["config"])
        if args.data:
            cfg["data"] = args.data  # the same data may sit at another path on another machine
        if args.epochs != 100 and args.epochs != cfg["epochs"]:
            cfg["epochs"] = args.epochs  # a run may be lengthened; the lr schedule follows
    else:
        if not args.data:
            sys.exit("--data DIR is required (or --resume)")
        if args.imgsz % 32:
            sys.exit(f"--imgsz {args.imgsz}: must be a multiple of 32")
        if args.view_size is not None and (args.view_size % 32 or args.view_size < args.imgsz):
            sys.exit(f"--view-size {args.view_size}: must be a multiple of 32 and at least --imgsz {args.imgsz}")
        if os.path.exists(last_path):
            sys.exit(f"{last_path} exists: pass --resume to continue it, or choose another --out")
        if (args.folds is None) != (args.fold is None):
            sys.exit("--folds K and --fold i go together")
        if args.folds is not None and not (args.folds >= 2 and 0 <= args.fold < args.folds):
            sys.exit(f"--folds {args.folds} --fold {args.fold}: need K >= 2 and 0 <= i < K")
        cfg = {k: getattr(args, k) for k in CONFIG_KEYS}
        pretrained = args.pretrained or DEFAULT_PRETRAINED.get(args.arch)
        if args.arch == "shelf" and args.pretrained not in (None, "none"):
            sys.exit("--pretrained: --arch shelf has no pretrained weights; use --arch yolox-nano")
        if pretrained == "none" or args.init:
            pretrained = None  # from scratch, or from a checkpoint of our own
        if pretrained and not os.path.isfile(pretrained):
            sys.exit(f"--pretrained {pretrained}: no such file")
        cfg["pretrained"] = os.path.abspath(pretrained) if pretrained else None
        cfg["batch"] = args.batch or (32 if device.type == "cuda" else 8)
        if cfg["close_mosaic"] is None:
            cfg["close_mosaic"] = max(round(0.1 * args.epochs), 0)
        cfg["names"] = [n.strip() for n in args.names.split(",") if n.strip()]
        cfg["data_name"] = os.path.basename(os.path.normpath(args.data))
        if args.init:
            cfg["init"] = os.path.abspath(args.init)
    names = cfg["names"]
    nc = len(names)
    arch = cfg.get("arch", "shelf")  # checkpoints from before --arch are ShelfDetectors
    seed_everything(cfg["seed"])

    train_pairs = val_pairs = None
    if cfg.get("folds"):
        train_pairs, val_pairs = kfold_split(cfg["data"], cfg["folds"], cfg["fold"])
    view = cfg.get("view_size") or cfg["imgsz"]
    train_set = ShelfDataset(cfg["data"], "train", cfg["imgsz"], nc=nc, train=True, seed=cfg["seed"],
                             mosaic=cfg["mosaic"], scale=cfg["zoom"], limit=cfg["limit"], pairs=train_pairs,
                             view=view)
    val_set = ShelfDataset(cfg["data"], "val", view, nc=nc, train=False, limit=cfg["limit"], pairs=val_pairs)
    workers = args.workers if args.workers is not None else (8 if device.type == "cuda" else 0)
    batch = min(cfg["batch"], len(train_set))
    gen = torch.Generator()
    train_loader = torch.utils.data.DataLoader(
        train_set, batch_size=batch, shuffle=True, num_workers=workers, collate_fn=collate, drop_last=True,
        generator=gen, worker_init_fn=seed_worker, pin_memory=device.type == "cuda",
        persistent_workers=False)
    val_loader = torch.utils.data.DataLoader(val_set, batch_size=min(8, len(val_set)), shuffle=False,
                                             num_workers=0, collate_fn=collate)

    model = build_model(arch, nc=nc, scale=cfg["scale"]).to(device)
    accumulate = max(round(cfg["nbs"] / batch), 1)
    weight_decay = cfg["weight_decay"] * batch * accumulate / cfg["nbs"]
    optimizer = build_optimizer(model, cfg["lr0"], 0.9, weight_decay)
    use_amp = device.type == "cuda"
    scaler = make_grad_scaler(use_amp)
    epochs = cfg["epochs"]

    def lr_factor(epoch):
        x = epoch / epochs
        if cfg["cos"]:
            return ((1 - math.cos(x * math.pi)) / 2) * (cfg["lrf"] - 1) + 1
        return (1 - x) * (1.0 - cfg["lrf"]) + cfg["lrf"]

    start_epoch, best_fitness, best_conf, step = 0, -1.0, None, 0
    ema = ModelEMA(model, tau=cfg.get("ema_tau", 2000.0))
    if ckpt is not None:
        model.load_state_dict(ckpt["model"])
        ema.ema.load_state_dict(ckpt["ema"])
        ema.updates = ckpt["ema_updates"]
        optimizer.load_state_dict(ckpt["optimizer"])
        if ckpt.get("scaler") and use_amp:
            scaler.load_state_dict(ckpt["scaler"])
        start_epoch = ckpt["epoch"] + 1
        best_fitness = ckpt.get("best_fitness", -1.0)
        best_conf = ckpt.get("best_conf")
        step = ckpt.get("step", 0)
        log(args.out, f"resuming at epoch {start_epoch + 1}/{epochs} from {last_path}")
        if start_epoch >= epochs:
            log(args.out, "nothing to do: the run already finished")
            return
    else:
        if args.init:
            init = torch_load(args.init)
            init_arch = init["config"].get("arch", "shelf")
            if init["config"]["names"] != names or init["config"]["scale"] != cfg["scale"] or init_arch != arch:
                sys.exit(f"--init {args.init}: trained for scale {init['config']['scale']} (--arch {init_arch}) and "
                         f"classes {init['config']['names']}, this run is scale {cfg['scale']} (--arch {arch}) with {names}")
            model.load_state_dict(init["ema"])
            ema = ModelEMA(model, tau=cfg.get("ema_tau", 2000.0))
        elif cfg.get("pretrained"):
            from yolox import calibrate_batch_norm, load_onnx_weights
            n_loaded = load_onnx_weights(model, cfg["pretrained"])
            # One training batch sets the batch norms so the first steps start from the COCO network.
            train_set.set_epoch(0, cfg["mosaic"])
            images = torch.stack([train_set[i][0] for i in range(min(batch, len(train_set)))])
            calibrate_batch_norm(model, images.to(device).float() / 255)
            ema = ModelEMA(model, tau=cfg.get("ema_tau", 2000.0))
            log(args.out, f"initialised {n_loaded} layers from {cfg['pretrained']}")
        log(args.out, "config " + json.dumps(cfg))
    log(args.out, f"model {model.name}: {count_params(model) / 1e6:.2f}M params, "
                  f"{count_gflops(model, cfg['imgsz']):.1f} GFLOPs at {cfg['imgsz']}; device {device}, "
                  f"torch {torch.__version__}, threads {torch.get_num_threads()}; train {len(train_set)} images "
                  f"({train_set.instance_count} boxes), val {len(val_set)} ({val_set.instance_count}); "
                  f"batch {batch} x accumulate {accumulate}")

    criterion = ObjectnessDetectionLoss(nc) if arch == "yolox-nano" else DetectionLoss(nc)
    nb = len(train_loader)
    warmup_iters = (max(round(cfg["warmup_epochs"] * nb), cfg.get("warmup_min_iters", 100))
                    if cfg["warmup_epochs"] > 0 else 0)
    results_csv = os.path.join(args.out, "results.csv")
    t_start = time.time()
    stopped_early = False

    for epoch in range(start_epoch, epochs):
        t_epoch = time.time()
        model.train()
        mosaic = cfg["mosaic"] if epoch < epochs - cfg["close_mosaic"] else 0.0
        train_set.set_epoch(epoch, mosaic)
        gen.manual_seed(cfg["seed"] * 100003 + epoch)
        for g in optimizer.param_groups:
            g["lr"] = cfg["lr0"] * lr_factor(epoch)
        mloss = torch.zeros(3)
        optimizer.zero_grad(set_to_none=True)
        last_opt_step = -1
        for i, (images, targets, _) in enumerate(train_loader):
            it = i + nb * epoch
            if it <= warmup_iters and warmup_iters > 0:
                # Warm-up: lr rises from 0 and beta1 from 0.8, accumulation grows to the nominal batch.
                xi = [0, warmup_iters]
                accumulate = max(1, round(np.interp(it, xi, [1, cfg["nbs"] / batch])))
                for g in optimizer.param_groups:
                    g["lr"] = float(np.interp(it, xi, [0.0, cfg["lr0"] * lr_factor(epoch)]))
                    g["betas"] = (float(np.interp(it, xi, [0.8, 0.9])), 0.999)
            images = images.to(device, non_blocking=True).float() / 255
            with torch.autocast(device_type=device.type, enabled=use_amp):
                feats = model(images)
            loss, parts = criterion([f.float() for f in feats], targets.to(device))
            scaler.scale(loss).backward()
            if it - last_opt_step >= accumulate:
                scaler.unscale_(optimizer)
                torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=10.0)
                scaler.step(optimizer)
                scaler.update()
                optimizer.zero_grad(set_to_none=True)
                ema.update(model)
                last_opt_step = it
            mloss = (mloss * i + parts.cpu()) / (i + 1)
            step += 1
            if i % 10 == 0 or i == nb - 1:
                log(args.out, f"epoch {epoch + 1}/{epochs} iter {i + 1}/{nb} box {mloss[0]:.3f} cls {mloss[1]:.3f} "
                              f"dfl {mloss[2]:.3f} boxes {len(targets)} {(time.time() - t_epoch) / (i + 1):.2f}s/it")
            if args.max_steps and step >= args.max_steps:
                break
        train_seconds = time.time() - t_epoch
        stop_steps = bool(args.max_steps and step >= args.max_steps)
        stop_time = bool(args.stop_after_minutes and (time.time() - t_start) / 60 >= args.stop_after_minutes)
        res, is_best = {}, False
        if stop_steps or stop_time or epoch == epochs - 1 or (epoch + 1) % args.val_every == 0:
            res, stats = validate(ema.ema, val_loader, device, nc, cfg["nms_iou"])
            # Per-image matches and scores, so cross-validation can pool the folds' held-out photos.
            stats_path = os.path.join(args.out, f"val-stats-epoch{epoch + 1}.pt")
            torch.save({"stats": stats.__dict__, "imgsz": view, "epoch": epoch + 1,
                        "images": [os.path.basename(p[0]) for p in val_set.pairs]}, stats_path)
            fitness = 0.1 * res["ap50"] + 0.9 * res["ap50_95"]
            is_best = fitness > best_fitness
            if is_best:
                best_fitness, best_conf = fitness, res["conf"]
            log(args.out, f"epoch {epoch + 1}/{epochs} val AP50 {res['ap50']:.4f} AP50-95 {res['ap50_95']:.4f} "
                          f"conf {res['conf']:.4f} count MAE {res['count_mae']:.2f} (mean err {res['count_mean_error']:+.2f}) "
                          f"P {res['precision']:.3f} R {res['recall']:.3f}; train {train_seconds:.0f}s val "
                          f"{res['val_seconds']:.0f}s{' *best*' if is_best else ''}")
            row = {"epoch": epoch + 1, "box": float(mloss[0]), "cls": float(mloss[1]), "dfl": float(mloss[2]),
                   "lr": optimizer.param_groups[0]["lr"], "train_s": round(train_seconds, 1), **res}
            new_file = not os.path.exists(results_csv)
            with open(results_csv, "a", newline="") as fh:
                w = csv.DictWriter(fh, fieldnames=list(row))
                if new_file:
                    w.writeheader()
                w.writerow(row)
        else:
            log(args.out, f"epoch {epoch + 1}/{epochs} done in {train_seconds:.0f}s (validation every {args.val_every})")
        state = {"epoch": epoch, "step": step, "config": cfg, "model": model.state_dict(),
                 "ema": ema.ema.state_dict(), "ema_updates": ema.updates, "optimizer": optimizer.state_dict(),
                 "scaler": scaler.state_dict() if use_amp else None, "best_fitness": best_fitness,
                 "best_conf": best_conf, "val": res or None, "torch": torch.__version__,
                 "date": time.strftime("%Y-%m-%dT%H:%M:%S")}
        torch.save(state, last_path + ".part")
        os.replace(last_path + ".part", last_path)  # a kill mid-save leaves the previous last.pt intact
        if is_best:
            best = {k: state[k] for k in ("epoch", "config", "ema", "best_conf", "val", "torch", "date")}
            best["model"] = None  # best.pt carries the EMA weights only: what export uses
            torch.save(best, best_path + ".part")
            os.replace(best_path + ".part", best_path)
        if stop_steps:
            log(args.out, f"stopping: --max-steps {args.max_steps} reached")
            stopped_early = True
            break
        if stop_time:
            log(args.out, f"stopping after epoch {epoch + 1}: --stop-after-minutes {args.stop_after_minutes}; "
                          f"continue with --resume")
            stopped_early = True
            break
    if not stopped_early:
        log(args.out, f"finished {epochs} epochs; best fitness {best_fitness:.4f}, conf {best_conf}")
    if not args.no_export and os.path.exists(best_path):
        # Also after an early stop: a session cut short still leaves a usable model behind.
        from export import main as export_main
        onnx_path = os.path.join(args.out, "shelf-detector.onnx")
        export_main(["--weights", best_path, "--out", onnx_path])
        log(args.out, f"exported {onnx_path} from {best_path}")


if __name__ == "__main__":
    main()
