#include "tserver/request_tracker.h"

#include "hashing/fnv1a.h"

namespace tse::tserver {

std::uint64_t RequestTracker::key(std::uint64_t client_number, std::uint64_t reference) {
  char bytes[16];
  for (int i = 0; i < 8; ++i) {
    bytes[i] = static_cast<char>((client_number >> (8 * i)) & 0xff);
    bytes[8 + i] = static_cast<char>((reference >> (8 * i)) & 0xff);
  }
  return fnv1a(std::string_view(bytes, sizeof bytes));
}

std::uint32_t RequestTracker::intern(std::string_view request) {
  if (auto it = name_index_.find(request); it != name_index_.end()) return it->second;
  if (names_.size() >= kMaxNames) request = "other";
  if (auto it = name_index_.find(request); it != name_index_.end()) return it->second;
  const auto index = static_cast<std::uint32_t>(names_.size());
  names_.emplace_back(request);
  name_index_.emplace(names_.back(), index);
  return index;
}

void RequestTracker::add(const ClientId& client, std::uint64_t reference, std::string_view request,
                         std::optional<LogClock::Instant> received) {
  ++serial_;
  // A request whose record names no client is kept under a number no client has: only the
  // fallback by ReferenceID alone can find it.
  const std::uint64_t number = client.known ? client.number : kNoClient;
  const std::uint64_t k = key(number, reference);
  const Pending entry{serial_, number, reference, client.application, intern(request), received};
  auto [it, inserted] = pending_.try_emplace(k, entry);
  if (!inserted) it->second = entry;  // the ReferenceID wrapped: the new request replaces the old
  order_.emplace_back(k, serial_);
  evict_old();
}

void RequestTracker::forget(std::unordered_map<std::uint64_t, Pending>::iterator it) {
  pending_.erase(it);
}

void RequestTracker::evict_old() {
  while (!order_.empty()) {
    const auto [k, serial] = order_.front();
    if (pending_.size() <= kMaxPending && serial_ - serial <= kMaxAge) return;  // the usual case
    auto it = pending_.find(k);
    const bool stale = it == pending_.end() || it->second.serial != serial;  // answered, replaced
    if (!stale && pending_.size() <= kMaxPending && serial_ - serial <= kMaxAge) return;
    if (!stale) {
      forget(it);
      ++evictions_;
    }
    order_.pop_front();
  }
}

RequestTracker::Answered RequestTracker::answer(const ClientId& client, std::uint64_t reference) {
  auto it = pending_.end();
  if (client.known) {
    it = pending_.find(key(client.number, reference));
    if (it == pending_.end()) return {};  // that client has no such request pending
    const std::uint64_t application = it->second.application;
    if (application != 0 && client.application != 0 && application != client.application) {
      return {};  // another application behind a reused client number
    }
  } else {  // rare (a dump logged without its 04542 record): a scan is fine
    int matches = 0;
    for (auto candidate = pending_.begin(); candidate != pending_.end(); ++candidate) {
      if (candidate->second.reference == reference && ++matches == 1) it = candidate;
    }
    if (matches != 1) return {};
  }
  const Answered answered{names_[it->second.name], it->second.name, it->second.received};
  forget(it);
  return answered;
}

}  // namespace tse::tserver
