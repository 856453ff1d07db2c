#include "common/allocator.hpp"

#include <cstdlib>

// gperftools' C interface (malloc_extension_c.h), declared weak: absent unless tcmalloc is
// linked, and then null.
extern "C" int MallocExtension_SetNumericProperty(const char* property, size_t value)
    __attribute__((weak));

namespace yishu {

void TuneAllocator(size_t max_thread_cache_bytes) {
  // The environment variable, when set, is the operator's choice and wins.
  if (std::getenv("TCMALLOC_MAX_TOTAL_THREAD_CACHE_BYTES")) return;
  if (MallocExtension_SetNumericProperty)
    (void)MallocExtension_SetNumericProperty("tcmalloc.max_total_thread_cache_bytes",
                                             max_thread_cache_bytes);
}

}  // namespace yishu
