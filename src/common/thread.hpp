// Naming and ranking the platform's own threads.
#pragma once

namespace yishu {

// Names the calling thread (at most 15 bytes are kept), as `top -H`, `ps -L` and debuggers show.
void NameThisThread(const char* name);

// Names the calling thread and lowers its scheduling priority (niceness +10): for maintenance
// that may lag (WAL checkpoints, the audit search index, key rotation, the inbox watcher), so
// that on a busy machine it yields the CPU to the threads answering requests.
void MarkBackgroundThread(const char* name);

}  // namespace yishu
