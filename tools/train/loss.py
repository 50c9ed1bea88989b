"""Detection loss: task-aligned assignment (TOOD), CIoU + DFL for boxes, BCE for classes.

The gains, top-k and alpha/beta are YOLOv8's published defaults. Boxes are xyxy throughout;
predicted boxes are decoded from the DFL bins in grid units and compared in pixels for assignment.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from model import REG_MAX, STRIDES, make_anchors


def box_iou_pairs(a, b, ciou=False, eps=1e-7):
    """IoU (or CIoU) of matching rows of a and b, xyxy, shape [..., 4] -> [...]."""
    ax1, ay1, ax2, ay2 = a.unbind(-1)
    bx1, by1, bx2, by2 = b.unbind(-1)
    w1, h1 = ax2 - ax1, ay2 - ay1 + eps
    w2, h2 = bx2 - bx1, by2 - by1 + eps
    inter = (torch.min(ax2, bx2) - torch.max(ax1, bx1)).clamp(0) * (torch.min(ay2, by2) - torch.max(ay1, by1)).clamp(0)
    union = w1 * h1 + w2 * h2 - inter + eps
    iou = inter / union
    if not ciou:
        return iou
    cw = torch.max(ax2, bx2) - torch.min(ax1, bx1)
    ch = torch.max(ay2, by2) - torch.min(ay1, by1)
    c2 = cw ** 2 + ch ** 2 + eps
    rho2 = ((bx1 + bx2 - ax1 - ax2) ** 2 + (by1 + by2 - ay1 - ay2) ** 2) / 4
    v = (4 / math.pi ** 2) * (torch.atan(w2 / h2) - torch.atan(w1 / h1)) ** 2
    with torch.no_grad():
        alpha = v / (v - iou + (1 + eps))
    return iou - (rho2 / c2 + v * alpha)


class TaskAlignedAssigner(nn.Module):
    """Each object takes the top-k anchors inside it by score^alpha * IoU^beta; an anchor claimed
    by several objects goes to the one it overlaps most. Targets are soft: the normalised metric."""

    def __init__(self, topk=10, nc=1, alpha=0.5, beta=6.0, eps=1e-9):
        super().__init__()
        self.topk, self.nc, self.alpha, self.beta, self.eps = topk, nc, alpha, beta, eps

    @torch.no_grad()
    def forward(self, pd_scores, pd_bboxes, anc_points, gt_labels, gt_bboxes, mask_gt):
        # pd_scores [B,A,nc] (sigmoid), pd_bboxes [B,A,4] px, anc_points [A,2] px,
        # gt_labels [B,M,1], gt_bboxes [B,M,4] px, mask_gt [B,M,1]
        b, m = gt_bboxes.shape[:2]
        a = pd_scores.shape[1]
        device = pd_scores.device
        if m == 0:
            return (torch.zeros_like(pd_bboxes), torch.zeros_like(pd_scores),
                    torch.zeros((b, a), dtype=torch.bool, device=device))
        # Anchor centres strictly inside each object: [B, M, A] (four comparisons, no [B,M,A,4] tensor)
        ax = anc_points[:, 0].view(1, 1, a)
        ay = anc_points[:, 1].view(1, 1, a)
        x1, y1, x2, y2 = (gt_bboxes[..., i:i + 1] for i in range(4))
        cand = (ax - x1 > self.eps) & (x2 - ax > self.eps) & (ay - y1 > self.eps) & (y2 - ay > self.eps)
        cand &= mask_gt.bool()

        # Scores and IoUs only where an anchor is inside an object; the dense maps stay zero elsewhere.
        bi, gi, ai = cand.nonzero(as_tuple=True)
        labels = gt_labels.long().squeeze(-1)  # [B, M]
        cand_scores = pd_scores[bi, ai, labels[bi, gi]]
        cand_iou = box_iou_pairs(gt_bboxes[bi, gi], pd_bboxes[bi, ai], ciou=True).clamp(0).to(pd_bboxes.dtype)
        overlaps = torch.zeros((b, m, a), dtype=pd_bboxes.dtype, device=device)
        overlaps[bi, gi, ai] = cand_iou
        align = torch.zeros((b, m, a), dtype=pd_scores.dtype, device=device)
        align[bi, gi, ai] = cand_scores.pow(self.alpha) * cand_iou.pow(self.beta)

        # Top-k anchors per object among its candidates.
        k = min(self.topk, a)
        topk_idx = torch.topk(align, k, dim=-1).indices  # [B, M, k]
        mask_pos = torch.zeros_like(cand)
        mask_pos.scatter_(-1, topk_idx, True)
        mask_pos &= cand

        # An anchor claimed by several objects goes to the object it overlaps most.
        fg = mask_pos.sum(1)  # [B, A]
        if (fg > 1).any():
            multi = (fg > 1).unsqueeze(1)
            best = overlaps.argmax(1)  # [B, A]
            is_best = torch.zeros_like(mask_pos)
            is_best.scatter_(1, best.unsqueeze(1), True)
            mask_pos = torch.where(multi, is_best & cand, mask_pos)
            fg = mask_pos.sum(1)
        fg_mask = fg > 0
        target_gt = mask_pos.to(torch.uint8).argmax(1)  # [B, A]

        batch_off = torch.arange(b, device=device).unsqueeze(1) * m
        flat = (target_gt + batch_off).view(-1)
        target_labels = labels.view(-1)[flat].view(b, a).clamp(0)
        target_bboxes = gt_bboxes.view(-1, 4)[flat].view(b, a, 4)
        target_scores = F.one_hot(target_labels, self.nc).to(pd_scores.dtype)
        target_scores = target_scores * fg_mask.unsqueeze(-1)

        # Soft targets: each object's best anchor gets its best IoU, the others scale down with it.
        align *= mask_pos
        overlaps *= mask_pos
        pos_align = align.amax(-1, keepdim=True)
        pos_overlap = overlaps.amax(-1, keepdim=True)
        norm = (align * pos_overlap / (pos_align + self.eps)).amax(1).unsqueeze(-1)  # [B, A, 1]
        return target_bboxes, target_scores * norm, fg_mask


class DetectionLoss:
    """For the DFL head (ShelfDetector): CIoU + DFL box loss, BCE on the class scores."""

    def __init__(self, nc, box_gain=7.5, cls_gain=0.5, dfl_gain=1.5, topk=10):
        self.nc = nc
        self.gains = (box_gain, cls_gain, dfl_gain)
        self.assigner = TaskAlignedAssigner(topk=topk, nc=nc)
        self.bce = nn.BCEWithLogitsLoss(reduction="none")
        self.proj = torch.arange(REG_MAX, dtype=torch.float)

    def decode(self, x, anchors):
        """x [B, no, A] -> (boxes xyxy in grid units [B, A, 4], score logits [B, A, nc], raw box
        outputs [B, A, 4*REG_MAX])."""
        b = x.shape[0]
        pred_distri, pred_scores = x.split((4 * REG_MAX, self.nc), 1)
        pred_distri = pred_distri.permute(0, 2, 1).contiguous()  # [B, A, 64]
        pred_scores = pred_scores.permute(0, 2, 1).contiguous()  # [B, A, nc]
        proj = self.proj.to(x.device, pred_distri.dtype)
        dist = pred_distri.view(b, -1, 4, REG_MAX).softmax(3).matmul(proj)  # [B, A, 4] in grid units
        pred_bboxes = torch.cat((anchors - dist[..., :2], anchors + dist[..., 2:]), -1)
        return pred_bboxes, pred_scores, pred_distri

    def score_probability(self, scores):
        return scores.sigmoid()

    def score_loss(self, scores, target):
        return self.bce(scores.float(), target.float())

    def __call__(self, feats, targets):
        """feats: the model's training outputs; targets [M, 6] (batch index, cls, x1, y1, x2, y2) px.
        Returns (loss to back-propagate, detached [box, cls, dfl] for logging)."""
        device = feats[0].device
        b = feats[0].shape[0]
        no = feats[0].shape[1]
        x = torch.cat([f.view(b, no, -1) for f in feats], 2)
        shapes = [(f.shape[2], f.shape[3]) for f in feats]
        anchors, strides = make_anchors(shapes, STRIDES, torch.float32, device)

        # Pad targets into [B, Mmax, 5]
        counts = torch.bincount(targets[:, 0].long(), minlength=b) if len(targets) else torch.zeros(b, dtype=torch.long)
        mmax = int(counts.max()) if len(targets) else 0
        gt = torch.zeros((b, mmax, 5), device=device)
        if mmax:
            bi = targets[:, 0].long()
            bi, order = torch.sort(bi)  # grouped by image; order within an image does not matter
            starts = torch.cumsum(counts, 0) - counts
            slot = torch.arange(len(bi), device=bi.device) - starts[bi]
            gt[bi.to(device), slot.to(device)] = targets[order, 1:].to(device)
        gt_labels, gt_bboxes = gt.split((1, 4), 2)
        mask_gt = gt_bboxes.sum(2, keepdim=True).gt(0)

        pred_bboxes, pred_scores, pred_distri = self.decode(x, anchors)
        target_bboxes, target_scores, fg_mask = self.assigner(
            self.score_probability(pred_scores.detach()).float(), (pred_bboxes.detach() * strides).float(),
            anchors * strides, gt_labels, gt_bboxes, mask_gt)
        target_scores_sum = max(target_scores.sum().item(), 1.0)

        loss_cls = self.score_loss(pred_scores, target_scores).sum() / target_scores_sum
        loss_box = torch.zeros((), device=device)
        loss_dfl = torch.zeros((), device=device)
        if fg_mask.any():
            tb = target_bboxes / strides  # grid units
            weight = target_scores.sum(-1)[fg_mask].unsqueeze(-1)
            iou = box_iou_pairs(pred_bboxes[fg_mask].float(), tb[fg_mask], ciou=True)
            loss_box = ((1.0 - iou).unsqueeze(-1) * weight).sum() / target_scores_sum
            if pred_distri is not None:
                anc = anchors.unsqueeze(0).expand(b, -1, -1)[fg_mask]
                t = tb[fg_mask]
                ltrb = torch.cat((anc - t[:, :2], t[:, 2:] - anc), -1).clamp(0, REG_MAX - 1 - 0.01)
                loss_dfl = (self._dfl(pred_distri[fg_mask].view(-1, REG_MAX).float(), ltrb) * weight).sum() / target_scores_sum
        parts = torch.stack((loss_box * self.gains[0], loss_cls * self.gains[1], loss_dfl * self.gains[2]))
        # Scaled by the batch size, as YOLOv8 does, so the nominal-batch accumulation keeps its meaning.
        return parts.sum() * b, parts.detach()

    @staticmethod
    def _dfl(pred_dist, target):
        """Distribution focal loss: cross-entropy to the two bins around the continuous target."""
        tl = target.long()
        tr = tl + 1
        wl = tr - target
        wr = 1 - wl
        ce_l = F.cross_entropy(pred_dist, tl.view(-1), reduction="none").view(tl.shape)
        ce_r = F.cross_entropy(pred_dist, tr.view(-1), reduction="none").view(tl.shape)
        return (ce_l * wl + ce_r * wr).mean(-1, keepdim=True)


class ObjectnessDetectionLoss(DetectionLoss):
    """For the YOLOX head: the same assignment and CIoU box loss; the score is sigmoid(objectness)
    x sigmoid(class), the figure export writes, and the BCE is taken on that product (in log space),
    so training optimises the score the detector thresholds. Boxes are centre offsets from the cell
    origin and log sizes, in grid units; no DFL term."""

    def decode(self, x, anchors):
        reg, obj, cls = x.split((4, 1, self.nc), 1)
        reg = reg.permute(0, 2, 1)
        origins = anchors - 0.5  # make_anchors gives cell centres; YOLOX offsets from the corner
        xy = origins + reg[..., :2]
        wh = reg[..., 2:4].float().clamp(max=10.0).exp()  # clamp: a diverging step cannot give inf
        pred_bboxes = torch.cat((xy - wh / 2, xy + wh / 2), -1)
        log_scores = F.logsigmoid(obj.float()) + F.logsigmoid(cls.float())  # log score [B, nc, A]
        return pred_bboxes, log_scores.permute(0, 2, 1).contiguous(), None

    def score_probability(self, log_scores):
        return log_scores.exp()

    def score_loss(self, log_scores, target):
        log_not = torch.log((-torch.expm1(log_scores)).clamp(min=1e-7))  # log(1 - score)
        target = target.float()
        return -(target * log_scores + (1 - target) * log_not)
