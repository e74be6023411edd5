#include "fifo.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <cerrno>

namespace panoptes {

int makeFifo(const char* path, unsigned mode) {
  return mkfifo(path, static_cast<mode_t>(mode)) == 0 ? 0 : errno;
}

long setPipeSize(int fd, long bytes) {
  const int size = fcntl(fd, F_SETPIPE_SZ, static_cast<int>(bytes));
  return size >= 0 ? size : -errno;
}

}  // namespace panoptes
