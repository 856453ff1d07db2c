#include "common/thread.hpp"

#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

namespace yishu {

void NameThisThread(const char* name) {
  char short_name[16];
  std::strncpy(short_name, name, sizeof short_name - 1);
  short_name[sizeof short_name - 1] = '\0';
  (void)pthread_setname_np(pthread_self(), short_name);
}

void MarkBackgroundThread(const char* name) {
  NameThisThread(name);
  // Linux ranks threads one by one: PRIO_PROCESS with a thread id sets that thread's niceness.
  // Raising it needs no privilege; failing to is harmless.
  const auto tid = static_cast<id_t>(::syscall(SYS_gettid));
  (void)::setpriority(PRIO_PROCESS, tid, ::getpriority(PRIO_PROCESS, tid) + 10);
}

}  // namespace yishu
