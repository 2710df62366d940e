#include "core/background_thread.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace plaza {

void lower_this_thread_priority() {
  // On Linux a thread id names one thread to setpriority. Ten steps of nice weigh about a tenth of a normal
  // thread: enough to be preempted by a waking I/O thread, not so little that it starves. Raising
  // one's own nice value needs no privilege; a failure leaves the thread as it was.
  constexpr int kLower = 10;
  auto self = static_cast<id_t>(gettid());
  errno = 0;
  int now = getpriority(PRIO_PROCESS, self);  // -1 is a valid answer: errno tells
  if (errno != 0) return;
  (void)setpriority(PRIO_PROCESS, self, std::min(now + kLower, 19));
}

}  // namespace plaza
