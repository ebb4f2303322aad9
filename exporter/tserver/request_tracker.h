#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>

namespace tse::tserver {

/// The client requests still waiting for their answer, so that an EventError can name the
/// request it answers (contract section 3.5). Keyed by (client, AttributeReferenceID):
/// ReferenceIDs are allocated per client connection and wrap, so a new request with the same
/// key replaces the old one. An error that comes without its client falls back to the
/// ReferenceID alone when exactly one pending request has it.
///
/// Bounded by count (the oldest goes first) and by age (counted in requests since, not in time,
/// so that it stays pure); evictions are counted. Pure, not thread-safe: one per log stream.
class RequestTracker {
 public:
  static constexpr std::size_t kMaxPending = 4096;
  static constexpr std::uint64_t kMaxAge = 65536;  // requests received since

  /// A request whose dump gave its ReferenceID.
  void add(std::string_view client, std::uint64_t reference, std::string_view request);

  /// The request that an EventError answers, removed from the pending set; empty when none
  /// matches. Without a client (`client` empty), the ReferenceID alone decides, when exactly
  /// one pending request has it. The view is valid until the next call.
  std::string_view answer(std::string_view client, std::uint64_t reference);

  [[nodiscard]] std::size_t pending() const { return pending_.size(); }
  [[nodiscard]] std::uint64_t evictions() const { return evictions_; }

 private:
  struct Pending {
    std::string request;
    std::uint64_t added;  // request serial
  };
  static std::string key(std::string_view client, std::uint64_t reference);
  void evict_old();

  std::unordered_map<std::string, Pending> pending_;
  std::unordered_map<std::uint64_t, std::uint32_t> by_reference_;  // how many pending share it
  std::deque<std::pair<std::string, std::uint64_t>> order_;        // key, serial: oldest first
  std::uint64_t serial_ = 0;
  std::uint64_t evictions_ = 0;
  std::string answered_;
};

}  // namespace tse::tserver
