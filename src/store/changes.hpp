#pragma once
// Changes other instances must hear of at once, because they cache what changed: channels and the
// model catalogue, prices, a user's keys and standing. A change is announced in the transaction
// that makes it (PostgreSQL's NOTIFY: delivered when it commits, dropped when it rolls back), and
// every instance listening hears it. SQLite serves one instance: there is no one to tell.
//
// Topics: "channels", "prices", "user:<id>"; a listener also hears "*" when it (re)connects, since
// announcements made while it was away are lost.
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "store/database.hpp"

namespace plaza::store {

void announce(Conn& c, std::string_view topic);

// Listens on its own PostgreSQL connection, on a thread of its own, and calls `heard` there with
// each topic. A lost connection is opened again (every `retry`), and "*" is heard then.
class ChangeListener {
 public:
  ChangeListener(std::string url, std::function<void(const std::string& topic)> heard,
                 std::chrono::milliseconds retry = std::chrono::seconds(1));
  ~ChangeListener();  // stops and joins the thread
  ChangeListener(const ChangeListener&) = delete;
  ChangeListener& operator=(const ChangeListener&) = delete;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace plaza::store
