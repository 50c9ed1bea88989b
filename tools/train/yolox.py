"""YOLOX-nano (Megvii's layout: Focus stem, depthwise CSPDarknet, PAFPN, decoupled head with
objectness), so the COCO-trained weights in `pretrained/yolox_nano_416_coco.onnx` can seed it.

The module names follow YOLOX's own (`backbone.backbone.dark3.1.m.0.conv2.dconv.conv`, ...) with
the head renamed `detect`, so an ONNX initializer maps onto a module by the name of the node that
uses it. The ONNX file has batch norm folded into each convolution (weight + bias); here every
BaseConv keeps a BatchNorm, which `calibrate_batch_norm` sets from one batch of shelf photos so
that the network computes exactly the COCO function on that batch and trains normally after.

Training output per level: [B, 4 + 1 + nc, h, w] = box (dx, dy, log w, log h), objectness logit,
class logits. Export decodes in the graph into the Ultralytics layout the C# detector reads:
cx, cy, w, h in input pixels and score = sigmoid(objectness) * sigmoid(class).
"""
import torch
import torch.nn as nn

from model import STRIDES, Conv

COCO_BOTTLE = 39  # COCO class whose weights seed the `product` class (the nearest packaged product)


class DWConv(nn.Module):
    """Depthwise k x k convolution, then pointwise 1x1 (both Conv-BN-SiLU)."""

    def __init__(self, c_in, c_out, k, s=1):
        super().__init__()
        self.dconv = Conv(c_in, c_in, k, s, groups=c_in)
        self.pconv = Conv(c_in, c_out, 1)

    def forward(self, x):
        return self.pconv(self.dconv(x))


class Focus(nn.Module):
    """Space to depth (2x2 pixels -> 12 channels), then a 3x3 convolution."""

    def __init__(self, c_in, c_out, k=3):
        super().__init__()
        self.conv = Conv(c_in * 4, c_out, k)

    def forward(self, x):
        tl, tr = x[..., ::2, ::2], x[..., ::2, 1::2]
        bl, br = x[..., 1::2, ::2], x[..., 1::2, 1::2]
        return self.conv(torch.cat((tl, bl, tr, br), 1))


class Bottleneck(nn.Module):
    def __init__(self, c_in, c_out, shortcut):
        super().__init__()
        self.conv1 = Conv(c_in, c_out, 1)
        self.conv2 = DWConv(c_out, c_out, 3)
        self.add = shortcut and c_in == c_out

    def forward(self, x):
        y = self.conv2(self.conv1(x))
        return x + y if self.add else y


class CSPLayer(nn.Module):
    def __init__(self, c_in, c_out, n, shortcut=True):
        super().__init__()
        hidden = c_out // 2
        self.conv1 = Conv(c_in, hidden, 1)
        self.conv2 = Conv(c_in, hidden, 1)
        self.conv3 = Conv(2 * hidden, c_out, 1)
        self.m = nn.Sequential(*(Bottleneck(hidden, hidden, shortcut) for _ in range(n)))

    def forward(self, x):
        return self.conv3(torch.cat((self.m(self.conv1(x)), self.conv2(x)), 1))


