/** OpenCV's sample footage and photos for tests: src/scenes/opencv-media.ts, re-exported where tests look for support. */
export { OPENCV_MEDIA_DIR, openCvMedia, type OpenCvMedia } from '../../src/scenes/opencv-media.ts';
