"""Validation metrics in Python, for monitoring training and choosing the operating threshold.

The figures the project reports are measured by `tools/edgeinv eval` (C#, the agent's inference
path); these follow the same definitions: COCO-style AP with 101-point interpolation over IoU
0.50:0.05:0.95, greedy matching by descending confidence, at most 1,000 detections per image.
"""
import numpy as np
import torch
import torchvision

IOU_THRESHOLDS = np.linspace(0.5, 0.95, 10)
MAX_DET = 1000
# NMS IoU of validation unless a run says otherwise (Ultralytics' predict default); a file exported without
# its own carries it as edgeinv_iou, as the C# detector assumes for a file without the key.
NMS_IOU = 0.7


def postprocess(pred, conf=0.001, iou=NMS_IOU, max_det=MAX_DET):
    """pred [B, 4+nc, N] (the exported layout) -> per image [K, 6] (x1, y1, x2, y2, score, cls)."""
    out = []
    for p in pred.transpose(1, 2):  # [N, 4+nc]
        scores, cls = p[:, 4:].max(1)
        keep = scores > conf
        p, scores, cls = p[keep], scores[keep], cls[keep]
        xy, wh = p[:, :2], p[:, 2:4]
        boxes = torch.cat((xy - wh / 2, xy + wh / 2), 1)
        idx = torchvision.ops.batched_nms(boxes, scores, cls, iou)[:max_det]
        out.append(torch.cat((boxes[idx], scores[idx, None], cls[idx, None].float()), 1))
    return out


def box_iou_matrix(a, b):
    """[N,4] x [M,4] xyxy -> [N,M] IoU (numpy)."""
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)))
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.clip(rb - lt, 0, None).prod(2)
    area_a = (a[:, 2:] - a[:, :2]).prod(1)
    area_b = (b[:, 2:] - b[:, :2]).prod(1)
    return inter / (area_a[:, None] + area_b[None, :] - inter + 1e-9)


def match_image(det, gt):
    """For each detection (sorted by descending score), whether it is a true positive at each IoU
    threshold: greedy, each ground-truth box matched at most once, best remaining IoU first.
    det [K,6] numpy, gt [M,5] (cls, x1, y1, x2, y2) numpy -> [K, 10] bool."""
    tp = np.zeros((len(det), len(IOU_THRESHOLDS)), bool)
    if len(det) == 0 or len(gt) == 0:
        return tp
    ious = box_iou_matrix(det[:, :4], gt[:, 1:])
    ious[det[:, 5][:, None] != gt[:, 0][None, :]] = 0  # classes must agree
    for t, thr in enumerate(IOU_THRESHOLDS):
        taken = np.zeros(len(gt), bool)
        for k in range(len(det)):
            row = np.where(taken, -1.0, ious[k])
            j = int(row.argmax())
            if row[j] >= thr:
                taken[j] = True
                tp[k, t] = True
    return tp


def average_precision(tp, scores, n_gt):
    """101-point interpolated AP per IoU threshold. tp [K, T] over all images, scores [K]."""
    if n_gt == 0:
        return np.full(tp.shape[1], np.nan)
    order = np.argsort(-scores, kind="stable")
    tp = tp[order]
    ctp = np.cumsum(tp, 0)
    cfp = np.cumsum(~tp, 0)
    recall = ctp / n_gt
    precision = ctp / np.maximum(ctp + cfp, 1e-12)
    ap = np.zeros(tp.shape[1])
    grid = np.linspace(0, 1, 101)
    for t in range(tp.shape[1]):
        # Precision envelope: the best precision at any recall at or beyond each point.
        p = np.maximum.accumulate(precision[::-1, t])[::-1] if len(precision) else precision[:, t]
        r = recall[:, t]
        idx = np.searchsorted(r, grid, side="left")
        ap[t] = np.mean([p[i] if i < len(p) else 0.0 for i in idx])
    return ap


class DetectionStats:
    """Accumulates detections per image; computes AP and count figures at any threshold."""

    def __init__(self, nc=1):
        self.nc = nc
        self.tp, self.scores, self.cls = [], [], []
        self.gt_counts, self.det_scores = [], []
        self.n_gt = np.zeros(nc, int)

    def add(self, det, gt):
        det = det.cpu().numpy() if torch.is_tensor(det) else det
        gt = gt.cpu().numpy() if torch.is_tensor(gt) else gt
        order = np.argsort(-det[:, 4], kind="stable")
        det = det[order]
        self.tp.append(match_image(det, gt))
        self.scores.append(det[:, 4])
        self.cls.append(det[:, 5].astype(int))
        for c in gt[:, 0].astype(int):
            self.n_gt[c] += 1
        self.gt_counts.append(len(gt))
        self.det_scores.append(det[:, 4])

    def ap(self):
        """(AP50, AP50-95), averaged over classes that have ground truth."""
        tp = np.concatenate(self.tp) if self.tp else np.zeros((0, 10), bool)
        scores = np.concatenate(self.scores) if self.scores else np.zeros(0)
        cls = np.concatenate(self.cls) if self.cls else np.zeros(0, int)
        per_class = [average_precision(tp[cls == c], scores[cls == c], self.n_gt[c])
                     for c in range(self.nc) if self.n_gt[c] > 0]
        if not per_class:
            return 0.0, 0.0
        aps = np.stack(per_class)
        return float(aps[:, 0].mean()), float(aps.mean())

    def counts_at(self, conf):
        det = np.array([(s >= conf).sum() for s in self.det_scores])
        gt = np.array(self.gt_counts)
        err = det - gt
        return {"count_mae": float(np.abs(err).mean()), "count_rmse": float(np.sqrt((err ** 2).mean())),
                "count_mean_error": float(err.mean())}

    def precision_recall_at(self, conf):
        tp = np.concatenate(self.tp)[:, 0] if self.tp else np.zeros(0, bool)
        scores = np.concatenate(self.scores) if self.scores else np.zeros(0)
        sel = scores >= conf
        n_tp = int(tp[sel].sum())
        n_det = int(sel.sum())
        n_gt = int(self.n_gt.sum())
        return n_tp / max(n_det, 1), n_tp / max(n_gt, 1)

    def best_count_threshold(self, lo=0.05, hi=0.95, step=0.0025):
        """The threshold with the lowest count MAE (ties: the middle of the best run, which is the
        one least sensitive to small score shifts)."""
        grid = np.arange(lo, hi + 1e-9, step)
        maes = np.array([self.counts_at(c)["count_mae"] for c in grid])
        best = np.flatnonzero(maes <= maes.min() + 1e-12)
        run_end = best[0]
        while run_end + 1 < len(grid) and run_end + 1 in best:
            run_end += 1
        return float(round(grid[(best[0] + run_end) // 2], 4))
