#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "catalog/error_catalog.h"
#include "logging/rate_limiter.h"

namespace tse {

/// The EventError counters (`tserver_event_errors_total`), the code table
/// (`tserver_error_code_info`), and how long the T-Server takes to answer requests
/// (`tserver_request_duration_seconds`, `tserver_requests_unanswered_total`).
///
/// A T-Server's series are created all at once, at 0, when it is first named: a series born at 1
/// would never fire an `increase()` alert. Codes outside the catalog get a series of their own,
/// named UNKNOWN, up to a limit; past it they are counted under `error_code="other"`.
///
/// Every label set that grows with input has a limit (see Limits), per T-Server and in all:
/// past it the count goes to the label value "other" (`tserver="other"`, `error_code="other"`,
/// `request="other"`), so totals stay exact, and the event is counted in a
/// `tserver_exporter_*_capped_total` metric and logged at a rate limit. Which labels are under
/// a limit is decided by first use and kept in the state file: restore() admits every saved
/// label whatever the limits, so a restart never moves a count from one label to another.
///
/// The names and descriptions come from an ErrorCatalog (the built-in SfB table unless one is
/// given), which set_catalog() replaces at a reload with every count kept.
///
/// Counting, creating series and the set_* calls happen on one thread (the daemon's event
/// loop); prometheus-cpp makes collecting from another thread safe.
class ErrorMetrics {
 public:
  /// The counters of one T-Server. References stay valid for the life of the ErrorMetrics.
  class TServer {
   public:
    /// Counts one EventError; nullopt is the log's "code unknown"; `request` is the request it
    /// answers, empty when unknown.
    void count(std::optional<std::int64_t> code, std::string_view request = {});
    /// Counts a client request the T-Server received.
    void count_request(std::string_view request);
    void count_link_disconnected();
    void count_iscc_error(std::optional<std::int64_t> code);
    /// An answer-time histogram, and the answers gathered for it since the last flush: an
    /// Observe() per answer would take the histogram's mutex (which a rendering on another
    /// thread takes too) and two atomic compare-and-swap loops, per answer.
    struct DurationSeries {
      prometheus::Histogram* histogram = nullptr;
      std::vector<std::uint64_t> counts;  // by bucket, +Inf last; empty: none gathered
      double sum = 0;
    };
    /// A request answered after `seconds` of log time (never negative: the parser skips a time
    /// that goes backwards). Its series is made on first use, like tserver_requests_total's.
    /// Gathered in plain integers: the histogram shows it at ErrorMetrics::flush_durations().
    void observe_duration(std::string_view request, double seconds) {
      observe_duration(durations_of(request), seconds);
    }
    /// The series `request`'s answers go to (request="other" past the limits), made on first
    /// use; valid for the life of the ErrorMetrics, so that a reader can keep it per request
    /// name instead of looking the name up at every answer.
    DurationSeries& durations_of(std::string_view request);
    void observe_duration(DurationSeries& series, double seconds);
    /// A request with no answer within the request timeout.
    void count_unanswered(std::string_view request);

   private:
    prometheus::Counter& counter_for(std::optional<std::int64_t> code, bool force = false);
    prometheus::Counter& other_counter();
    prometheus::Counter& request_error_counter(const std::string& request,
                                               std::optional<std::int64_t> code, bool capped);
    /// With `force` (restore), the series is made even past the limits of pairs.
    prometheus::Counter& request_error_series(const std::string& request,
                                              const std::string& code_label, std::string_view name,
                                              bool force = false);
    /// The series of `request` in `series` (one of the maps below), made in `family` with the
    /// labels tserver and request on first use.
    prometheus::Counter& by_request(
        std::map<std::string, prometheus::Counter*, std::less<>>& series,
        prometheus::Family<prometheus::Counter>& family, const std::string& request);
    /// Counts one in `series` under `request`'s label.
    void count_by_request(std::map<std::string, prometheus::Counter*, std::less<>>& series,
                          prometheus::Family<prometheus::Counter>& family,
                          std::string_view request);
    prometheus::Counter& request_counter(const std::string& request);
    prometheus::Counter& iscc_counter(const std::string& code, bool force = false);
    prometheus::Counter& unanswered_counter(const std::string& request);
    friend class ErrorMetrics;
    TServer(ErrorMetrics& owner, std::string label);
    prometheus::Counter& add(const std::string& code, std::string_view name);

