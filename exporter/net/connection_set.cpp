#include "net/connection_set.h"

#include <utility>
#include <vector>

namespace tse {

ConnectionSet::Admission ConnectionSet::admit(Clock::time_point now) {
  if (open_.size() < max_) return Admission::kAdmitted;
  // The one waiting longest for a request; else the write stuck longest, if stuck long enough.
  auto victim = open_.end();
  for (auto it = open_.begin(); it != open_.end(); ++it) {
    if (it->second.state == State::kReading &&
        (victim == open_.end() || it->second.since < victim->second.since)) {
      victim = it;
    }
  }
  if (victim == open_.end()) {
    for (auto it = open_.begin(); it != open_.end(); ++it) {
      if (it->second.state == State::kWriting && now - it->second.since >= stalled_write_ &&
          (victim == open_.end() || it->second.since < victim->second.since)) {
        victim = it;
      }
    }
  }
  if (victim == open_.end()) return Admission::kRefused;
  // Out of the set before it is closed: its closer may call remove() (a no-op by then).
  auto close = std::move(victim->second.close);
  open_.erase(victim);
  changed();
  if (close) close();
  return Admission::kEvicted;
}

ConnectionSet::Id ConnectionSet::add(std::function<void()> close) {
  const Id id = ++next_;
  open_.emplace(id, Connection{std::move(close), State::kBusy, Clock::now()});
  changed();
  return id;
}

void ConnectionSet::set(Id id, State state, Clock::time_point since) {
  if (auto it = open_.find(id); it != open_.end()) {
    it->second.state = state;
    it->second.since = since;
  }
}

void ConnectionSet::reading(Id id, Clock::time_point since) { set(id, State::kReading, since); }

void ConnectionSet::busy(Id id) { set(id, State::kBusy, Clock::now()); }

void ConnectionSet::writing(Id id, Clock::time_point since) { set(id, State::kWriting, since); }

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
