/**
 * A PipeHost for a CameraActor run without a gateway (tests): the run's pipe is read on this thread,
 * by the same PipeReader and PipeSet a channel worker uses, polled on a 5 ms timer instead of a
 * blocking poll, and its events go straight to the actor.
 */
import { endedEvent, PipeReader } from '../../src/channel/pipe-reader.ts';
import { PipeSet } from '../../src/channel/pipe-set.ts';
import { CameraActor, type CameraDeps, type CameraSpec, type PipeHost } from '../../src/coordinator/camera.ts';
import type { FrameRing } from '../../src/ring/layout.ts';
import { FrameRingProducer } from '../../src/ring/producer.ts';

export class TimerPipes implements PipeHost {
  /** Set once the actor exists: where the pipe events go. */
  actor: CameraActor | undefined;
  private readonly readers = new Map<string, PipeReader>();
  private readonly set: PipeSet;
  private readonly timer: NodeJS.Timeout;

  constructor() {
    this.set = new PipeSet(-1, {
      firstFrame: (r) => this.actor?.pipeEvent({ kind: 'first-frame', camera: r.camera, run: r.run }),
      ended: (r) => {
        if (this.readers.get(r.camera) === r) this.readers.delete(r.camera);
        this.actor?.pipeEvent(endedEvent(r));
      },
    });
    this.timer = setInterval(() => {
      while (this.set.poll(0) > 0);
    }, 5);
    this.timer.unref();
  }

  attach(camera: string, fd: number, run: number, ring: FrameRing): void {
    const reader = new PipeReader(camera, fd, run, new FrameRingProducer(ring));
    this.readers.set(camera, reader);
    this.set.add(reader);
  }

  async detach(camera: string, run: number): Promise<void> {
    const reader = this.readers.get(camera);
    if (reader?.run !== run) return;
    reader.stop();
    this.set.remove(reader);
    this.readers.delete(camera);
  }
}

/** A CameraActor read by TimerPipes: for tests of the actor alone. */
export function standaloneActor(spec: CameraSpec, deps: Omit<CameraDeps, 'pipes'>): CameraActor {
  const pipes = new TimerPipes();
  const actor = new CameraActor(spec, { ...deps, pipes });
  pipes.actor = actor;
  return actor;
}
