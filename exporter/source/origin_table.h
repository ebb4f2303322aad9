#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "source/file_tailer.h"

namespace tse {

/// The limits of one network listener: what its senders can make it hold.
struct OriginLimits {
  std::size_t max_origins = 1024;  // readers held at once; past it the longest silent is closed
  std::size_t max_labels = 64;     // distinct tserver labels; past it, lines are dropped
};

/// The origins of one network listener (a TCP connection, or a UDP sender, plus the syslog
/// hostname and app-name), each with the reader that reassembles its lines, under every cap the
/// listener has: origins held at once and distinct tserver labels, whether the label comes from
/// the transport (app-name, listener name) or from a header block inside the stream. What the
/// caps turned away is counted here; the caller turns the counts into metrics and log lines.
///
/// Pure: no I/O, no clock (time is passed in). Not thread-safe: the listener's event loop
/// thread calls everything, including the admission hooks it hands to readers.
class OriginTable {
 public:
  using Clock = std::chrono::steady_clock;
  /// Asked by a reader before it counts under a label it found in its stream.
  using Admission = std::function<bool(std::string_view label)>;
  /// Makes the reader of a new origin labelled `label`; the reader calls `admit` for a label of
  /// its own.
  using MakeReader =
      std::function<std::unique_ptr<StreamReader>(const std::string& label, Admission admit)>;

  struct Origin {
    std::unique_ptr<StreamReader> reader;
    /// A header named a label over the cap: its lines are no longer counted.
    bool refused = false;
    Clock::time_point last{};
    bool quiet = true;                 // idle() already told since the last bytes
    const std::string* key = nullptr;  // the table's key of this origin
    std::list<Origin*>::iterator age;  // its place in the table's age order
  };

  OriginTable(OriginLimits limits, MakeReader make_reader);
  ~OriginTable();
  OriginTable(const OriginTable&) = delete;
  OriginTable& operator=(const OriginTable&) = delete;

  /// The origin `key`, opened under `label` when new (closing the longest silent origin when
  /// the table is full); nullptr when `label` is new and the label cap is reached. Marks it as
  /// heard from at `now`. The pointer is valid until the next open(), close or sweep.
  Origin* open(std::string_view key, std::string_view label, Clock::time_point now);

  /// Closes (finish()es and forgets) the origin `key` and every origin whose key starts with
  /// `key` and a LF: a connection's origins.
  void close_connection(std::string_view key);
  /// Closes every origin (the listener stops).
  void close_all();

  /// Calls idle() on origins silent for `idle_after`; closes those silent for `forget_after`.
  void sweep(Clock::time_point now, Clock::duration idle_after,
             std::optional<Clock::duration> forget_after);

  /// True when `label` already counts, or a new label fits under the cap (it is then taken).
  bool admit_label(std::string_view label);

  /// An origin as the landing page shows it.
  struct Heard {
    std::string key;
    Clock::time_point last;
    bool refused;
  };
  /// The `max` origins heard from most recently, the latest first.
  [[nodiscard]] std::vector<Heard> recent(std::size_t max) const;

  [[nodiscard]] std::size_t size() const { return origins_.size(); }
  [[nodiscard]] std::size_t labels() const { return labels_.size(); }
  /// Times a label was refused over the cap (a transport's label at open(), a header's
  /// through a reader's admission hook).
  [[nodiscard]] std::uint64_t labels_refused() const { return labels_refused_; }
  /// Origins closed early to make room for a new one.
  [[nodiscard]] std::uint64_t origins_evicted() const { return origins_evicted_; }
  /// The label last refused, for the log line.
  [[nodiscard]] const std::string& last_refused_label() const { return last_refused_; }

 private:
  using Map = std::map<std::string, Origin, std::less<>>;
  void close(Map::iterator it);

  OriginLimits limits_;
  MakeReader make_reader_;
  Map origins_;
  std::list<Origin*> by_age_;  // least recently heard from first
  std::set<std::string, std::less<>> labels_;
  std::uint64_t labels_refused_ = 0;
  std::uint64_t origins_evicted_ = 0;
  std::string last_refused_;
};

}  // namespace tse
