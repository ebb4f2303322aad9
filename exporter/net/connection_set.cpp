#include "net/connection_set.h"

#include <utility>
#include <vector>

namespace tse {

ConnectionSet::Admission ConnectionSet::admit() {
  if (open_.size() < max_) return Admission::kAdmitted;
  auto oldest = open_.end();
  for (auto it = open_.begin(); it != open_.end(); ++it) {
    if (it->second.reading && (oldest == open_.end() || it->second.since < oldest->second.since)) {
      oldest = it;
    }
  }
  if (oldest == open_.end()) return Admission::kRefused;
  // Out of the set before it is closed: its closer may call remove() (a no-op by then).
  auto close = std::move(oldest->second.close);
  open_.erase(oldest);
  changed();
  if (close) close();
  return Admission::kEvicted;
}

ConnectionSet::Id ConnectionSet::add(std::function<void()> close) {
  const Id id = ++next_;
  open_.emplace(id, Connection{std::move(close), false, Clock::now()});
  changed();
  return id;
}

void ConnectionSet::reading(Id id, Clock::time_point since) {
  if (auto it = open_.find(id); it != open_.end()) {
    it->second.reading = true;
    it->second.since = since;
  }
}

void ConnectionSet::busy(Id id) {
  if (auto it = open_.find(id); it != open_.end()) it->second.reading = false;
}

void ConnectionSet::remove(Id id) {
  if (open_.erase(id) > 0) changed();
}

void ConnectionSet::close_all() {
  // As Asio's connection_manager: take them all out first, then close each.
  std::map<Id, Connection> closing;
  closing.swap(open_);
  if (!closing.empty()) changed();
  for (auto& [id, connection] : closing) {
    if (connection.close) connection.close();
  }
}

}  // namespace tse
