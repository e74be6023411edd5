#include "heap_trim.h"

// Any C library header defines __GLIBC__ on glibc; <malloc.h> is glibc's own.
#include <cstdlib>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace panoptes {

int trimHeap() {
#if defined(__GLIBC__)
  return malloc_trim(0);
#else
  return -1;
#endif
}

}  // namespace panoptes
