#include "tserver/request_tracker.h"

#include "hashing/fnv1a.h"

namespace tse::tserver {

std::uint64_t RequestTracker::key(std::string_view client, std::uint64_t reference) {
  char bytes[8];
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((reference >> (8 * i)) & 0xff);
  return fnv1a(std::string_view(bytes, sizeof bytes), fnv1a(client));
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

void RequestTracker::add(std::string_view client, std::uint64_t reference,
                         std::string_view request) {
  ++serial_;
  const std::uint64_t k = key(client, reference);
  const Pending entry{serial_, reference, intern(request)};
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

std::string_view RequestTracker::answer(std::string_view client, std::uint64_t reference) {
  auto it = pending_.end();
  if (!client.empty()) {
    it = pending_.find(key(client, reference));
    if (it == pending_.end()) return {};  // that client has no such request pending
  } else {  // rare (a dump logged without its 04542 record): a scan is fine
    int matches = 0;
    for (auto candidate = pending_.begin(); candidate != pending_.end(); ++candidate) {
      if (candidate->second.reference == reference && ++matches == 1) it = candidate;
    }
    if (matches != 1) return {};
  }
  const std::string_view name = names_[it->second.name];
  forget(it);
  return name;
}

}  // namespace tse::tserver
