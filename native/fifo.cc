#include "fifo.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <cerrno>

namespace panoptes {

int makeFifo(const char* path, unsigned mode) {
  return mkfifo(path, static_cast<mode_t>(mode)) == 0 ? 0 : errno;
}

}  // namespace panoptes
