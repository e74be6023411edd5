// Handing freed heap memory back to the kernel (glibc's malloc keeps it; see heap_trim.cc).
#pragma once

namespace panoptes {

// malloc_trim(0) where the C library has it (glibc): the whole free pages inside every malloc arena,
// the main one's holes included, are returned with madvise(MADV_DONTNEED), not only the top of the
// heap as free() does. Returns 1 if memory was released, 0 if none could be, -1 where the C library
// has no such call (musl, macOS: their allocators return memory on their own terms).
int trimHeap();

}  // namespace panoptes
