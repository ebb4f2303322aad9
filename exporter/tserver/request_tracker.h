#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>

#include "tserver/log_line.h"

namespace tse::tserver {

/// The client requests still waiting for their answer, so that an EventError can name the
/// request it answers (contract section 3.5). Keyed by (client number, AttributeReferenceID):
/// ReferenceIDs are allocated per client connection and wrap, so a new request with the same
/// key replaces the old one; the client's application must not disagree either (a 04542 record
/// and an `Int 04545` trace name the same client in two shapes, see ClientId). An error that
/// comes without its client falls back to the ReferenceID alone when exactly one pending
/// request has it.
///
/// Bounded by count (the oldest goes first) and by age (counted in requests since, not in time,
/// so that it stays pure); evictions are counted. Entries are small integers: the key is a hash
/// of the client and the ReferenceID, the request name an index into a table of the names seen.
/// Pure, not thread-safe: one per log stream.
class RequestTracker {
 public:
  static constexpr std::size_t kMaxPending = 4096;
  static constexpr std::uint64_t kMaxAge = 16384;  // requests received since
  static constexpr std::size_t kMaxNames = 1024;   // distinct request names kept; then "other"

  /// A request whose dump gave its ReferenceID.
  void add(const ClientId& client, std::uint64_t reference, std::string_view request);

  /// The request that an EventError answers, removed from the pending set; empty when none
  /// matches. Without a client (`client.known` false), the ReferenceID alone decides, when
  /// exactly one pending request has it. The view is valid until the next call to add().
  std::string_view answer(const ClientId& client, std::uint64_t reference);

  [[nodiscard]] std::size_t pending() const { return pending_.size(); }
  [[nodiscard]] std::uint64_t evictions() const { return evictions_; }

 private:
  struct Pending {
    std::uint64_t serial;  // when it was added, in requests
    std::uint64_t reference;
    std::uint64_t application;  // of the client, 0 when its record did not print it
    std::uint32_t name;         // index into names_
  };
  static std::uint64_t key(std::uint64_t client_number, std::uint64_t reference);
  std::uint32_t intern(std::string_view request);
  void forget(std::unordered_map<std::uint64_t, Pending>::iterator it);
  void evict_old();

  std::unordered_map<std::uint64_t, Pending> pending_;
  std::deque<std::pair<std::uint64_t, std::uint64_t>> order_;  // key, serial: oldest first
  std::deque<std::string> names_;                              // stable addresses
  std::map<std::string, std::uint32_t, std::less<>> name_index_;
  std::uint64_t serial_ = 0;
  std::uint64_t evictions_ = 0;
};

}  // namespace tse::tserver
