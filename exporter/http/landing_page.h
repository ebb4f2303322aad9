#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tse {

/// What the landing page `/` shows: the exporter as the counting thread saw it at one
/// rendering, copied out of the counters, the file tailer and the listeners. Plain values: the
/// HTTP thread never sees the counting state, only the HTML made from this.
struct LandingView {
  std::string title = "tserver_exporter";
  std::string telemetry_path = "/metrics";
  /// The wall-clock time of the rendering (this page's and /metrics' counts are those of then).
  std::chrono::system_clock::time_point rendered_at{};

  struct Code {
    std::string code;  // "57", "unknown", "other"
    std::string name;  // the catalog's, UNKNOWN outside it
    std::string description;
    std::uint64_t count = 0;
  };
  struct TServer {
    std::string name;         // the `tserver` label
    std::vector<Code> codes;  // the non-zero ones, in any order (the page sorts them)
    /// When this exporter last counted an EventError of it (its wall clock); none since start.
    std::optional<std::chrono::system_clock::time_point> last_error;
  };
  std::vector<TServer> tservers;  // in the order shown

  struct File {
    std::string path;
    std::uint64_t offset = 0;   // bytes read
    std::uint64_t backlog = 0;  // bytes written and not read yet
  };
  std::vector<File> files;  // in the order shown

  struct Origin {
    std::string name;  // who sends: the peer, and for syslog its hostname and app-name
    std::chrono::seconds silent{0};
    bool refused = false;  // its T-Server was over the listener's cap: not counted
  };
  struct Listener {
    std::string spec;            // the source as configured: udp://127.0.0.1:514
    std::size_t origins = 0;     // held now, all of them
    std::vector<Origin> recent;  // the most recently heard first; may be fewer than `origins`
  };
  std::vector<Listener> listeners;
};

/// How much the page lists, so that its size stays bounded whatever the logs and senders hold.
/// Past a cap a line says how many more there are. Every value from a log, a sender or the
/// catalog is cut to `value_bytes`, and once the page holds `page_bytes` every list stops at
/// its next row (so the page is at most that plus a row and the closing lines).
struct LandingLimits {
  std::size_t tservers = 100;
  std::size_t codes_per_tserver = 25;
  std::size_t files = 200;
  std::size_t origins_per_listener = 50;
  std::size_t value_bytes = 200;
  std::size_t page_bytes = 1u << 20;
};

/// The landing page's HTML: no script, no external resource, a small inline style. Every value
/// of the view is escaped (html_escape). Pure: the clock is in the view.
std::string render_landing_page(const LandingView& view, const LandingLimits& limits = {});

/// `text` made safe inside HTML text and quoted attribute values: `<`, `>`, `&`, `"` and `'` as
/// character references; bytes that are not UTF-8, and control characters but TAB, as U+FFFD
/// (a log's bytes are not UTF-8, a page must be). With `max_bytes`, cut to at most that many
/// bytes of `text` (at a character's start), then `…`.
std::string html_escape(std::string_view text, std::size_t max_bytes = std::string_view::npos);

}  // namespace tse
