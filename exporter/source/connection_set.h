#pragma once

#include <cstddef>
#include <memory>
#include <set>

namespace tse {

/// The open connections of a server, as Asio's `connection_manager`: stop(c) takes a connection
/// out of the set, then stops it; stop_all() takes the whole set out, clears it, then stops each.
/// So a connection whose stop() calls back into the set (to remove itself, as one that closes
/// on its own does) never invalidates a loop over the set, and never destroys itself while its
/// own code runs (the caller holds a reference).
///
/// `Connection` has `void stop()`. Not thread-safe: the server's event loop thread only.
template <class Connection>
class ConnectionSet {
 public:
  using Ptr = std::shared_ptr<Connection>;

  void start(Ptr connection) { open_.insert(std::move(connection)); }

  /// Removes `connection` (if still there) and stops it.
  void stop(const Ptr& connection) {
    const Ptr keep = connection;  // `connection` may refer to the set's own element
    open_.erase(keep);
    keep->stop();
  }

  /// Removes a connection that stopped by itself; a no-op when stop_all() already took it.
  void erase(const Ptr& connection) { open_.erase(connection); }

  void stop_all() {
    std::set<Ptr> stopping;
    stopping.swap(open_);
    for (const Ptr& connection : stopping) connection->stop();
  }

  [[nodiscard]] std::size_t size() const { return open_.size(); }

 private:
  std::set<Ptr> open_;
};

}  // namespace tse
