import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { test } from 'node:test';
import { sleep, waitFor } from '../support/wait.ts';

const fixture = new URL('./fixtures/gateway-process.ts', import.meta.url).pathname;

function ffmpegPidsMatching(marker: string): number[] {
  const out = spawnSync('pgrep', ['-f', marker], { encoding: 'utf8' }).stdout;
  return out.split('\n').filter(Boolean).map(Number);
}

test('a gateway killed with SIGKILL leaves no ffmpeg process running, not even one blocked on a silent camera', async () => {
  // A TCP server that accepts and never answers: that camera's ffmpeg waits and never writes, so only
  // the parent-death guard (not a broken pipe) can end it.
  const silent = net.createServer(() => undefined).listen(0, '127.0.0.1');
  await once(silent, 'listening');
  const port = (silent.address() as net.AddressInfo).port;
  // A frame size and port no other test uses mark this gateway's ffmpeg command lines.
  const marker = `^\\S*ffmpeg .*(testsrc2=size=322x182|127\\.0\\.0\\.1:${port}/)`;
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, '3', '322', '182', `rtsp://127.0.0.1:${port}/silent`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  await waitFor('gateway ready', () => out.includes('"ready":true'), 120_000);
  const { pids } = JSON.parse(out.trim().split('\n').at(-1) as string) as { pids: number[] };
  assert.equal(pids.length, 4);
  await waitFor('four ffmpeg children', () => ffmpegPidsMatching(marker).length === 4);
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
  await waitFor('ffmpeg children gone', () => ffmpegPidsMatching(marker).length === 0);
  await sleep(200);
  assert.deepEqual(ffmpegPidsMatching(marker), []);
  silent.close();
});
