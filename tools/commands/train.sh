# Shelf detector training (tools/train/): `edgeinv train`. Sourced by tools/edgeinv.

help_train() {
    echo "  train --data DIR --out DIR [--epochs N] [--imgsz S] [--device cpu|cuda] [--resume]"
    echo "                           train the shelf detector on YOLO-format photos; writes DIR/shelf-detector.onnx"
}

cmd_train() {
    ensure_python python3-torch python3-torchvision python3-opencv
    "$EDGEINV_PYTHON" "$EDGEINV_ROOT/tools/train/train.py" "$@"
}
