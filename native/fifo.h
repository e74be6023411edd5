// Named pipes for ingest: ffmpeg writes raw frames into one, the coordinator reads the other end.
#pragma once

namespace panoptes {

// mkfifo(3) at `path` with permission bits `mode` (the process umask still applies). Returns 0, or
// the errno the call failed with. A plain system call, so the coordinator makes a FIFO without
// forking a `mkfifo` child and blocking its event loop while that runs.
int makeFifo(const char* path, unsigned mode);

}  // namespace panoptes
