"""YOLO-format shelf dataset with augmentation for dense scenes.

Layout: DIR/images/{train,val}/*.jpg and DIR/labels/{train,val}/<stem>.txt, one `cls cx cy w h`
line per object, normalised to the image. Images are decoded once and kept in memory (a 1024-px
photo is ~2 MB; the 246-photo set fits in ~0.6 GB) so each epoch costs only the augmentation.

Every sample's augmentation draws from its own generator seeded by (seed, epoch, index): a run is
reproducible whatever the number of loader workers, and a resumed run continues the same sequence.
"""
import glob
import os

import cv2
import numpy as np
import torch

IMAGE_EXTS = (".jpg", ".jpeg", ".png", ".bmp", ".webp")
PAD_VALUE = 114  # letterbox grey, the same value the C# detector and Ultralytics use


def list_split(root, split):
    img_dir = os.path.join(root, "images", split)
    lbl_dir = os.path.join(root, "labels", split)
    if not os.path.isdir(img_dir):
        raise FileNotFoundError(f"{img_dir}: no such folder (expected DIR/images/{split} and DIR/labels/{split})")
    files = sorted(f for f in glob.glob(os.path.join(img_dir, "*")) if f.lower().endswith(IMAGE_EXTS))
    if not files:
        raise FileNotFoundError(f"{img_dir}: no images ({', '.join(IMAGE_EXTS)})")
    pairs = []
    for f in files:
        stem = os.path.splitext(os.path.basename(f))[0]
        pairs.append((f, os.path.join(lbl_dir, stem + ".txt")))
    return pairs


def kfold_split(root, folds, fold):
    """Cross-validation over all the labelled photos (train + val pooled): returns (train pairs,
    held-out pairs) of fold `fold` of `folds`. The photos are ordered by file name and shuffled by a
    fixed generator (not the run's seed), so every run and machine sees the same folds."""
    if folds < 2 or not 0 <= fold < folds:
        raise ValueError(f"--folds {folds} --fold {fold}: need folds >= 2 and 0 <= fold < folds")
    pairs = sorted(list_split(root, "train") + list_split(root, "val"), key=lambda p: os.path.basename(p[0]))
    order = np.random.default_rng(20261207).permutation(len(pairs))
    held = [pairs[j] for k, j in enumerate(order) if k % folds == fold]
    rest = [pairs[j] for k, j in enumerate(order) if k % folds != fold]
    return rest, held


