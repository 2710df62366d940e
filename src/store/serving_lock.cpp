#include "store/serving_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "store/database.hpp"

namespace plaza::store {

ServingLock::ServingLock(const std::string& database_url) {
  auto file = sqlite_file(database_url);
  if (!file) return;
  const std::string path = *file + ".serving";
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw DatabaseError("cannot open " + path + ": " + std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    int error = errno;
    ::close(fd_);
    fd_ = -1;
    if (error == EWOULDBLOCK)
      throw DatabaseError("another plaza serve is using " + *file +
                          ": a SQLite database serves one instance (use PostgreSQL for several)");
    throw DatabaseError("cannot lock " + path + ": " + std::strerror(error));
  }
}

ServingLock::~ServingLock() {
  if (fd_ >= 0) ::close(fd_);  // closing lets the lock go
}

bool ServingLock::held(const std::string& database_url) {
  auto file = sqlite_file(database_url);
  if (!file) return false;
  // Read-only and never created: a check must not leave a file another user's server cannot open.
  int fd = ::open((*file + ".serving").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;  // no server has run here since locks came in
  bool free = ::flock(fd, LOCK_SH | LOCK_NB) == 0;
  ::close(fd);
  return !free;
}

}  // namespace plaza::store
