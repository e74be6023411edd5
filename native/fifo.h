// Named pipes for ingest: ffmpeg writes raw frames into one, the coordinator reads the other end.
#pragma once

namespace panoptes {

// mkfifo(3) at `path` with permission bits `mode` (the process umask still applies). Returns 0, or
// the errno the call failed with. A plain system call, so the coordinator makes a FIFO without
// forking a `mkfifo` child and blocking its event loop while that runs.
int makeFifo(const char* path, unsigned mode);

// fcntl(F_SETPIPE_SZ) on a pipe's fd: asks the kernel for a buffer of at least `bytes` (it rounds up to
// a power-of-two number of pages). Returns the size the pipe now has, or -errno. A pipe that holds a
// whole raw frame lets ffmpeg write it in one call and the reader take it in one wake-up, instead of
// a dozen 64 KiB rounds of block, wake and read on both sides.
long setPipeSize(int fd, long bytes);

}  // namespace panoptes
