"""The site bench's peer: one camera of a Python/OpenCV gateway built the way the most used open-source
NVR (Frigate) is, a process a camera reading raw frames from its own ffmpeg's stdout. Per frame it does
the work Panoptes' channel worker does with the motion backend: the luma plane area-averaged to the
motion size, absdiff against a running-average background (cv2.accumulateWeighted), threshold,
dilate, 8-connected components to boxes (at least minArea, the largest maxBoxes; a global change
re-baselines instead), Tenengrad sharpness (Sobel) of every box in frame pixels, and for each of the
largest maxRegions boxes the contrast of its changed pixels and a copy of the region with a 15% margin
into a frame-sized snapshot buffer. That copy is what Panoptes' crop slab holds for the motion backend
(it needs no tensor: src/inference/backends/motion.ts, region-copy.ts).

argv[1]: JSON {ffmpeg, args, width, height, motion: {width, height, threshold, minArea, alpha,
maxBoxes, lightingRatio}, maxRegions}. Frames are gray (the format the bench asks ffmpeg for).
SIGUSR1 writes "<frames processed> <monotonic ns>" on stdout (once at start too, when it may be sent);
SIGTERM stops ffmpeg and exits.
cv2.setNumThreads(1): one core a camera, as OpenCV runs in such a process.
"""
import json
import os
import signal
import subprocess
import sys
import time

import cv2
import numpy as np

cv2.setNumThreads(1)

spec = json.loads(sys.argv[1])
W, H = spec["width"], spec["height"]
M = spec["motion"]
MW, MH = M["width"], M["height"]
SX, SY = W / MW, H / MH
MARGIN = 0.15
frames = 0


def report(_signum, _frame):
    os.write(1, f"{frames} {time.monotonic_ns()}\n".encode())


signal.signal(signal.SIGUSR1, report)
report(None, None)  # ready: SIGUSR1 no longer kills this process
ffmpeg = subprocess.Popen([spec["ffmpeg"], *spec["args"]], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, bufsize=0)


def stop(_signum, _frame):
    ffmpeg.kill()
    ffmpeg.wait()
    sys.exit(0)


signal.signal(signal.SIGTERM, stop)

buf = bytearray(W * H)
view = memoryview(buf)
frame = np.frombuffer(buf, np.uint8).reshape(H, W)
snapshot = np.zeros((H, W), np.uint8)


def read_frame():
    got = 0
    while got < len(buf):
        n = ffmpeg.stdout.readinto(view[got:])
        if not n:
            return False
        got += n
    return True


def analyse(avg):
    small = cv2.resize(frame, (MW, MH), interpolation=cv2.INTER_AREA)
    if avg is None:
        return small.astype(np.float32)
    diff = cv2.absdiff(small, cv2.convertScaleAbs(avg))
    _, mask = cv2.threshold(diff, M["threshold"], 255, cv2.THRESH_BINARY)
    if cv2.countNonZero(mask) > M["lightingRatio"] * mask.size:
        return small.astype(np.float32)  # a global change: start the background again
    cv2.accumulateWeighted(small, avg, M["alpha"])
    dilated = cv2.dilate(mask, None, iterations=1)
    n, _, stats, _ = cv2.connectedComponentsWithStats(dilated, connectivity=8)
    boxes = stats[1:n]
    boxes = boxes[boxes[:, cv2.CC_STAT_AREA] >= M["minArea"]]
    boxes = boxes[np.argsort(-boxes[:, cv2.CC_STAT_AREA])][: M["maxBoxes"]]
    for k, (x, y, w, h, _area) in enumerate(boxes):
        x0, y0, x1, y1 = int(x * SX), int(y * SY), int((x + w) * SX), int((y + h) * SY)
        roi = frame[y0:y1, x0:x1]
        gx = cv2.Sobel(roi, cv2.CV_32F, 1, 0, ksize=3)
        gy = cv2.Sobel(roi, cv2.CV_32F, 0, 1, ksize=3)
        (cv2.norm(gx, cv2.NORM_L2SQR) + cv2.norm(gy, cv2.NORM_L2SQR)) / roi.size
        if k < spec["maxRegions"]:
            cv2.mean(diff[y:y + h, x:x + w], mask=mask[y:y + h, x:x + w])
            mx, my = int((x1 - x0) * MARGIN) + 2, int((y1 - y0) * MARGIN) + 2
            sx0, sy0, sx1, sy1 = max(0, x0 - mx), max(0, y0 - my), min(W, x1 + mx), min(H, y1 + my)
            snapshot[sy0:sy1, sx0:sx1] = frame[sy0:sy1, sx0:sx1]
    return avg


background = None
while read_frame():
    background = analyse(background)
    frames += 1
stop(None, None)
