"""OpenCV oracle for the kernel tests: one long-lived process per test file, driven by test/support/opencv.ts.

Framing (both directions, one message per request, answered in order):
  u32 little-endian header length, UTF-8 JSON header, then the binary buffers whose byte lengths the
  header lists in "sizes". A request names its operation in "op"; a reply carries "ok" and either
  results or "error". Run with Debian's /usr/bin/python3, which has cv2 (python3-opencv).
"""
import json
import struct
import sys
import traceback

import cv2
import numpy as np


def read_exact(stream, n):
    chunks = []
    while n > 0:
        chunk = stream.read(n)
        if not chunk:
            return None
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def read_message(stream):
    prefix = read_exact(stream, 4)
    if prefix is None:
        return None
    (length,) = struct.unpack("<I", prefix)
    header = json.loads(read_exact(stream, length))
    buffers = [read_exact(stream, size) if size > 0 else b"" for size in header.get("sizes", [])]
    return header, buffers


def write_message(stream, header, buffers=()):
    blobs = [memoryview(np.ascontiguousarray(b)).cast("B") if isinstance(b, np.ndarray) else b for b in buffers]
    header = dict(header, sizes=[len(b) for b in blobs])
    encoded = json.dumps(header).encode()
    stream.write(struct.pack("<I", len(encoded)))
    stream.write(encoded)
    for blob in blobs:
        stream.write(blob)
    stream.flush()


def serve(handlers):
    """Answers requests until stdin closes; a failing handler reports its traceback and the loop goes on."""
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        message = read_message(stdin)
        if message is None:
            return
        header, buffers = message
        try:
            result, out = handlers[header["op"]](header, buffers)
            write_message(stdout, dict(result, ok=True), out)
        except Exception:  # reported to the caller, who fails the test with it
            write_message(stdout, {"ok": False, "error": traceback.format_exc()})


def plane(buffer, width, height, offset=0):
    return np.frombuffer(buffer, dtype=np.uint8, count=width * height, offset=offset).reshape(height, width)


def motion_stats(cur, ref, exclude, threshold, min_area, grid_cols, grid_rows):
    """The definition in native/motion.h, spelled with OpenCV: absdiff, THRESH_BINARY, boundingRect,
    connectedComponentsWithStats (8-connectivity), and the grid from numpy."""
    height, width = cur.shape
    _, mask = cv2.threshold(cv2.absdiff(cur, ref), threshold, 255, cv2.THRESH_BINARY)
    if exclude is not None:
        mask[exclude != 0] = 0
    changed = int(cv2.countNonZero(mask))
    points = cv2.findNonZero(mask)
    bbox = list(cv2.boundingRect(points)) if points is not None else [0, 0, 0, 0]
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    boxes = [
        [int(v) for v in stats[i, :5]]
        for i in range(1, count)
        if stats[i, cv2.CC_STAT_AREA] >= min_area
    ]
    ys, xs = np.nonzero(mask)
    cells = (ys.astype(np.int64) * grid_rows // height) * grid_cols + xs.astype(np.int64) * grid_cols // width
    grid = np.bincount(cells, minlength=grid_cols * grid_rows)
    return {"changed": changed, "bbox": bbox, "boxes": boxes, "grid": [int(v) for v in grid]}


def op_hello(_header, _buffers):
    return {"opencv": cv2.__version__, "numpy": np.__version__}, []


def op_motion(h, buffers):
    cur = plane(buffers[0], h["width"], h["height"])
    ref = plane(buffers[1], h["width"], h["height"])
    exclude = plane(buffers[2], h["width"], h["height"]) if len(buffers) > 2 else None
    return motion_stats(cur, ref, exclude, h["threshold"], h["minArea"], h["gridCols"], h["gridRows"]), []


def op_motion_background(h, buffers):
    """Running-average background over a sequence: frame 0 primes the float background; each later
    frame is compared with convertScaleAbs(background), then accumulateWeighted updates it."""
    width, height = h["width"], h["height"]
    frames = [plane(buffers[0], width, height, i * width * height) for i in range(h["count"])]
    background = frames[0].astype(np.float32)
    steps = []
    for frame in frames[1:]:
        reference = cv2.convertScaleAbs(background)
        steps.append(motion_stats(frame, reference, None, h["threshold"], h["minArea"], h["gridCols"], h["gridRows"]))
        cv2.accumulateWeighted(frame, background, h["alpha"])
    return {"steps": steps}, [background]


def op_sharpness(h, buffers):
    full = plane(buffers[0], h["width"], h["height"])
    x, y, w, hh = h["roi"]
    img = full[y:y + hh, x:x + w].copy()  # our ROI is an isolated image; a copy makes OpenCV see the same
    gx = cv2.Sobel(img, cv2.CV_64F, 1, 0, ksize=3)
    gy = cv2.Sobel(img, cv2.CV_64F, 0, 1, ksize=3)
    lap = cv2.Laplacian(img, cv2.CV_64F, ksize=1)
    return {"tenengrad": float(np.mean(gx * gx + gy * gy)), "laplacianVariance": float(lap.var())}, []


def op_to_gray(h, buffers):
    pixels = np.frombuffer(buffers[0], dtype=np.uint8).reshape(h["height"], h["width"], 3)
    code = cv2.COLOR_BGR2GRAY if h["order"] == "bgr" else cv2.COLOR_RGB2GRAY
    return {}, [cv2.cvtColor(pixels, code)]


def op_resize_area(h, buffers):
    gray = plane(buffers[0], h["width"], h["height"])
    return {}, [cv2.resize(gray, (h["dstWidth"], h["dstHeight"]), interpolation=cv2.INTER_AREA)]


HANDLERS = {
    "hello": op_hello,
    "motion": op_motion,
    "motionBackground": op_motion_background,
    "sharpness": op_sharpness,
    "toGray": op_to_gray,
    "resizeArea": op_resize_area,
}

if __name__ == "__main__":
    serve(HANDLERS)