def read_labels(path, nc):
    """[M, 5] float32 (cls, cx, cy, w, h normalised). A missing file means an image with no objects."""
    if not os.path.exists(path):
        return np.zeros((0, 5), np.float32)
    rows = []
    with open(path) as fh:
        for n, line in enumerate(fh, 1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 5:
                raise ValueError(f"{path}:{n}: expected 'cls cx cy w h', got {line.strip()!r}")
            cls, cx, cy, w, h = (float(p) for p in parts)
            if cls != int(cls) or not 0 <= cls < nc:
                raise ValueError(f"{path}:{n}: class {parts[0]} is not in 0..{nc - 1}")
            if w <= 0 or h <= 0:
                continue  # degenerate box: nothing to learn from it
            rows.append((cls, cx, cy, w, h))
    return np.array(rows, np.float32).reshape(-1, 5)


def load_image(path, max_side):
    img = cv2.imread(path, cv2.IMREAD_COLOR)
    if img is None:
        raise ValueError(f"{path}: cannot decode the image")
    img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
    h, w = img.shape[:2]
    if max(h, w) > max_side:
        r = max_side / max(h, w)
        img = cv2.resize(img, (round(w * r), round(h * r)), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(img)


def letterbox(img, size):
    """Resize keeping the aspect ratio, centred on a size x size grey canvas (as the C# detector does).
    Returns the canvas, the scale and the (left, top) padding."""
    h, w = img.shape[:2]
    r = min(size / h, size / w)
    nw, nh = round(w * r), round(h * r)
    canvas = np.full((size, size, 3), PAD_VALUE, np.uint8)
    left, top = (size - nw) // 2, (size - nh) // 2
    interp = cv2.INTER_AREA if r < 1 else cv2.INTER_LINEAR
    canvas[top:top + nh, left:left + nw] = cv2.resize(img, (nw, nh), interpolation=interp)
    return canvas, r, (left, top)


def xywhn_to_xyxy(labels, w, h):
    out = np.empty((len(labels), 4), np.float32)
    out[:, 0] = (labels[:, 1] - labels[:, 3] / 2) * w
    out[:, 1] = (labels[:, 2] - labels[:, 4] / 2) * h
    out[:, 2] = (labels[:, 1] + labels[:, 3] / 2) * w
    out[:, 3] = (labels[:, 2] + labels[:, 4] / 2) * h
    return out


class ShelfDataset(torch.utils.data.Dataset):
    """Train mode: mosaic of four randomly scaled crops (or one scaled crop of one photo when mosaic
    is off), HSV jitter, horizontal flip. Val mode: plain letterbox, as at inference."""

    def __init__(self, root, split, imgsz, nc=1, train=True, seed=0, mosaic=1.0, scale=0.5,
                 hsv=(0.015, 0.7, 0.4), fliplr=0.5, min_visible=0.4, limit=None, pairs=None, view=None):
        """`split` names DIR/images/<split>; `pairs` (image, label) paths, when given, replace it.
        `view` (train mode): photos are seen at the scale of a `view`-px letterbox, the size the model
        will run at, and each training image is an imgsz crop of that (default: imgsz, whole photos)."""
        pairs = pairs if pairs is not None else list_split(root, split)
        self.pairs = pairs[:limit] if limit else pairs
        self.imgsz, self.train, self.seed = imgsz, train, seed
        self.mosaic, self.scale, self.hsv, self.fliplr = mosaic, scale, hsv, fliplr
        self.min_visible = min_visible
        self.epoch = 0
        self.view = view or imgsz
        # Keep up to 1.6x the view size: random zoom-in then samples real pixels, not upscaled ones.
        self.max_side = int(max(self.view, imgsz) * 1.6)
        self.images, self.boxes, self.classes = [], [], []
        for img_path, lbl_path in self.pairs:
            img = load_image(img_path, self.max_side)
            lab = read_labels(lbl_path, nc)
            h, w = img.shape[:2]
            box = xywhn_to_xyxy(lab, w, h)
            box[:, [0, 2]] = box[:, [0, 2]].clip(0, w)
            box[:, [1, 3]] = box[:, [1, 3]].clip(0, h)
            self.images.append(img)
            self.boxes.append(box)
            self.classes.append(lab[:, 0].astype(np.int64))
        # Half-size copies, so strong zoom-out is resampled from an image near the target scale
        # (warpAffine's bilinear filter aliases when shrinking by more than 2x).
        self.halves = [cv2.resize(im, (im.shape[1] // 2, im.shape[0] // 2), interpolation=cv2.INTER_AREA)
                       for im in self.images] if train else None

    def __len__(self):
        return len(self.images)

    def set_epoch(self, epoch, mosaic=None):
        self.epoch = epoch
        if mosaic is not None:
            self.mosaic = mosaic

    @property
    def instance_count(self):
        return int(sum(len(b) for b in self.boxes))

    def __getitem__(self, index):
        if not self.train:
            img, r, (left, top) = letterbox(self.images[index], self.imgsz)
            boxes = self.boxes[index] * r + np.array([left, top, left, top], np.float32)
            return self._to_tensors(img, boxes, self.classes[index], index)
        rng = np.random.default_rng((self.seed, self.epoch, index))
        if rng.random() < self.mosaic:
            img, boxes, classes = self._mosaic(index, rng)
        else:
            img, boxes, classes = self._scaled_view(index, rng)
        self._hsv(img, rng)
        if rng.random() < self.fliplr:
            img = np.ascontiguousarray(img[:, ::-1])
            boxes = boxes.copy()
            boxes[:, [0, 2]] = self.imgsz - boxes[:, [2, 0]]
        return self._to_tensors(img, boxes, classes, index)

    # --- augmentation -----------------------------------------------------------------------

    def _paste(self, canvas, index, rect, zoom, rng, centre=False):
        """Fills canvas[rect] with photo `index` seen at `zoom` x its letterbox scale, from a random
        (or centred) window. Returns the boxes that stay at least min_visible visible."""
        x0, y0, x1, y1 = rect
        qw, qh = x1 - x0, y1 - y0
        img, boxes = self.images[index], self.boxes[index]
        h, w = img.shape[:2]
        g = zoom * self.view / max(h, w)  # output pixels per source pixel
        src = img
        if g < 0.5 and self.halves is not None:
            src, g_src = self.halves[index], g * 2
        else:
            g_src = g
        sw, sh = w * g, h * g  # photo size at this zoom, in output pixels
        # Window origin in the zoomed photo: random where the photo is larger than the cell,
        # otherwise the photo lands at a random place inside the cell.
        ox = rng.uniform(0, sw - qw) if sw > qw else -rng.uniform(0, qw - sw)
        oy = rng.uniform(0, sh - qh) if sh > qh else -rng.uniform(0, qh - sh)
        if centre:
            ox, oy = (sw - qw) / 2, (sh - qh) / 2
        m = np.array([[g_src, 0, -ox], [0, g_src, -oy]], np.float32)
        canvas[y0:y1, x0:x1] = cv2.warpAffine(src, m, (qw, qh), flags=cv2.INTER_LINEAR,
                                              borderMode=cv2.BORDER_CONSTANT,
                                              borderValue=(PAD_VALUE, PAD_VALUE, PAD_VALUE))
        b = boxes * g - np.array([ox, oy, ox, oy], np.float32)
        area = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
        b[:, [0, 2]] = b[:, [0, 2]].clip(0, qw)
        b[:, [1, 3]] = b[:, [1, 3]].clip(0, qh)
        bw, bh = b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]
        # A product cut to a sliver at the window edge is dropped rather than taught as a product.
        keep = (bw > 2) & (bh > 2) & (bw * bh >= self.min_visible * np.maximum(area, 1e-6))
        b = b[keep] + np.array([x0, y0, x0, y0], np.float32)
        return b, self.classes[index][keep]

    def _zoom(self, rng):
        return rng.uniform(1 - self.scale, 1 + self.scale)

    def _mosaic(self, index, rng):
        s = self.imgsz
        canvas = np.full((s, s, 3), PAD_VALUE, np.uint8)
        xc = int(rng.uniform(0.25, 0.75) * s)
        yc = int(rng.uniform(0.25, 0.75) * s)
        others = rng.integers(0, len(self), 3)
        cells = [(0, 0, xc, yc), (xc, 0, s, yc), (0, yc, xc, s), (xc, yc, s, s)]
        all_b, all_c = [], []
        for idx, rect in zip([index, *others.tolist()], cells):
            if rect[2] - rect[0] < 4 or rect[3] - rect[1] < 4:
                continue
            b, c = self._paste(canvas, idx, rect, self._zoom(rng), rng)
            all_b.append(b)
            all_c.append(c)
        return canvas, np.concatenate(all_b), np.concatenate(all_c)

    def _scaled_view(self, index, rng):
        """One photo, letterboxed at a random zoom and shift: close to what inference sees."""
        s = self.imgsz
        canvas = np.full((s, s, 3), PAD_VALUE, np.uint8)
        b, c = self._paste(canvas, index, (0, 0, s, s), self._zoom(rng), rng)
        return canvas, b, c

    def _hsv(self, img, rng):
        gains = rng.uniform(-1, 1, 3) * np.array(self.hsv) + 1
        hue, sat, val = cv2.split(cv2.cvtColor(img, cv2.COLOR_RGB2HSV))
        x = np.arange(256, dtype=np.float32)
        lut_h = ((x * gains[0]) % 180).astype(np.uint8)
        lut_s = np.clip(x * gains[1], 0, 255).astype(np.uint8)
        lut_v = np.clip(x * gains[2], 0, 255).astype(np.uint8)
        hsv = cv2.merge((cv2.LUT(hue, lut_h), cv2.LUT(sat, lut_s), cv2.LUT(val, lut_v)))
        cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB, dst=img)

    def _to_tensors(self, img, boxes, classes, index):
        image = torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1)))  # uint8 CHW RGB
        target = torch.zeros((len(boxes), 5), dtype=torch.float32)
        if len(boxes):
            target[:, 0] = torch.from_numpy(classes.astype(np.float32))
            target[:, 1:] = torch.from_numpy(boxes.astype(np.float32))
        return image, target, index


def collate(batch):
    """Images [B,3,S,S] uint8; targets [M,6] = (image index in batch, cls, x1, y1, x2, y2) pixels."""
    images, targets, indices = zip(*batch)
    rows = []
    for i, t in enumerate(targets):
        bi = torch.full((len(t), 1), float(i))
        rows.append(torch.cat((bi, t), 1))
    return torch.stack(images), torch.cat(rows), list(indices)


def seed_worker(worker_id):
    cv2.setNumThreads(0)  # loader workers already run in parallel; OpenCV threads would oversubscribe
