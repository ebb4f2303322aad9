#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace tse {

/// One rendering of the metrics: the text format, and the same bytes gzip-compressed for the
/// clients that accept it (Prometheus does); and the landing page's HTML made at the same moment
/// from the same counts (empty if it could not be made).
struct Exposition {
  std::string text;
  std::string gzip;
  std::string landing;
};

/// The last rendered exposition, handed from the thread that counts (the only one that may
/// touch the registry, render, and write the state file) to the thread that serves HTTP.
///
/// A scrape is answered at once while the text is younger than `fresh`. Between `fresh` and
/// `stale` it is still answered at once, and a new render is asked for. Older than `stale`, a
/// scrape waits for a new render, unless one is already under way and the text is younger than
/// `max_stale`: a render that waits for the disk (the state file is synced first; a kernel
/// writing back other files' pages has delayed that sync by 300 ms here) holds no scrape up.
/// So 50 clients at once share one render, reading a backlog never delays a scrape, a scrape
/// after a quiet spell (Prometheus every 15 s) gets the counts of now, and what a scrape shows
/// is at most `stale` old (`max_stale` while the disk is slow). Ages count from the start of a
/// render; at most one render is asked for at a time.
///
/// Thread-safe. `get` and `publish` call back without holding the lock.
class ExpositionCache {
 public:
  using Clock = std::chrono::steady_clock;
  using Text = std::shared_ptr<const Exposition>;
  using Done = std::function<void(Text)>;

  struct Ages {
    Clock::duration fresh = std::chrono::milliseconds(50);
    Clock::duration stale = std::chrono::milliseconds(200);
    Clock::duration max_stale = std::chrono::seconds(1);
  };

  /// `request_render` is called (on the thread of `get`) when a new text is wanted; it must
  /// lead to a `publish` or a `render_failed` on the counting thread. Throws
  /// std::invalid_argument unless fresh <= stale <= max_stale.
  ExpositionCache(Ages ages, std::function<void()> request_render);

  /// A scrape at `now`. `done` is called with the text: at once when the current one may be
  /// served, else from `publish`, on the counting thread. If `request_render` throws, the
  /// exception is passed on and the next scrape asks again.
  void get(Clock::time_point now, Done done);

  /// A new text whose counts are those at `rendered_at`; answers every waiting scrape.
  void publish(Text text, Clock::time_point rendered_at);

  /// The render asked for could not be made: the waiting scrapes get the current text (nullptr
  /// before the first), and the next scrape asks again.
  void render_failed();

  /// How many renders were asked for (for tests).
  [[nodiscard]] std::uint64_t renders_requested() const;

 private:
  const Ages ages_;
  const std::function<void()> request_render_;
  mutable std::mutex mutex_;
  Text text_;
  Clock::time_point rendered_at_{};
  bool render_requested_ = false;
  std::uint64_t renders_requested_ = 0;
  std::vector<Done> waiting_;
};

}  // namespace tse
