import assert from 'node:assert/strict';
import { test } from 'node:test';
import { maskUrl, maskUrlsInText } from '../../src/ingest/mask-url.ts';

test('credentials in the userinfo of a camera URL are masked', () => {
  assert.equal(maskUrl('rtsp://admin:s3cr3t@10.0.0.5:554/Streaming/101'), 'rtsp://***:***@10.0.0.5:554/Streaming/101');
  assert.equal(maskUrl('rtsps://user@cam.local/live'), 'rtsps://***:***@cam.local/live');
  assert.equal(maskUrl('http://u:p%40ss@host/mjpeg?x=1'), 'http://***:***@host/mjpeg?x=1');
});

test('secret query parameters are masked and others kept', () => {
  assert.equal(maskUrl('http://host/video.cgi?user=a&password=hunter2&ch=1'), 'http://host/video.cgi?user=a&password=***&ch=1');
  assert.equal(maskUrl('https://host/hls.m3u8?token=abc.def'), 'https://host/hls.m3u8?token=***');
});

test('URLs without secrets are unchanged', () => {
  for (const url of ['rtsp://10.0.0.5/stream1', '/var/video/a.mp4', 'testsrc2=size=640x360']) {
    assert.equal(maskUrl(url), url);
  }
});

test('URLs inside free text such as an ffmpeg error line are masked', () => {
  const line = "[rtsp @ 0x55] method DESCRIBE failed: 401 Unauthorized rtsp://admin:pw@127.0.0.1:8554/cam: Server returned 401";
  const masked = maskUrlsInText(line);
  assert.ok(!masked.includes('pw@') && !masked.includes('admin'), masked);
  assert.match(masked, /rtsp:\/\/\*\*\*:\*\*\*@127\.0\.0\.1:8554\/cam/);
});
