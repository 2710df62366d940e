#include "store/changes.hpp"

#include <libpq-fe.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <stdexcept>
#include <thread>

namespace plaza::store {

namespace {
constexpr const char* kChannel = "plaza_changes";
}

void announce(Conn& c, std::string_view topic) {
  if (c.dialect() != Dialect::postgres) return;
  c.query("SELECT pg_notify('plaza_changes', $1)", {std::string(topic)});
}

struct ChangeListener::Impl {
  std::string url;
  std::function<void(const std::string&)> heard;
  std::chrono::milliseconds retry;
  int wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);  // written once, to stop
  std::atomic<bool> stopping{false};
  std::thread thread;

  // Waits for the connection's socket (-1: none) or the stop, at most `timeout_ms` (-1: no limit);
  // false once stopping.
  bool wait(int socket, int timeout_ms) {
    pollfd fds[2] = {{wake, POLLIN, 0}, {socket, POLLIN, 0}};
    ::poll(fds, socket >= 0 ? 2 : 1, timeout_ms);
    return !stopping.load();
  }

  // One connection's life: LISTEN, then hand on what arrives until it breaks or we stop. True when
  // it was listening (a later failure is news worth a warning; a retry that fails again is not).
  bool listen_once(bool warn) {
    // A bounded connect (an unreachable server must not hold up the stop for long), and keepalives:
    // a connection that silently died (a failover, a dropped NAT entry) shows as an error in about
    // a minute and is opened again, instead of leaving this instance deaf.
    const char* keys[] = {
        "dbname", "connect_timeout", "keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count",
        nullptr};
    const char* values[] = {url.c_str(), "5", "1", "30", "10", "3", nullptr};
    PGconn* conn = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
    bool listening = false;
    if (PQstatus(conn) == CONNECTION_OK) {
      PGresult* r = PQexec(conn, (std::string("LISTEN ") + kChannel).c_str());
      listening = PQresultStatus(r) == PGRES_COMMAND_OK;
      PQclear(r);
    }
    if (listening) {
      heard("*");  // whatever was announced while no one listened
      do {
        // What came with the last reply first: waiting would keep it until the next packet.
        while (PGnotify* n = PQnotifies(conn)) {
          std::string topic = n->extra;
          PQfreemem(n);
          heard(topic);
        }
      } while (wait(PQsocket(conn), -1) && PQconsumeInput(conn));
    }
    if (!stopping.load() && (warn || listening))
      spdlog::warn("change listener: connection lost or refused (trying again every {} ms): {}", retry.count(),
                   PQerrorMessage(conn));
    PQfinish(conn);
    return listening;
  }

  void run() {
    bool warn = true;
    while (!stopping.load()) {
      warn = listen_once(warn);
      if (!wait(-1, static_cast<int>(retry.count()))) break;
    }
  }
};

ChangeListener::ChangeListener(std::string url, std::function<void(const std::string&)> heard,
                               std::chrono::milliseconds retry)
    : impl_(std::make_unique<Impl>()) {
  if (impl_->wake < 0) throw std::runtime_error("change listener: cannot create its stop event");
  impl_->url = std::move(url);
  impl_->heard = std::move(heard);
  impl_->retry = retry;
  impl_->thread = std::thread([impl = impl_.get()] { impl->run(); });
}

ChangeListener::~ChangeListener() {
  impl_->stopping.store(true);
  uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(impl_->wake, &one, sizeof one);
  impl_->thread.join();
  ::close(impl_->wake);
}

}  // namespace plaza::store
