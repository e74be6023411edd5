#include "pipe_io.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

namespace panoptes {

long setPipeSize(int fd, long bytes) {
  const int size = fcntl(fd, F_SETPIPE_SZ, static_cast<int>(bytes));
  return size >= 0 ? size : -errno;
}

int setNonBlocking(int fd) {
  const int flags = fcntl(fd, F_GETFL);
  if (flags < 0) return errno;
  return fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0 ? 0 : errno;
}

long readInto(int fd, uint8_t* dst, size_t length) {
  for (;;) {
    const ssize_t n = read(fd, dst, length);
    if (n >= 0) return static_cast<long>(n);
    if (errno != EINTR) return -errno;
  }
}

long pipeAvailable(int fd) {
  int bytes = 0;
  return ioctl(fd, FIONREAD, &bytes) == 0 ? bytes : -errno;
}

int pollReadable(const int32_t* fds, uint8_t* ready, int count, int timeoutMs) {
  // A worker serves a few dozen cameras: a vector a call is noise beside the system call.
  std::vector<pollfd> set(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) set[i] = pollfd{fds[i], POLLIN, 0};
  const int n = poll(set.data(), static_cast<nfds_t>(count), timeoutMs);
  if (n < 0) {
    if (errno == EINTR) {
      for (int i = 0; i < count; ++i) ready[i] = 0;
      return 0;
    }
    return -errno;
  }
  for (int i = 0; i < count; ++i) ready[i] = set[i].revents != 0 ? 1 : 0;
  return n;
}

int writeWake(int fd) {
  const uint8_t byte = 1;
  for (;;) {
    if (write(fd, &byte, 1) == 1) return 0;
    if (errno == EAGAIN) return 0;
    if (errno != EINTR) return errno;
  }
}

}  // namespace panoptes
