// Pipe reads for the channel workers: each worker reads its cameras' ffmpeg pipes itself, straight
// into ring slots, and blocks in poll(2) (its own thread, no event loop) until one of them, or its
// wake pipe, has data.
#pragma once

#include <cstddef>
#include <cstdint>

namespace panoptes {

// fcntl(F_SETPIPE_SZ) on a pipe's fd: asks the kernel for a buffer of at least `bytes` (it rounds up to
// a power-of-two number of pages). Returns the size the pipe now has, or -errno. A pipe that holds a
// whole raw frame lets ffmpeg write it in one call and the reader take it in one wake-up, instead of
// a dozen 64 KiB rounds of block, wake and read on both sides.
long setPipeSize(int fd, long bytes);

// Sets O_NONBLOCK on the open file description behind `fd`. Returns 0 or the errno.
int setNonBlocking(int fd);

// One read(2) of at most `length` bytes into `dst` (EINTR retried). Returns the bytes read (0 at end
// of file: every writer closed), or -errno (-EAGAIN: nothing to read on a non-blocking fd).
long readInto(int fd, uint8_t* dst, size_t length);

// Bytes waiting in the pipe (ioctl FIONREAD), or -errno.
long pipeAvailable(int fd);

// poll(2) for input on `count` fds for at most `timeoutMs` (-1: no limit). ready[i] is set to 1 for an
// fd with data, end of file or an error (a read tells which), else 0. Returns how many are ready,
// 0 on timeout or EINTR, or -errno.
int pollReadable(const int32_t* fds, uint8_t* ready, int count, int timeoutMs);

// Writes one byte to a non-blocking pipe: a full pipe already holds a wake-up, so EAGAIN counts as
// done. Returns 0 or the errno.
int writeWake(int fd);

}  // namespace panoptes
