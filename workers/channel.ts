// Channel worker thread: exposes a ChannelHost to the coordinator over comlink. No logic here.
import { parentPort } from 'node:worker_threads';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { ChannelHost } from '../src/channel/service.ts';

if (!parentPort) throw new Error('workers/channel.ts runs as a worker thread');
Comlink.expose(new ChannelHost(), nodeEndpoint(parentPort));
