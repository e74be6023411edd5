/**
 * The OpenCV contender: bench/lib/opencv_bench.py in one Python process (Debian's python3-opencv,
 * single-threaded), holding the same frames the native and TypeScript contenders use. Each trial asks
 * it to time N iterations of a prepared case inside Python; only its own measurement comes back.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PythonPeer, type JsonObject } from '../../test/support/opencv.ts';
import type { Impl } from './trials.ts';

const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'opencv_bench.py');

export interface OpenCvFacts {
  opencv: string;
  numpy: string;
  python: string;
  opencvThreads: number;
}

export type OpenCvCase = 'motionCount' | 'motionFull' | 'tenengrad' | 'cropTensor' | 'lumaArea';

export class OpenCvBench {
  private readonly peer = new PythonPeer(script);
  private nextId = 0;
  /** The value each prepared case returned on its last run, for the bench's agreement check. */
  readonly lastValue = new Map<string, number | null>();

  async facts(): Promise<OpenCvFacts> {
    const { header } = await this.peer.call('hello');
    return {
      opencv: String(header['opencv']),
      numpy: String(header['numpy']),
      python: String(header['python']),
      opencvThreads: Number(header['threads']),
    };
  }

  /** Sends a frame once; yuv420p frames are also reachable as `${name}:y` (their luma plane). */
  async load(name: string, format: 'gray' | 'yuv420p' | 'rgb24', width: number, height: number, bytes: Uint8Array): Promise<void> {
    await this.peer.call('load', { name, format, width, height }, [bytes]);
  }

  /** An Impl that times `kind` over the named frames inside the Python process. */
  async impl(name: string, kind: OpenCvCase, frames: string[], params: JsonObject = {}): Promise<Impl> {
    const id = `${kind}-${this.nextId++}`;
    await this.peer.call('prepare', { id, case: kind, frames, params });
    return {
      name,
      measure: async (iterations: number): Promise<number> => {
        const { header } = await this.peer.call('run', { id, iterations });
        const value = header['value'];
        this.lastValue.set(name, typeof value === 'number' ? value : null);
        return header['nsPerIteration'] as number;
      },
    };
  }

  close(): Promise<void> {
    return this.peer.close();
  }
}
