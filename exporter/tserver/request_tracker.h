#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>

#include "tserver/log_line.h"
#include "tserver/log_time.h"

namespace tse::tserver {

/// The client requests still waiting for their answer, so that an EventError can name the
/// request it answers (contract section 3.5). Keyed by (client number, AttributeReferenceID):
/// ReferenceIDs are allocated per client connection and wrap, so a new request with the same
/// key replaces the old one; the client's application must not disagree either (a 04542 record
/// and an `Int 04545` trace name the same client in two shapes, see ClientId). An error that
/// comes without its client falls back to the ReferenceID alone when exactly one pending
/// request has it.
///
/// Each request keeps the log time it was received at, so that its answer gives its duration
/// (issue 14); one that waits longer than the request timeout, in log time, is taken out as
/// unanswered (expire()). Bounded besides by count (the oldest goes first) and by age (counted
/// in requests since); those evictions are counted apart, so a request is never both. Entries are
/// small integers: the key is a hash of the client and the ReferenceID, the request name an index
/// into a table of the names seen. Pure, not thread-safe: one per log stream.
class RequestTracker {
 public:
  static constexpr std::size_t kMaxPending = 4096;
  static constexpr std::uint64_t kMaxAge = 16384;  // requests received since
  static constexpr std::size_t kMaxNames = 1024;   // distinct request names kept; then "other"

  /// A request whose dump gave its ReferenceID.
  void add(const ClientId& client, std::uint64_t reference, std::string_view request,
           std::optional<LogClock::Instant> received = std::nullopt);

  /// What answer() found.
  struct Answered {
    std::string_view request;                   // empty when no pending request matches
    std::uint32_t request_id = 0;               // its index among the names seen
    std::optional<LogClock::Instant> received;  // when its record printed a time
  };

  /// The request that an EventError answers, removed from the pending set; empty when none
  /// matches. Without a client (`client.known` false), the ReferenceID alone decides, when
  /// exactly one pending request has it. The view is valid until the next call to add().
  Answered answer(const ClientId& client, std::uint64_t reference);

  /// Takes out the requests received more than `timeout` microseconds of log time before `now`,
  /// oldest first, calling `unanswered(request name)` for each. A request from an earlier epoch
  /// (the log's clock stepped back since) has waited at least since `epoch_start`, where the
  /// epoch of `now` began.
  template <typename F>
  void expire(const LogClock::Instant& now, std::int64_t epoch_start, std::int64_t timeout,
              F&& unanswered) {
    while (!order_.empty()) {
      const auto [k, serial] = order_.front();
      auto it = pending_.find(k);
      if (it != pending_.end() && it->second.serial == serial) {
        const std::optional<LogClock::Instant>& received = it->second.received;
        if (!received) return;  // no time printed: it waits its turn by count
        const std::int64_t waited =
            received->epoch == now.epoch ? now.micros - received->micros : now.micros - epoch_start;
        // Oldest first: a request after this one, of this epoch or a later one, waited less.
        if (waited <= timeout) return;
        unanswered(std::string_view(names_[it->second.name]));
        ++unanswered_;
        forget(it);
      }
      order_.pop_front();
    }
  }

  /// The pending requests, oldest first, as `f(client, reference, request, received)`: for the
  /// state file, which gives them back to add() in the same order after a restart.
  template <typename F>
  void for_each_pending(F&& f) const {
    for (const auto& [k, serial] : order_) {
      const auto it = pending_.find(k);
      if (it == pending_.end() || it->second.serial != serial) continue;  // answered, replaced
      const Pending& p = it->second;
      const bool known = p.client_number != kNoClient;
      f(ClientId{known ? p.client_number : 0, known ? p.application : 0, known}, p.reference,
        std::string_view(names_[p.name]), p.received);
    }
  }

  [[nodiscard]] std::size_t pending() const { return pending_.size(); }
  [[nodiscard]] std::uint64_t evictions() const { return evictions_; }
  [[nodiscard]] std::uint64_t unanswered() const { return unanswered_; }

 private:
  static constexpr std::uint64_t kNoClient = ~std::uint64_t{0};  // a record that named none
  struct Pending {
    std::uint64_t serial;         // when it was added, in requests
    std::uint64_t client_number;  // kNoClient when its record did not name one
    std::uint64_t reference;
    std::uint64_t application;  // of the client, 0 when its record did not print it
    std::uint32_t name;         // index into names_
    std::optional<LogClock::Instant> received;
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
  std::uint64_t unanswered_ = 0;
};

}  // namespace tse::tserver