class SPPBottleneck(nn.Module):
    def __init__(self, c_in, c_out, kernels=(5, 9, 13)):
        super().__init__()
        hidden = c_in // 2
        self.conv1 = Conv(c_in, hidden, 1)
        self.m = nn.ModuleList(nn.MaxPool2d(k, 1, k // 2) for k in kernels)
        self.conv2 = Conv(hidden * (len(kernels) + 1), c_out, 1)

    def forward(self, x):
        x = self.conv1(x)
        return self.conv2(torch.cat([x] + [m(x) for m in self.m], 1))


class CSPDarknet(nn.Module):
    def __init__(self, base=16):
        super().__init__()
        self.stem = Focus(3, base)
        self.dark2 = nn.Sequential(DWConv(base, base * 2, 3, 2), CSPLayer(base * 2, base * 2, 1))
        self.dark3 = nn.Sequential(DWConv(base * 2, base * 4, 3, 2), CSPLayer(base * 4, base * 4, 3))
        self.dark4 = nn.Sequential(DWConv(base * 4, base * 8, 3, 2), CSPLayer(base * 8, base * 8, 3))
        self.dark5 = nn.Sequential(DWConv(base * 8, base * 16, 3, 2), SPPBottleneck(base * 16, base * 16),
                                   CSPLayer(base * 16, base * 16, 1, shortcut=False))

    def forward(self, x):
        x = self.dark2(self.stem(x))
        p3 = self.dark3(x)
        p4 = self.dark4(p3)
        return p3, p4, self.dark5(p4)


class PAFPN(nn.Module):
    def __init__(self, base=16):
        super().__init__()
        c3, c4, c5 = base * 4, base * 8, base * 16
        self.backbone = CSPDarknet(base)
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.lateral_conv0 = Conv(c5, c4, 1)
        self.C3_p4 = CSPLayer(2 * c4, c4, 1, False)
        self.reduce_conv1 = Conv(c4, c3, 1)
        self.C3_p3 = CSPLayer(2 * c3, c3, 1, False)
        self.bu_conv2 = DWConv(c3, c3, 3, 2)
        self.C3_n3 = CSPLayer(2 * c3, c4, 1, False)
        self.bu_conv1 = DWConv(c4, c4, 3, 2)
        self.C3_n4 = CSPLayer(2 * c4, c5, 1, False)

    def forward(self, x):
        x2, x1, x0 = self.backbone(x)
        fpn_out0 = self.lateral_conv0(x0)
        f_out0 = self.C3_p4(torch.cat((self.up(fpn_out0), x1), 1))
        fpn_out1 = self.reduce_conv1(f_out0)
        pan_out2 = self.C3_p3(torch.cat((self.up(fpn_out1), x2), 1))
        pan_out1 = self.C3_n3(torch.cat((self.bu_conv2(pan_out2), fpn_out1), 1))
        pan_out0 = self.C3_n4(torch.cat((self.bu_conv1(pan_out1), fpn_out0), 1))
        return pan_out2, pan_out1, pan_out0


class YoloxHead(nn.Module):
    """Per level: 1x1 stem, two depthwise convs for classes, two for box + objectness."""

    def __init__(self, nc, channels, hidden=64):
        super().__init__()
        self.nc = nc
        self.no = 4 + 1 + nc
        self.stride = torch.tensor(STRIDES, dtype=torch.float)
        self.stems = nn.ModuleList(Conv(c, hidden, 1) for c in channels)
        self.cls_convs = nn.ModuleList(nn.Sequential(DWConv(hidden, hidden, 3), DWConv(hidden, hidden, 3))
                                       for _ in channels)
        self.reg_convs = nn.ModuleList(nn.Sequential(DWConv(hidden, hidden, 3), DWConv(hidden, hidden, 3))
                                       for _ in channels)
        self.cls_preds = nn.ModuleList(nn.Conv2d(hidden, nc, 1) for _ in channels)
        self.reg_preds = nn.ModuleList(nn.Conv2d(hidden, 4, 1) for _ in channels)
        self.obj_preds = nn.ModuleList(nn.Conv2d(hidden, 1, 1) for _ in channels)
        self.export_decode = False  # set by export/validation: the graph then ends in boxes + scores
        self.export_shapes = None  # set by export: per-level (h, w), so the grids become constants
        for cls, obj in zip(self.cls_preds, self.obj_preds):  # YOLOX's prior (0.01) for random heads
            nn.init.constant_(cls.bias, -4.6)
            nn.init.constant_(obj.bias, -4.6)

    def forward(self, feats):
        outs = []
        for i, x in enumerate(feats):
            x = self.stems[i](x)
            reg_feat = self.reg_convs[i](x)
            outs.append(torch.cat((self.reg_preds[i](reg_feat), self.obj_preds[i](reg_feat),
                                   self.cls_preds[i](self.cls_convs[i](x))), 1))
        if not self.export_decode:
            return outs
        return self.decode(outs)

    def decode(self, outs):
        """[B, 4+nc, A]: cx, cy, w, h in input pixels, then sigmoid(obj) * sigmoid(cls)."""
        b = outs[0].shape[0]
        shapes = self.export_shapes or [(int(o.shape[2]), int(o.shape[3])) for o in outs]
        grids, strides = make_grid(shapes, outs[0].dtype, outs[0].device)
        x = torch.cat([o.view(b, self.no, -1) for o in outs], 2)
        reg, obj, cls = x.split((4, 1, self.nc), 1)
        xy = (reg[:, :2] + grids.unsqueeze(0)) * strides
        wh = reg[:, 2:4].exp() * strides
        return torch.cat((xy, wh, obj.sigmoid() * cls.sigmoid()), 1)


def make_grid(shapes, dtype, device):
    """YOLOX's cell origins (integer x, y; the box centre is origin + predicted offset) as [2, A]
    and the strides as [1, A]."""
    grids, strides = [], []
    for (h, w), s in zip(shapes, STRIDES):
        yy, xx = torch.meshgrid(torch.arange(h, dtype=dtype, device=device),
                                torch.arange(w, dtype=dtype, device=device), indexing="ij")
        grids.append(torch.stack((xx, yy), 0).view(2, -1))
        strides.append(torch.full((1, h * w), float(s), dtype=dtype, device=device))
    return torch.cat(grids, 1), torch.cat(strides, 1)


class YoloxNano(nn.Module):
    name = "YOLOX-nano"
    scale = "nano"

    def __init__(self, nc=1):
        super().__init__()
        self.nc = nc
        self.backbone = PAFPN(16)
        self.detect = YoloxHead(nc, (64, 128, 256))
        self.stride = self.detect.stride

    def forward(self, x):
        return self.detect(list(self.backbone(x)))


# --- initialisation from the COCO ONNX export ------------------------------------------------

def onnx_module_path(node_name):
    """'/backbone/backbone/dark2/dark2.0/dconv/conv/Conv' -> 'backbone.backbone.dark2.0.dconv.conv'
    (the exporter writes each scope as its full local name: 'dark2/dark2.0', 'm/m.0')."""
    parts = []
    for seg in node_name.strip("/").split("/")[:-1]:
        if parts and seg.startswith(parts[-1] + "."):
            parts[-1] = seg
        else:
            parts.append(seg)
    path = ".".join(parts)
    return "detect" + path[len("head"):] if path.startswith("head.") else path


def load_onnx_weights(model, onnx_path, class_index=COCO_BOTTLE):
    """Copies every Conv initializer of the YOLOX-nano ONNX export onto the module of the same name.
    A BaseConv's folded bias goes to its BatchNorm (identity until `calibrate_batch_norm`). The
    single-class head starts from one COCO class's weights. The network takes RGB 0..1 where the
    export takes BGR 0..255: the stem convolution absorbs both. Returns the number of tensors set."""
    import numpy as np
    import onnx
    from onnx import numpy_helper

    proto = onnx.load(onnx_path)
    inits = {i.name: i for i in proto.graph.initializer}
    modules = dict(model.named_modules())
    loaded = set()
    with torch.no_grad():
        for node in proto.graph.node:
            if node.op_type != "Conv":
                continue
            path = onnx_module_path(node.name)
            w = torch.from_numpy(np.array(numpy_helper.to_array(inits[node.input[1]])))
            b = torch.from_numpy(np.array(numpy_helper.to_array(inits[node.input[2]])))
            if path.endswith(".conv") and isinstance(modules.get(path[:-5]), Conv):
                unit = modules[path[:-5]]
                if path == "backbone.backbone.stem.conv.conv":
                    # 12 input channels = 4 pixel positions x (B, G, R) at 0..255 -> (R, G, B) at 0..1
                    w = w.view(w.shape[0], 4, 3, *w.shape[2:]).flip(2).reshape(w.shape) * 255.0
                _copy(unit.conv.weight, w, path)
                bn = unit.bn
                bn.weight.fill_(1.0)
                bn.bias.copy_(b)
                bn.running_mean.zero_()
                bn.running_var.fill_(1.0 - bn.eps)  # eval-mode BN is then exactly "+ bias"
                loaded.add(path[:-5])
            elif isinstance(modules.get(path), nn.Conv2d):
                conv = modules[path]
                if ".cls_preds." in path and conv.out_channels != w.shape[0]:
                    w, b = w[[class_index] * conv.out_channels], b[[class_index] * conv.out_channels]
                _copy(conv.weight, w, path)
                conv.bias.copy_(b)
                loaded.add(path)
            else:
                raise ValueError(f"{onnx_path}: node {node.name} maps to '{path}', which is not a "
                                 f"convolution of {type(model).__name__}")
    units = {n for n, m in model.named_modules() if isinstance(m, Conv)}
    bare = {n for n, m in model.named_modules()
            if isinstance(m, nn.Conv2d) and not (n.endswith(".conv") and n[:-5] in units)}
    expected = units | bare
    missing = sorted(expected - loaded)
    if missing:
        raise ValueError(f"{onnx_path}: no weights for {len(missing)} layers of {type(model).__name__}, "
                         f"e.g. {missing[:3]}: not a YOLOX-nano export?")
    return len(loaded)


def _copy(param, value, path):
    if tuple(param.shape) != tuple(value.shape):
        raise ValueError(f"{path}: the ONNX weight has shape {tuple(value.shape)}, the model {tuple(param.shape)}")
    param.copy_(value)


@torch.no_grad()
def calibrate_batch_norm(model, images):
    """Sets every BatchNorm so that, on this batch, it passes its input through plus the folded
    bias: running statistics = the batch's, weight = std, bias = mean + folded bias. Train-mode BN
    then starts as (almost) the COCO network instead of re-normalising every layer at step 1."""
    hooks = []

    def pre_hook(bn, inputs):
        x = inputs[0]
        mean = x.mean((0, 2, 3))
        var = x.var((0, 2, 3), unbiased=False)
        folded_bias = bn.bias.clone()
        bn.running_mean.copy_(mean)
        bn.running_var.copy_(var)
        bn.weight.copy_(torch.sqrt(var + bn.eps))
        bn.bias.copy_(mean + folded_bias)

    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            hooks.append(m.register_forward_pre_hook(pre_hook))
    was_training = model.training
    model.eval()  # eval: each BN uses the statistics its hook just set, layer after layer
    try:
        model(images)
    finally:
        for h in hooks:
            h.remove()
        model.train(was_training)
