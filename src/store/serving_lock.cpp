#include "store/serving_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "store/database.hpp"

namespace plaza::store {

namespace {
// The lock file of a sqlite: URL; empty for any other.
std::string lock_path(const std::string& database_url) {
  constexpr std::string_view kScheme = "sqlite:";
  if (!database_url.starts_with(kScheme)) return {};
  return database_url.substr(kScheme.size()) + ".serving";
}

int open_lock_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) throw DatabaseError("cannot open " + path + ": " + std::strerror(errno));
  return fd;
}
}  // namespace

ServingLock::ServingLock(const std::string& database_url) {
  auto path = lock_path(database_url);
  if (path.empty()) return;
  fd_ = open_lock_file(path);
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    int error = errno;
    ::close(fd_);
    fd_ = -1;
    if (error == EWOULDBLOCK)
      throw DatabaseError("another plaza serve is using " + database_url.substr(7) +
                          ": a SQLite database serves one instance (use PostgreSQL for several)");
    throw DatabaseError("cannot lock " + path + ": " + std::strerror(error));
  }
}

ServingLock::~ServingLock() {
  if (fd_ >= 0) ::close(fd_);  // closing lets the lock go
}

bool ServingLock::held(const std::string& database_url) {
  auto path = lock_path(database_url);
  if (path.empty()) return false;
  int fd = open_lock_file(path);
  bool free = ::flock(fd, LOCK_SH | LOCK_NB) == 0;
  ::close(fd);
  return !free;
}

}  // namespace plaza::store