    ErrorMetrics& owner_;
    std::string label_;
    /// Moves the series to `next` (ErrorMetrics::set_catalog()).
    void recatalog(const ErrorCatalog& next);
    /// The series of `code` under the name `name`: `counter` itself when its name is already
    /// that, else a new series carrying its count, the old one removed.
    prometheus::Counter& renamed(prometheus::Counter& counter, const std::string& code,
                                 std::string_view old_name, std::string_view name);

    std::vector<prometheus::Counter*> catalog_;  // by index in owner_.catalog_->entries()
    prometheus::Counter* unknown_ = nullptr;     // error_code="unknown"
    prometheus::Counter* other_ = nullptr;       // past the limit of unlisted codes
    std::unordered_map<std::int64_t, prometheus::Counter*> unlisted_;
    std::map<std::string, prometheus::Counter*, std::less<>> requests_;
    std::map<std::string, prometheus::Counter*, std::less<>> request_errors_;  // request|code
    std::map<std::string, prometheus::Counter*, std::less<>> iscc_errors_;
    /// The histogram of `request` (a label): past Limits::duration_series, unless `force`,
    /// that of request="other".
    DurationSeries& duration_series(const std::string& request, bool force = false);
    std::map<std::string, DurationSeries, std::less<>> durations_;         // by request
    std::map<std::string, prometheus::Counter*, std::less<>> unanswered_;  // by request
    prometheus::Counter* link_disconnected_ = nullptr;
    std::size_t request_pairs_ = 0;  // request_errors_ series with request != "other"
    std::size_t iscc_codes_ = 0;     // iscc_errors_ series with a numeric code
    // When count() was last called (the landing page's "last EventError"); the epoch: never.
    std::chrono::system_clock::time_point last_error_{};
  };

  /// How many label values may have series of their own. The worst case of series these allow
  /// is in the README (Limits).
  struct Limits {
    /// Distinct `tserver` labels (`--metrics.max-tservers`); "other" is not one of them.
    std::size_t tservers = 256;
    /// EventError codes outside the catalog: series per T-Server, and in all.
    std::size_t unlisted_codes_per_tserver = 20;
    std::size_t unlisted_codes = 100;
    /// ISCCEventError codes ("unknown" and "other" aside): series per T-Server, and in all.
    std::size_t iscc_codes_per_tserver = 20;
    std::size_t iscc_codes = 100;
    /// Distinct request names, in all.
    std::size_t request_names = 64;
    /// `tserver_request_errors_total` series (request, error code) with a request other than
    /// "other": per T-Server, and in all. Past them the request is "other", the code kept. A
    /// busy T-Server has about 300 (15 requests, 22 codes in tests/bench's generated log).
    std::size_t request_pairs_per_tserver = 1024;
    std::size_t request_pairs = 16384;
    /// `tserver_request_duration_seconds` series (T-Server, request) with a request other than
    /// "other", in all: each is 18 series (16 buckets, sum, count), so the request names alone
    /// (257 x 66 x 18) would allow 305,000. Past it the request is "other". A busy T-Server
    /// has about 15.
    std::size_t duration_series = 2048;
  };

  /// The upper bounds of tserver_request_duration_seconds' buckets, in seconds (+Inf aside).
  static const prometheus::Histogram::BucketBoundaries& duration_buckets();

  explicit ErrorMetrics(prometheus::Registry& registry);
  ErrorMetrics(prometheus::Registry& registry, Limits limits,
               std::shared_ptr<const ErrorCatalog> catalog = nullptr);
  ErrorMetrics(const ErrorMetrics&) = delete;
  ErrorMetrics& operator=(const ErrorMetrics&) = delete;

  /// The counters of the T-Server named `label` (sanitised), created at 0 on first use; past
  /// the limit of T-Servers, those of `tserver="other"`. A new T-Server is logged once (info).
  TServer& tserver(std::string_view label);

  /// One series' value, for the state file.
  struct Value {
    std::string family;  // "event_errors", "request_errors", "requests", "link_disconnected",
                         // "iscc_errors", "requests_unanswered", "request_duration_bucket",
                         // "request_duration_sum"
    std::string tserver;
    std::string request;     // request_errors, requests, requests_unanswered, request_duration_*
    std::string error_code;  // event_errors, request_errors, iscc_errors: "57", "unknown", ...;
                             // request_duration_bucket: the bucket's `le` ("0.005", "+Inf")
    /// request_duration_bucket: the observations in that bucket alone (not cumulative);
    /// request_duration_sum: the sum's IEEE 754 bits, so that it comes back to the last bit (the
    /// bucket counts give the count).
    std::uint64_t value = 0;
  };
  /// Every non-zero series (the zeros are made again with their T-Server), and every T-Server's
  /// link_disconnected series even at 0, so that the T-Servers under the limit stay the same.
  /// With `event_errors_only` (the landing page, at every rendering), the event_errors series
  /// and the link_disconnected ones alone, which is cheaper by the request series.
  [[nodiscard]] std::vector<Value> values(bool event_errors_only = false) const;

