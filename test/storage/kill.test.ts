import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { EventStore } from '../../src/storage/event-store.ts';
import { makeEvent } from './events.ts';

const writer = fileURLToPath(new URL('./fixtures/event-writer.ts', import.meta.url));
const root = mkdtempSync(path.join(tmpdir(), 'panoptes-kill-'));
after(() => rmSync(root, { recursive: true, force: true }));

/**
 * Runs the writer until it has committed `commits` times, then SIGKILLs it `delayMs` later while it
 * keeps writing (a batch queued, maybe a commit or a checkpoint under way); the last N it printed.
 */
function writeUntilKilled(file: string, first: number, commits: number, delayMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', writer, file, String(first)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let committed = first - 1;
    let seen = 0;
    let text = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk;
      const lines = text.split('\n');
      text = lines.pop() ?? '';
      for (const line of lines) {
        const match = /^committed (\d+)$/.exec(line);
        if (!match) continue;
        committed = Number(match[1]);
        seen++;
      }
      if (seen >= commits && timer === undefined) timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(committed);
      else reject(new Error(`the writer exited on its own (code ${code}) before it was killed`));
    });
  });
}

test('a writer killed with SIGKILL mid-stream leaves a sound database holding every committed event and end', async () => {
  const file = path.join(root, 'events.db');
  let first = 0;
  // Twice: the second writer opens the database the first one was killed on (WAL recovery) and goes on.
  for (let round = 0; round < 2; round++) {
    const committed = await writeUntilKilled(file, first, 4, round === 0 ? 350 : 700);
    assert.ok(committed >= first + 1000, `the writer committed a few thousand events (up to ${committed})`);
    const store = new EventStore(file);
    try {
      assert.equal(store.integrity(), 'ok');
      const total = store.count();
      assert.ok(total >= committed + 1, `every event up to ${committed} is there (found ${total})`);
      // Nothing half-committed: the stored events are exactly 0 .. total-1, with no gap.
      const newest = store.query({ limit: 1 }).events[0];
      assert.equal(newest?.id, makeEvent({ n: total - 1 }).id);
      for (const n of [first, Math.floor((first + committed) / 2), committed - 40]) {
        const event = store.get(makeEvent({ n }).id);
        assert.ok(event, `event ${n} is stored`);
        assert.equal(event.endMs, event.startMs + 900, `the end of event ${n} was committed`);
        assert.equal(event.bestShot, null);
      }
      assert.equal(store.query({ zone: 'door', limit: 1000, order: 'asc' }).events[0]?.id, makeEvent({ n: 0 }).id);
      first = total;
    } finally {
      store.close();
    }
  }
});
