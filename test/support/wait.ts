/**
 * Polls `predicate` (sync or async) until it holds or `timeoutMs` passes (then throws with `what`). The
 * default deadline is generous on purpose: a condition that holds returns at once, and on a loaded
 * 2-core machine ffmpeg, GStreamer and worker threads may take many seconds to get going.
 */
export async function waitFor(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 60_000, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
