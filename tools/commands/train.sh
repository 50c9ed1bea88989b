# Shelf detector training (tools/train/): `edgeinv train`. Sourced by tools/edgeinv.

help_train() {
    echo "  train --data DIR --out DIR [--epochs N] [--imgsz S] [--device cpu|cuda] [--resume]"
    echo "                           train the shelf detector on YOLO-format photos; writes DIR/shelf-detector.onnx"
}

usage_train() {
    echo "usage: tools/edgeinv train --data DIR --out DIR [options]   (tools/train/README.md)"
    python_usage "$EDGEINV_ROOT/tools/train/train.py" torch torchvision cv2 \
        || echo "  (train.py's full list of options needs python3-torch, -torchvision and -opencv, which 'tools/edgeinv train' installs)"
}

cmd_train() {
    ensure_python python3-torch python3-torchvision python3-opencv
    "$EDGEINV_PYTHON" "$EDGEINV_ROOT/tools/train/train.py" "$@"
}
