#include "tserver/request_tracker.h"

namespace tse::tserver {

std::string RequestTracker::key(std::string_view client, std::uint64_t reference) {
  std::string k(client);
  k += '#';
  k += std::to_string(reference);
  return k;
}

void RequestTracker::add(std::string_view client, std::uint64_t reference,
                         std::string_view request) {
  ++serial_;
  std::string k = key(client, reference);
  auto [it, inserted] = pending_.try_emplace(k, Pending{std::string(request), serial_});
  if (inserted) {
    ++by_reference_[reference];
  } else {
    it->second = Pending{std::string(request), serial_};  // the ReferenceID wrapped
  }
  order_.emplace_back(std::move(k), serial_);
  evict_old();
}

void RequestTracker::evict_old() {
  while (!order_.empty()) {
    const auto& [k, serial] = order_.front();
    auto it = pending_.find(k);
    const bool stale = it == pending_.end() || it->second.added != serial;  // answered or replaced
    if (!stale && pending_.size() <= kMaxPending && serial_ - serial <= kMaxAge) return;
    if (!stale) {
      const std::uint64_t reference = std::stoull(k.substr(k.rfind('#') + 1));
      if (--by_reference_[reference] == 0) by_reference_.erase(reference);
      pending_.erase(it);
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
  } else {
    const auto shared = by_reference_.find(reference);
    if (shared == by_reference_.end() || shared->second != 1) return {};
    std::string suffix = "#";
    suffix += std::to_string(reference);
    for (auto candidate = pending_.begin(); candidate != pending_.end(); ++candidate) {
      if (candidate->first.ends_with(suffix)) {
        it = candidate;
        break;
      }
    }
    if (it == pending_.end()) return {};
  }
  answered_ = std::move(it->second.request);
  if (--by_reference_[reference] == 0) by_reference_.erase(reference);
  pending_.erase(it);
  return answered_;
}

}  // namespace tse::tserver
