"""OpenCV peer for the kernel bench (bench/lib/opencv.ts): receives the bench's frames once, then times
its own loop over them with time.perf_counter_ns so the pipe is never inside the measurement.

cv2.setNumThreads(1): our kernels are single-threaded per call (parallelism comes from one worker per
camera), so OpenCV gets one thread too. Framing and the request loop are test/support/opencv_oracle.py's.
"""
import os
import sys
import time

import cv2
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "test", "support"))
from opencv_oracle import serve  # noqa: E402

cv2.setNumThreads(1)

frames = {}
prepared = {}


def motion_count(a, b, p):
    t = p["threshold"]

    def run():
        _, mask = cv2.threshold(cv2.absdiff(a, b), t, 255, cv2.THRESH_BINARY)
        return cv2.countNonZero(mask)

    return run


def motion_full(a, b, p):
    """The whole motion result we produce, minus the grid: count, bbox, 8-connected components."""
    t, min_area = p["threshold"], p["minArea"]

    def run():
        _, mask = cv2.threshold(cv2.absdiff(a, b), t, 255, cv2.THRESH_BINARY)
        changed = cv2.countNonZero(mask)
        cv2.boundingRect(mask)
        n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
        int(np.count_nonzero(stats[1:n, cv2.CC_STAT_AREA] >= min_area))
        return changed

    return run


def tenengrad(img, _p):
    """The fastest exact spelling we found: float32 Sobel (|G|^2 <= 2.1e6 < 2^24, exact) and a double
    NORM_L2SQR; Sobel CV_64F + numpy mean is about 5x slower and gives the same number."""
    n = img.size

    def run():
        gx = cv2.Sobel(img, cv2.CV_32F, 1, 0, ksize=3)
        gy = cv2.Sobel(img, cv2.CV_32F, 0, 1, ksize=3)
        return (cv2.norm(gx, cv2.NORM_L2SQR) + cv2.norm(gy, cv2.NORM_L2SQR)) / n

    return run


def crop_tensor(i420, p):
    """cvtColor of the WHOLE frame (I420 -> RGB), then crop, INTER_LINEAR resize, letterbox pad,
    float32 / 255 and an NCHW copy: the usual OpenCV preprocessing for a detector."""
    x, y, w, h = p["roi"]
    cw, ch, pad_x, pad_y = p["contentW"], p["contentH"], p["padX"], p["padY"]
    dst_w, dst_h, pad = p["dstW"], p["dstH"], p["pad"]

    def run():
        rgb = cv2.cvtColor(i420, cv2.COLOR_YUV2RGB_I420)
        resized = cv2.resize(rgb[y:y + h, x:x + w], (cw, ch), interpolation=cv2.INTER_LINEAR)
        if (cw, ch) != (dst_w, dst_h):
            resized = cv2.copyMakeBorder(resized, pad_y, dst_h - ch - pad_y, pad_x, dst_w - cw - pad_x,
                                         cv2.BORDER_CONSTANT, value=(pad, pad, pad))
        tensor = np.ascontiguousarray((resized.astype(np.float32) / 255.0).transpose(2, 0, 1))
        return float(tensor[0, 0, 0])

    return run


def luma_area(img, p):
    """INTER_AREA resize of a gray plane, after cvtColor(RGB2GRAY) for rgb24 input."""
    size = (p["dstW"], p["dstH"])
    is_rgb = img.ndim == 3

    def run():
        gray = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY) if is_rgb else img
        out = gray if gray.shape[::-1] == size else cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
        return int(out[0, 0])

    return run


CASES = {"motionCount": motion_count, "motionFull": motion_full, "tenengrad": tenengrad,
         "cropTensor": crop_tensor, "lumaArea": luma_area}


def op_hello(_h, _b):
    return {"opencv": cv2.__version__, "numpy": np.__version__, "python": sys.version.split()[0],
            "threads": cv2.getNumThreads()}, []


def op_load(h, buffers):
    """Keeps a frame by name; yuv420p as OpenCV's I420 layout ((h * 3 / 2) x w), luma as its Y plane."""
    w, hh, raw = h["width"], h["height"], buffers[0]
    if h["format"] == "yuv420p":
        frames[h["name"]] = np.frombuffer(raw, np.uint8).reshape(hh * 3 // 2, w)
        frames[h["name"] + ":y"] = frames[h["name"]][:hh]
    elif h["format"] == "rgb24":
        frames[h["name"]] = np.frombuffer(raw, np.uint8).reshape(hh, w, 3)
    else:
        frames[h["name"]] = np.frombuffer(raw, np.uint8).reshape(hh, w)
    return {}, []


def op_prepare(h, _b):
    prepared[h["id"]] = CASES[h["case"]](*[frames[name] for name in h["frames"]], h["params"])
    return {}, []


def op_run(h, _b):
    run = prepared[h["id"]]
    n = h["iterations"]
    value = None
    start = time.perf_counter_ns()
    for _ in range(n):
        value = run()
    elapsed = time.perf_counter_ns() - start
    return {"nsPerIteration": elapsed / n, "value": value}, []


if __name__ == "__main__":
    serve({"hello": op_hello, "load": op_load, "prepare": op_prepare, "run": op_run})
