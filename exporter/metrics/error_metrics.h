#pragma once

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
#include <prometheus/registry.h>

namespace tse {

/// The EventError counters (`tserver_event_errors_total`) and the code table
/// (`tserver_error_code_info`).
///
/// A T-Server's series are created all at once, at 0, when it is first named: a series born at 1
/// would never fire an `increase()` alert. Codes outside the catalog get a series of their own,
/// named UNKNOWN, up to a limit; past it they are counted under `error_code="other"`.
///
/// Counting and creating series happen on one thread (the daemon's event loop); prometheus-cpp
/// makes collecting from another thread safe.
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

   private:
    prometheus::Counter& counter_for(std::optional<std::int64_t> code);
    prometheus::Counter& request_error_counter(const std::string& request,
                                               std::optional<std::int64_t> code, bool capped);
    prometheus::Counter& request_error_series(const std::string& request,
                                              const std::string& code_label,
                                              std::string_view name);
    prometheus::Counter& request_counter(const std::string& request);
    prometheus::Counter& iscc_counter(const std::string& code);
    friend class ErrorMetrics;
    TServer(ErrorMetrics& owner, std::string label);
    prometheus::Counter& add(const std::string& code, std::string_view name);

    ErrorMetrics& owner_;
    std::string label_;
    std::vector<prometheus::Counter*> catalog_;  // by index in ErrorCatalog::entries()
    prometheus::Counter* unknown_ = nullptr;     // error_code="unknown"
    prometheus::Counter* other_ = nullptr;       // past the limit of unlisted codes
    std::unordered_map<std::int64_t, prometheus::Counter*> unlisted_;
    std::map<std::string, prometheus::Counter*, std::less<>> requests_;
    std::map<std::string, prometheus::Counter*, std::less<>> request_errors_;  // request|code
    std::map<std::string, prometheus::Counter*, std::less<>> iscc_errors_;
    prometheus::Counter* link_disconnected_ = nullptr;
  };

  static constexpr std::size_t kDefaultMaxRequestNames = 64;

  static constexpr std::size_t kDefaultMaxUnlistedCodes = 100;

  explicit ErrorMetrics(prometheus::Registry& registry,
                        std::size_t max_unlisted_codes = kDefaultMaxUnlistedCodes);
  ErrorMetrics(const ErrorMetrics&) = delete;
  ErrorMetrics& operator=(const ErrorMetrics&) = delete;

  /// The counters of the T-Server named `label` (sanitised), created at 0 on first use.
  TServer& tserver(std::string_view label);

  /// One series' value, for the state file.
  struct Value {
    std::string family;  // "event_errors", "request_errors", "requests", "link_disconnected",
                         // "iscc_errors"
    std::string tserver;
    std::string request;     // request_errors, requests
    std::string error_code;  // event_errors, request_errors, iscc_errors: "57", "unknown", ...
    std::uint64_t value = 0;
  };
  /// Every non-zero series (the zeros are made again with their T-Server).
  [[nodiscard]] std::vector<Value> values() const;

  /// Sets a series back to a saved value (start-up only, before any counting). Returns false
  /// for an unknown family, or an error_code that is neither a number, "unknown" nor "other".
  bool restore(const Value& saved);

  /// Changes with every count: tells whether the counters moved since it was last read.
  [[nodiscard]] std::uint64_t generation() const { return generation_; }

 private:
  /// The `request` label for a TLib request name: the name when it looks like one (`Request`
  /// and letters), within a limit of distinct names; else "other"; "unknown" when empty.
  std::string request_label(std::string_view request);

  prometheus::Family<prometheus::Counter>& errors_;
  prometheus::Family<prometheus::Counter>& request_errors_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Counter>& link_disconnected_;
  prometheus::Family<prometheus::Counter>& iscc_errors_;
  prometheus::Counter& capped_;
  std::map<std::string, bool, std::less<>> request_names_;
  std::size_t max_unlisted_;
  std::size_t unlisted_total_ = 0;
  std::uint64_t generation_ = 0;
  std::map<std::string, std::unique_ptr<TServer>, std::less<>> tservers_;
};

/// A label value made safe for the exposition: printable ASCII kept, every other byte (the logs
/// are bytes, not UTF-8) replaced by '_', at most 128 bytes.
std::string sanitize_label_value(std::string_view raw);

}  // namespace tse
