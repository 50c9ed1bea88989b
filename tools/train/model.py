"""YOLOv8-style anchor-free detector: C2f backbone, SPPF, PAN neck, decoupled head with DFL.

The layer graph follows the published YOLOv8 design (so `--scale n` has YOLOv8n's widths and
depths), written here so the project owns every line it trains and exports. Only standard ops are
used (Conv, BatchNorm, SiLU, MaxPool, nearest Upsample, Softmax), so the graph exports with opset 17
on PyTorch 1.13 and 2.x alike.
"""
import math

import torch
import torch.nn as nn

# depth multiple, width multiple, max channels: YOLOv8's published scales.
SCALES = {
    "n": (0.33, 0.25, 1024),
    "s": (0.33, 0.50, 1024),
    "m": (0.67, 0.75, 768),
}
STRIDES = (8, 16, 32)
REG_MAX = 16  # DFL bins per box side


class Conv(nn.Module):
    """Conv2d + BatchNorm + SiLU, the unit every block is built from."""

    def __init__(self, c_in, c_out, k=1, s=1, groups=1):
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out, k, s, k // 2, groups=groups, bias=False)
        self.bn = nn.BatchNorm2d(c_out, eps=1e-3, momentum=0.03)
        self.act = nn.SiLU(inplace=True)

    def forward(self, x):
        return self.act(self.bn(self.conv(x)))


class Bottleneck(nn.Module):
    def __init__(self, c, shortcut):
        super().__init__()
        self.cv1 = Conv(c, c, 3)
        self.cv2 = Conv(c, c, 3)
        self.add = shortcut

    def forward(self, x):
        y = self.cv2(self.cv1(x))
        return x + y if self.add else y


class C2f(nn.Module):
    """CSP block with two convolutions; every bottleneck's output is kept and concatenated."""

    def __init__(self, c_in, c_out, n, shortcut):
        super().__init__()
        self.c = c_out // 2
        self.cv1 = Conv(c_in, 2 * self.c, 1)
        self.cv2 = Conv((2 + n) * self.c, c_out, 1)
        self.m = nn.ModuleList(Bottleneck(self.c, shortcut) for _ in range(n))

    def forward(self, x):
        y = list(self.cv1(x).chunk(2, 1))
        for m in self.m:
            y.append(m(y[-1]))
        return self.cv2(torch.cat(y, 1))


