import assert from 'node:assert/strict';
import { test } from 'node:test';
import { maskUrl, maskUrlsInText } from '../../src/ingest/mask-url.ts';

test('credentials in the userinfo of a camera URL are masked', () => {
  assert.equal(maskUrl('rtsp://admin:s3cr3t@10.0.0.5:554/Streaming/101'), 'rtsp://***:***@10.0.0.5:554/Streaming/101');
  assert.equal(maskUrl('rtsps://user@cam.local/live'), 'rtsps://***:***@cam.local/live');
  assert.equal(maskUrl('http://u:p%40ss@host/mjpeg?x=1'), 'http://***:***@host/mjpeg?x=1');
  assert.equal(maskUrl('RTSP://Admin:Pw@Cam'), 'RTSP://***:***@Cam');
});

test('a password holding @ is masked whole: the userinfo ends at the last @ of the authority', () => {
  assert.equal(maskUrl('rtsp://user:my@secret@host/stream'), 'rtsp://***:***@host/stream');
  assert.equal(maskUrl('rtsp://user:a@b@c@10.0.0.5:554'), 'rtsp://***:***@10.0.0.5:554');
  assert.equal(maskUrl('rtsp://us@er:p:a:ss@host?x=1'), 'rtsp://***:***@host?x=1');
});

test('an @ in the path or query is not taken for the end of the userinfo', () => {
  assert.equal(maskUrl('http://host/a@b/c?mail=x@y'), 'http://host/a@b/c?mail=x@y');
  assert.equal(maskUrl('http://u:p@host/a@b'), 'http://***:***@host/a@b');
});

test('secret query parameters are masked, whatever their case, and others kept', () => {
  assert.equal(maskUrl('http://host/video.cgi?user=a&password=hunter2&ch=1'), 'http://host/video.cgi?user=a&password=***&ch=1');
  assert.equal(maskUrl('https://host/hls.m3u8?token=abc.def'), 'https://host/hls.m3u8?token=***');
  for (const name of [
    'password',
    'PASSWORD',
    'pass',
    'Pwd',
    'passwd',
    'token',
    'access_token',
    'auth',
    'key',
    'secret',
    'api_key',
    'p%61ss',
  ]) {
    assert.equal(maskUrl(`rtsp://h/s?a=1&${name}=x%40y#frag`), `rtsp://h/s?a=1&${name}=***#frag`, name);
  }
  assert.equal(maskUrl('rtsp://h/s?passenger=1&keys=2&password='), 'rtsp://h/s?passenger=1&keys=2&password=');
});

test('${VAR} references reveal nothing and are kept', () => {
  assert.equal(maskUrl('rtsp://${CAM_USER}:${CAM_PASS}@10.0.0.5/s'), 'rtsp://${CAM_USER}:${CAM_PASS}@10.0.0.5/s');
  assert.equal(maskUrl('rtsp://admin:${CAM_PASS}@10.0.0.5/s'), 'rtsp://***:***@10.0.0.5/s');
  assert.equal(maskUrl('http://h/s?token=${TOKEN}&password=${P}x'), 'http://h/s?token=${TOKEN}&password=***');
});

test('strings that are not scheme:// URLs are unchanged', () => {
  for (const url of [
    'rtsp://10.0.0.5/stream1',
    '/var/video/a.mp4',
    'testsrc2=size=640x360',
    'lavfi:testsrc2=size=320x180:rate=5',
    'C:\\video\\a@b.mp4',
    '',
  ]) {
    assert.equal(maskUrl(url), url);
  }
});

test('URLs inside free text such as an ffmpeg error line are masked', () => {
  const line = '[rtsp @ 0x55] method DESCRIBE failed: 401 Unauthorized rtsp://admin:pw@127.0.0.1:8554/cam: Server returned 401';
  const masked = maskUrlsInText(line);
  assert.ok(!masked.includes('pw@') && !masked.includes('admin'), masked);
  assert.match(masked, /rtsp:\/\/\*\*\*:\*\*\*@127\.0\.0\.1:8554\/cam/);
  assert.equal(
    maskUrlsInText("Input #0, rtsp, from 'rtsp://u:my@secret@h/s?token=t0k':"),
    "Input #0, rtsp, from 'rtsp://***:***@h/s?token=***':",
  );
  assert.equal(maskUrlsInText('option password=hunter2 and token=abc;key=k2'), 'option password=*** and token=***;key=***');
});