  /// Sets a series back to a saved value (start-up only, before any counting). Returns false
  /// for an unknown family, or an error_code that is neither a number, "unknown" nor "other".
  bool restore(const Value& saved);

  /// Reload: names and describes the codes as `catalog` does, every count kept. A code whose
  /// name changes keeps its count under the new `error_name`: Prometheus sees the old series
  /// end and a new one begin at the same value (no increase() in between). A new code gets its
  /// series at 0 for every T-Server known; a code no longer in the catalog goes back to
  /// `error_name="UNKNOWN"` as an unlisted code (its series dropped if it is at 0).
  void set_catalog(std::shared_ptr<const ErrorCatalog> catalog);
  [[nodiscard]] const ErrorCatalog& catalog() const { return *catalog_; }

  /// Reload: new limits of label values. They apply to values not seen yet: a label that has
  /// its series keeps it whatever the new limit, so no count ever moves to "other".
  void set_limits(const Limits& limits) { limits_ = limits; }
  [[nodiscard]] const Limits& limits() const { return limits_; }

  /// When an EventError of `tserver` (a label as values() gives it) was last counted, by the
  /// wall clock; nullopt when none was since start (a count restored from the state file has
  /// no time).
  [[nodiscard]] std::optional<std::chrono::system_clock::time_point> last_error(
      std::string_view tserver) const;

  /// Adds the answer times gathered since the last call to their histograms. The reader calls it
  /// after each block of log it reads, so that a state write or a rendering, which come between
  /// blocks on the same thread, always sees every answer counted so far.
  void flush_durations();

  /// Changes with every count: tells whether the counters moved since it was last read.
  [[nodiscard]] std::uint64_t generation() const { return generation_; }

 private:
  /// The `request` label for a TLib request name: the name when it looks like one (`Request`
  /// and letters), within a limit of distinct names (ignored with `force`); else "other";
  /// "unknown" when empty.
  std::string request_label(std::string_view request, bool force = false);
  /// restore() of a request_duration_* value.
  bool restore_duration(TServer& ts, const Value& saved);
  /// The T-Server `clean`, made if need be: past the limit, unless `force`, "other".
  TServer& admit(const std::string& clean, bool force);
  /// Makes tserver_error_code_info equal to the catalog: a series per code, re-made when its
  /// name or description changed.
  void publish_info();
  /// The error_name of `code` in the catalog, UNKNOWN outside it.
  [[nodiscard]] std::string_view name_of(std::int64_t code) const;
  /// Counts one event turned to "other" and logs it at a rate limit.
  void capped(prometheus::Counter& counter, const char* what, std::string_view value,
              std::string_view tserver);

  prometheus::Family<prometheus::Counter>& errors_;
  prometheus::Family<prometheus::Counter>& request_errors_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Counter>& link_disconnected_;
  prometheus::Family<prometheus::Counter>& iscc_errors_;
  prometheus::Family<prometheus::Histogram>& durations_;
  prometheus::Family<prometheus::Counter>& unanswered_;
  prometheus::Family<prometheus::Gauge>& info_;
  std::map<std::int64_t, prometheus::Gauge*> info_series_;  // tserver_error_code_info by code
  std::shared_ptr<const ErrorCatalog> catalog_;
  prometheus::Counter& capped_;  // unlisted EventError codes
  prometheus::Counter& iscc_capped_;
  prometheus::Counter& requests_capped_;
  prometheus::Counter& tservers_capped_;
  Limits limits_;
  std::map<std::string, bool, std::less<>> request_names_;
  std::size_t unlisted_total_ = 0;
  std::size_t iscc_total_ = 0;
  std::size_t request_pairs_total_ = 0;
  std::size_t duration_series_total_ = 0;  // durations_ series with request != "other"
  std::size_t named_tservers_ = 0;         // T-Servers other than "other"
  RateLimiter capped_log_{std::chrono::minutes(1)};
  std::uint64_t generation_ = 0;
  std::vector<TServer::DurationSeries*> gathered_;  // with answers waiting for flush_durations()
  std::map<std::string, std::unique_ptr<TServer>, std::less<>> tservers_;
};

/// A label value made safe for the exposition: printable ASCII kept, every other byte (the logs
/// are bytes, not UTF-8) replaced by '_', at most 128 bytes.
std::string sanitize_label_value(std::string_view raw);

}  // namespace tse