class SPPF(nn.Module):
    """Spatial pyramid pooling (fast): three chained 5x5 max-pools, concatenated."""

    def __init__(self, c_in, c_out, k=5):
        super().__init__()
        c_hidden = c_in // 2
        self.cv1 = Conv(c_in, c_hidden, 1)
        self.cv2 = Conv(c_hidden * 4, c_out, 1)
        self.m = nn.MaxPool2d(k, 1, k // 2)

    def forward(self, x):
        y = [self.cv1(x)]
        for _ in range(3):
            y.append(self.m(y[-1]))
        return self.cv2(torch.cat(y, 1))


class DFL(nn.Module):
    """Distribution focal loss integral: expected value of a softmax over REG_MAX bins."""

    def __init__(self, bins=REG_MAX):
        super().__init__()
        self.conv = nn.Conv2d(bins, 1, 1, bias=False).requires_grad_(False)
        self.conv.weight.data[:] = torch.arange(bins, dtype=torch.float).view(1, bins, 1, 1)
        self.bins = bins

    def forward(self, x):
        b, _, a = x.shape  # x: [B, 4*bins, A]
        return self.conv(x.view(b, 4, self.bins, a).transpose(2, 1).softmax(1)).view(b, 4, a)


def make_anchors(shapes, strides, dtype, device, offset=0.5):
    """Anchor centres (in grid units) and their strides for each level's (h, w)."""
    points, stride_list = [], []
    for (h, w), s in zip(shapes, strides):
        sx = torch.arange(w, dtype=dtype, device=device) + offset
        sy = torch.arange(h, dtype=dtype, device=device) + offset
        yy, xx = torch.meshgrid(sy, sx, indexing="ij")
        points.append(torch.stack((xx, yy), -1).view(-1, 2))
        stride_list.append(torch.full((h * w, 1), float(s), dtype=dtype, device=device))
    return torch.cat(points), torch.cat(stride_list)


class Detect(nn.Module):
    """Decoupled head: a box branch (4*REG_MAX DFL logits) and a class branch per level."""

    def __init__(self, nc, channels):
        super().__init__()
        self.nc = nc
        self.no = nc + 4 * REG_MAX
        self.stride = torch.tensor(STRIDES, dtype=torch.float)
        c_box = max(16, channels[0] // 4, REG_MAX * 4)
        c_cls = max(channels[0], min(nc, 100))
        self.cv2 = nn.ModuleList(
            nn.Sequential(Conv(c, c_box, 3), Conv(c_box, c_box, 3), nn.Conv2d(c_box, 4 * REG_MAX, 1)) for c in channels)
        self.cv3 = nn.ModuleList(
            nn.Sequential(Conv(c, c_cls, 3), Conv(c_cls, c_cls, 3), nn.Conv2d(c_cls, nc, 1)) for c in channels)
        self.dfl = DFL()
        self.export_decode = False  # set by export: the graph then ends in boxes + sigmoid scores
        self.export_shapes = None  # set by export: per-level (h, w), so anchors become constants

    def init_bias(self, imgsz=640):
        # Box logits start equal; class logits start at a prior of ~5 objects per 640-px image per
        # level, so early training is not swamped by a loss on 8,400 confident negatives.
        for box, cls, s in zip(self.cv2, self.cv3, STRIDES):
            box[-1].bias.data[:] = 1.0
            cls[-1].bias.data[: self.nc] = math.log(5 / self.nc / (imgsz / s) ** 2)

    def forward(self, feats):
        outs = [torch.cat((self.cv2[i](x), self.cv3[i](x)), 1) for i, x in enumerate(feats)]
        if not self.export_decode:
            return outs  # training: raw per-level maps [B, 4*REG_MAX+nc, h, w]
        return self.decode(outs)

    def decode(self, outs):
        """[B, 4+nc, A]: cx, cy, w, h in input pixels, then sigmoid class scores (Ultralytics layout)."""
        b = outs[0].shape[0]
        shapes = self.export_shapes or [(int(o.shape[2]), int(o.shape[3])) for o in outs]
        anchors, strides = make_anchors(shapes, STRIDES, outs[0].dtype, outs[0].device)
        anchors, strides = anchors.transpose(0, 1), strides.transpose(0, 1)
        x = torch.cat([o.view(b, self.no, -1) for o in outs], 2)
        box, cls = x.split((4 * REG_MAX, self.nc), 1)
        lt, rb = self.dfl(box).chunk(2, 1)
        x1y1 = anchors.unsqueeze(0) - lt
        x2y2 = anchors.unsqueeze(0) + rb
        cxcy = (x1y1 + x2y2) / 2
        wh = x2y2 - x1y1
        dbox = torch.cat((cxcy, wh), 1) * strides.unsqueeze(0)
        return torch.cat((dbox, cls.sigmoid()), 1)


class ShelfDetector(nn.Module):
    def __init__(self, nc=1, scale="n"):
        super().__init__()
        if scale not in SCALES:
            raise ValueError(f"unknown scale '{scale}': choose one of {', '.join(SCALES)}")
        depth, width, max_ch = SCALES[scale]
        self.nc, self.scale = nc, scale
        self.name = f"ShelfDetector-{scale}"

        def ch(c):
            return int(math.ceil(min(c, max_ch) * width / 8) * 8)

        def n(k):
            return max(round(k * depth), 1)

        c1, c2, c3, c4, c5 = ch(64), ch(128), ch(256), ch(512), ch(1024)
        # Backbone
        self.b0 = Conv(3, c1, 3, 2)              # P1/2
        self.b1 = Conv(c1, c2, 3, 2)             # P2/4
        self.b2 = C2f(c2, c2, n(3), True)
        self.b3 = Conv(c2, c3, 3, 2)             # P3/8
        self.b4 = C2f(c3, c3, n(6), True)
        self.b5 = Conv(c3, c4, 3, 2)             # P4/16
        self.b6 = C2f(c4, c4, n(6), True)
        self.b7 = Conv(c4, c5, 3, 2)             # P5/32
        self.b8 = C2f(c5, c5, n(3), True)
        self.b9 = SPPF(c5, c5)
        # PAN neck: top-down then bottom-up
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.h12 = C2f(c5 + c4, c4, n(3), False)
        self.h15 = C2f(c4 + c3, c3, n(3), False)   # P3 out
        self.h16 = Conv(c3, c3, 3, 2)
        self.h18 = C2f(c3 + c4, c4, n(3), False)   # P4 out
        self.h19 = Conv(c4, c4, 3, 2)
        self.h21 = C2f(c4 + c5, c5, n(3), False)   # P5 out
        self.detect = Detect(nc, (c3, c4, c5))
        self.stride = self.detect.stride
        self.detect.init_bias()

    def forward(self, x):
        x = self.b2(self.b1(self.b0(x)))
        p3 = self.b4(self.b3(x))
        p4 = self.b6(self.b5(p3))
        p5 = self.b9(self.b8(self.b7(p4)))
        t4 = self.h12(torch.cat((self.up(p5), p4), 1))
        o3 = self.h15(torch.cat((self.up(t4), p3), 1))
        o4 = self.h18(torch.cat((self.h16(o3), t4), 1))
        o5 = self.h21(torch.cat((self.h19(o4), p5), 1))
        return self.detect([o3, o4, o5])


ARCHS = ("shelf", "yolox-nano")


def build_model(arch="shelf", nc=1, scale="n"):
    """The network a run trains: `shelf` (ShelfDetector, YOLOv8 layout, `scale` n/s/m) or
    `yolox-nano` (YOLOX-nano layout, the one the shipped COCO weights fit)."""
    if arch == "shelf":
        return ShelfDetector(nc=nc, scale=scale)
    if arch == "yolox-nano":
        from yolox import YoloxNano
        return YoloxNano(nc=nc)
    raise ValueError(f"unknown architecture '{arch}': choose one of {', '.join(ARCHS)}")


def count_params(model):
    return sum(p.numel() for p in model.parameters())


def count_gflops(model, imgsz=640):
    """Multiply-accumulates x2 of every Conv2d at this input size, as Ultralytics reports GFLOPs."""
    total = [0]

    def hook(m, inp, out):
        k = m.kernel_size[0] * m.kernel_size[1] * (m.in_channels // m.groups)
        total[0] += 2 * k * out.numel() // out.shape[0]

    hooks = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, nn.Conv2d)]
    was_training = model.training
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, 3, imgsz, imgsz))
    model.train(was_training)
    for h in hooks:
        h.remove()
    return total[0] / 1e9
