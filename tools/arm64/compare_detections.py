#!/usr/bin/env python3
"""Compares two `edgeinv detect --json` outputs of the same images: the x86-64 run and the arm64 one.

Prints one line per image (counts on both sides, per-image time on both sides, how far the boxes moved)
and exits 1 when a count differs or a box has no counterpart within the tolerance, 2 on unreadable input.
Only the standard library: it runs wherever tools/edgeinv does.
"""
import argparse
import json
import sys


def fail(message):
    print(f"compare_detections: {message}", file=sys.stderr)
    sys.exit(2)


def read_runs(path):
    """One JSON object per image per line, keyed by the image path given to detect."""
    runs = {}
    try:
        with open(path, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    run = json.loads(line)
                    runs[run["image"]] = run
                except (ValueError, KeyError) as e:
                    fail(f"{path}:{number}: not a detect --json line ({e})")
    except OSError as e:
        fail(f"{path}: {e.strerror}")
    return runs


def iou(a, b):
    w = min(a["x2"], b["x2"]) - max(a["x1"], b["x1"])
    h = min(a["y2"], b["y2"]) - max(a["y1"], b["y1"])
    if w <= 0 or h <= 0:
        return 0.0
    inter = w * h
    area = lambda d: (d["x2"] - d["x1"]) * (d["y2"] - d["y1"])  # noqa: E731
    return inter / (area(a) + area(b) - inter)


def match_boxes(reference, other):
    """Pairs each reference box with the unused box of the same class it overlaps most.

    The two sides may list near-equal scores in a different order (float sums differ between the
    AVX and NEON kernels), so boxes are paired by overlap, not by position in the list.
    Returns (pairs, unmatched reference boxes, unmatched other boxes).
    """
    candidates = []
    for i, a in enumerate(reference):
        for j, b in enumerate(other):
            if a["class"] == b["class"]:
                overlap = iou(a, b)
                if overlap > 0.5:
                    candidates.append((overlap, i, j))
    candidates.sort(reverse=True)
    used_ref, used_other, pairs = set(), set(), []
    for _, i, j in candidates:
        if i not in used_ref and j not in used_other:
            used_ref.add(i)
            used_other.add(j)
            pairs.append((reference[i], other[j]))
    return pairs, len(reference) - len(used_ref), len(other) - len(used_other)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reference", help="detect --json output on x86-64")
    parser.add_argument("other", help="detect --json output of the same images on arm64")
    parser.add_argument("--reference-name", default="x86-64")
    parser.add_argument("--other-name", default="arm64")
    parser.add_argument("--box-tolerance", type=float, default=1.0,
                        help="largest corner difference in pixels a matched box may have (default 1.0)")
    args = parser.parse_args()

    reference, other = read_runs(args.reference), read_runs(args.other)
    if not reference:
        fail(f"{args.reference}: no images")
    missing = sorted(set(reference) ^ set(other))
    if missing:
        fail(f"images on one side only: {', '.join(missing)}")

    r, o = args.reference_name, args.other_name
    print(f"{'image':<24} {r + ' count':>13} {o + ' count':>12} {r + ' ms':>10} {o + ' ms':>10}  boxes")
    failures = 0
    for image in sorted(reference):
        a, b = reference[image], other[image]
        pairs, only_ref, only_other = match_boxes(a["detections"], b["detections"])
        corner = max((abs(p[k] - q[k]) for p, q in pairs for k in ("x1", "y1", "x2", "y2")), default=0.0)
        score = max((abs(p["score"] - q["score"]) for p, q in pairs), default=0.0)
        beyond = sum(1 for p, q in pairs if max(abs(p[k] - q[k]) for k in ("x1", "y1", "x2", "y2")) > args.box_tolerance)
        counts_equal = a["counts"] == b["counts"]
        boxes_ok = only_ref == 0 and only_other == 0 and beyond == 0
        failures += (not counts_equal) + (not boxes_ok)
        name = image.rsplit("/", 1)[-1]
        boxes = f"{len(pairs)} paired, largest corner difference {corner:.2f} px, largest score difference {score:.4f}"
        if only_ref or only_other:
            boxes += f"; {only_ref} only on {r}, {only_other} only on {o}"
        if beyond:
            boxes += f"; {beyond} moved more than {args.box_tolerance} px"
        print(f"{name:<24} {len(a['detections']):>13} {len(b['detections']):>12} "
              f"{a['timings_ms']['total']:>10.0f} {b['timings_ms']['total']:>10.0f}  {boxes}"
              + ("" if counts_equal else f"  COUNTS DIFFER: {a['counts']} vs {b['counts']}"))
    if failures:
        print(f"compare_detections: {o} differs from {r} (counts or boxes beyond {args.box_tolerance} px)", file=sys.stderr)
        return 1
    print(f"counts equal on every image; every box within {args.box_tolerance} px")
    return 0


if __name__ == "__main__":
    sys.exit(main())
