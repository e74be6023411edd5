// Channel worker thread: exposes a ChannelHost to the coordinator over comlink, then starts its drain
// loop on the worker slot's doorbell. No logic here.
import { parentPort, workerData } from 'node:worker_threads';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { ChannelHost } from '../src/channel/service.ts';
import type { ChannelWorkerData } from '../src/protocol.ts';
import { Doorbell } from '../src/ring/doorbell.ts';

if (!parentPort) throw new Error('workers/channel.ts runs as a worker thread');
const { doorbell, notices, pipeEvents } = (workerData as { data: ChannelWorkerData }).data;
const host = new ChannelHost(new Doorbell(doorbell), {}, notices, pipeEvents);
Comlink.expose(host, nodeEndpoint(parentPort));
host.start();
