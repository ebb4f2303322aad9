#include "metrics/error_metrics.h"

#include "catalog/error_catalog.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>

#include <spdlog/spdlog.h>

namespace tse {
namespace {

constexpr const char* kOther = "other";

prometheus::Counter& capped_counter(prometheus::Registry& registry, const std::string& name,
                                    const std::string& help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(registry).Add({});
}

// The `le` of bucket `index` of a duration histogram as the state file keeps it: the shortest
// text that reads back as the same double ("0.005"), "+Inf" for the last.
std::string bucket_label(std::size_t index) {
  const auto& bounds = ErrorMetrics::duration_buckets();
  if (index >= bounds.size()) return "+Inf";
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, bounds[index]);
  return std::string(buf, end);
}

// The index of the bucket whose `le` is `label`; nullopt for a bound this version has not.
std::optional<std::size_t> bucket_index(const std::string& label) {
  const auto& bounds = ErrorMetrics::duration_buckets();
  if (label == "+Inf") return bounds.size();
  double bound = 0;
  const auto [end, ec] = std::from_chars(label.data(), label.data() + label.size(), bound);
  if (ec != std::errc() || end != label.data() + label.size()) return std::nullopt;
  const auto it = std::find(bounds.begin(), bounds.end(), bound);
  if (it == bounds.end()) return std::nullopt;
  return static_cast<std::size_t>(it - bounds.begin());
}

}  // namespace

// A healthy T-Server answers in milliseconds (5 ms to 1 s resolve it, a decade in three
// steps); the timeouts are seconds: TERR_TIMEOUT (57) and the SfB connector's 236 come when a
// timeout of the T-Server's configuration expires, so the steps from 5 s to 60 s put each
// wherever it is set: an answer that took longer than that timeout is the timeout's
// EventError itself. The p99 of a connector that slows down climbs through them before the
// 236s start. +Inf takes what is longer than a minute (an answer to a request the
// T-Server kept waiting on purpose, such as a long ringing). 16 buckets: 18 series a request.
const prometheus::Histogram::BucketBoundaries& ErrorMetrics::duration_buckets() {
  static const prometheus::Histogram::BucketBoundaries kBuckets{
      0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 20, 30, 60};
  return kBuckets;
}

std::string sanitize_label_value(std::string_view raw) {
  constexpr std::size_t kMax = 128;
  std::string out;
  out.reserve(std::min(raw.size(), kMax));
  for (char c : raw.substr(0, kMax)) {
    const auto u = static_cast<unsigned char>(c);
    out.push_back(u >= 0x20 && u < 0x7f ? c : '_');
  }
  return out;
}

ErrorMetrics::ErrorMetrics(prometheus::Registry& registry) : ErrorMetrics(registry, Limits{}) {}

ErrorMetrics::ErrorMetrics(prometheus::Registry& registry, Limits limits,
                           std::shared_ptr<const ErrorCatalog> catalog)
    : errors_(prometheus::BuildCounter()
                  .Name("tserver_event_errors_total")
                  .Help("EventErrors the T-Server sent to its clients, by error code. "
                        "error_code=\"unknown\" when the log does not give the code.")
                  .Register(registry)),
      request_errors_(prometheus::BuildCounter()
                          .Name("tserver_request_errors_total")
                          .Help("EventErrors by the client request they answered; "
                                "request=\"unknown\" when no pending request matched. Its sum "
                                "over request equals tserver_event_errors_total.")
                          .Register(registry)),
      requests_(prometheus::BuildCounter()
                    .Name("tserver_requests_total")
                    .Help("Client requests the T-Server received (04541 records).")
                    .Register(registry)),
      link_disconnected_(prometheus::BuildCounter()
                             .Name("tserver_link_disconnected_total")
                             .Help("EventLinkDisconnected events (the T-Server lost its link).")
                             .Register(registry)),
      iscc_errors_(prometheus::BuildCounter()
                       .Name("tserver_iscc_errors_total")
                       .Help("ISCCEventError events (inter-site errors), by error code.")
                       .Register(registry)),
      durations_(prometheus::BuildHistogram()
                     .Name("tserver_request_duration_seconds")
                     .Help("Time from a client request's record to the T-Server's answer (an "
                           "event or EventError to the same client and reference), by the log's "
                           "own time stamps.")
                     .Register(registry)),
      unanswered_(prometheus::BuildCounter()
                      .Name("tserver_requests_unanswered_total")
                      .Help("Client requests with no answer within the request timeout.")
                      .Register(registry)),
      info_(prometheus::BuildGauge()
                .Name("tserver_error_code_info")
                .Help("The known T-Server error codes, with their names and descriptions.")
                .Register(registry)),
      catalog_(catalog ? std::move(catalog)
                       : std::shared_ptr<const ErrorCatalog>(&ErrorCatalog::builtin(),
                                                             [](const ErrorCatalog*) {})),
      capped_(capped_counter(registry, "tserver_exporter_error_codes_capped_total",
                             "EventErrors with a code outside the catalog counted under "
                             "error_code=\"other\" because the limit of such codes (per "
                             "T-Server or in all) was reached.")),
      iscc_capped_(capped_counter(registry, "tserver_exporter_iscc_codes_capped_total",
                                  "ISCCEventErrors counted under error_code=\"other\" because "
                                  "the limit of ISCC codes (per T-Server or in all) was reached.")),
      requests_capped_(capped_counter(
          registry, "tserver_exporter_request_names_capped_total",
          "Requests, EventErrors and answers counted under request=\"other\" because the limit "
          "of request names, of request and error code pairs (per T-Server or in all), or of "
          "answer-time histograms was reached.")),
      tservers_capped_(capped_counter(
          registry, "tserver_exporter_tservers_capped_total",
          "Log segments and streams whose T-Server was counted as tserver=\"other\" because "
          "--metrics.max-tservers T-Servers already have series.")),
      limits_(limits) {
  publish_info();
}

std::string_view ErrorMetrics::name_of(std::int64_t code) const {
  const auto* entry = catalog_->find(code);
  return entry != nullptr ? std::string_view(entry->name) : ErrorCatalog::kUnknownName;
}

void ErrorMetrics::publish_info() {
  std::map<std::int64_t, prometheus::Gauge*> next;
  for (const auto& entry : catalog_->entries()) {
    const prometheus::Labels labels{{"error_code", std::to_string(entry.code)},
                                    {"error_name", entry.name},
                                    {"description", entry.description}};
    // Family::Add returns the series already there for the same labels: unchanged entries
    // keep theirs.
    auto& gauge = info_.Add(labels);
    gauge.Set(1);
    next.emplace(entry.code, &gauge);
  }
  for (const auto& [code, gauge] : info_series_) {
    const auto it = next.find(code);
    if (it == next.end() || it->second != gauge) info_.Remove(gauge);
  }
  info_series_ = std::move(next);
}

void ErrorMetrics::set_catalog(std::shared_ptr<const ErrorCatalog> catalog) {
  if (!catalog || *catalog == *catalog_) return;
  for (auto& [label, ts] : tservers_) ts->recatalog(*catalog);
  catalog_ = std::move(catalog);
  publish_info();
  ++generation_;  // the exposition changes
}

prometheus::Counter& ErrorMetrics::TServer::renamed(prometheus::Counter& counter,
                                                    const std::string& code,
                                                    std::string_view old_name,
                                                    std::string_view name) {
  if (old_name == name) return counter;
  const double value = counter.Value();
  owner_.errors_.Remove(&counter);
  prometheus::Counter& fresh = add(code, name);
  fresh.Increment(value);
  return fresh;
}

// Every series keyed by code moves to its name in `next`; the series of request errors too.
// Counts are carried over exactly (they are integers well under 2^53).
void ErrorMetrics::TServer::recatalog(const ErrorCatalog& next) {
  const ErrorCatalog& old = *owner_.catalog_;
  const auto old_entries = old.entries();
  std::map<std::int64_t, prometheus::Counter*> by_code;  // the old catalog series, by code
  for (std::size_t i = 0; i < old_entries.size(); ++i) by_code[old_entries[i].code] = catalog_[i];

  std::vector<prometheus::Counter*> fresh;
  fresh.reserve(next.entries().size());
  for (const auto& entry : next.entries()) {
    const std::string code = std::to_string(entry.code);
    if (auto it = by_code.find(entry.code); it != by_code.end()) {
      fresh.push_back(&renamed(*it->second, code, old.find(entry.code)->name, entry.name));
      by_code.erase(it);
    } else if (auto un = unlisted_.find(entry.code); un != unlisted_.end()) {
      // An unlisted code the catalog names now: no longer under the limit of unlisted codes.
      fresh.push_back(&renamed(*un->second, code, ErrorCatalog::kUnknownName, entry.name));
      unlisted_.erase(un);
      if (owner_.unlisted_total_ > 0) --owner_.unlisted_total_;
    } else {
      fresh.push_back(&add(code, entry.name));  // a new code: at 0 from now on
    }
  }
  // Codes the catalog no longer has: counted ones become unlisted codes again (admitted
  // whatever the limit, as at restore, so no count moves); those at 0 go.
  for (const auto& [code, counter] : by_code) {
    if (counter->Value() == 0) {
      owner_.errors_.Remove(counter);
      continue;
    }
    unlisted_[code] =
        &renamed(*counter, std::to_string(code), old.find(code)->name, ErrorCatalog::kUnknownName);
    ++owner_.unlisted_total_;
  }
  catalog_ = std::move(fresh);

  // tserver_request_errors_total: the same code, the same rename.
  for (auto& [key, counter] : request_errors_) {
    const std::size_t bar = key.rfind('|');
    const std::string code_label = key.substr(bar + 1);
    std::int64_t code = 0;
    const auto [end, ec] =
        std::from_chars(code_label.data(), code_label.data() + code_label.size(), code);
    if (ec != std::errc() || end != code_label.data() + code_label.size()) continue;  // unknown
    const auto* before = old.find(code);
    const auto* after = next.find(code);
    const std::string_view old_name =
        before ? std::string_view(before->name) : ErrorCatalog::kUnknownName;
    const std::string_view name =
        after ? std::string_view(after->name) : ErrorCatalog::kUnknownName;
    if (old_name == name) continue;
    const double value = counter->Value();
    owner_.request_errors_.Remove(counter);
    counter = &owner_.request_errors_.Add({{"tserver", label_},
                                           {"request", key.substr(0, bar)},
                                           {"error_code", code_label},
                                           {"error_name", std::string(name)}});
    counter->Increment(value);
  }
}

ErrorMetrics::TServer& ErrorMetrics::tserver(std::string_view label) {
  return admit(sanitize_label_value(label), false);
}

ErrorMetrics::TServer& ErrorMetrics::admit(const std::string& clean, bool force) {
  auto it = tservers_.find(clean);
  if (it != tservers_.end()) return *it->second;
  const bool other = clean == kOther;
  if (!other && !force && named_tservers_ >= limits_.tservers) {
    capped(tservers_capped_, "T-Server", clean, {});
    return admit(kOther, true);
  }
  if (!other) ++named_tservers_;
  // A T-Server's series appear with its first name (a log's header, a named source): said once
  // so that an operator sees when, since a first scrape may already hold counts. A restored one
  // (force) is not new: it has been in the state file since it was first said.
  if (!other && !force) spdlog::info("new T-Server \"{}\": its series start at 0", clean);
  it = tservers_.emplace(clean, std::unique_ptr<TServer>(new TServer(*this, clean))).first;
  return *it->second;
}

void ErrorMetrics::capped(prometheus::Counter& counter, const char* what, std::string_view value,
                          std::string_view tserver) {
  counter.Increment();
  if (!capped_log_.allow()) return;
  spdlog::warn(
      "{} \"{}\"{}{}{} counted as \"other\": the limit of such labels is reached (see "
      "tserver_exporter_*_capped_total; {} more since the last such message)",
      what, sanitize_label_value(value), tserver.empty() ? "" : " of T-Server \"", tserver,
      tserver.empty() ? "" : "\"", capped_log_.suppressed());
}

ErrorMetrics::TServer::TServer(ErrorMetrics& owner, std::string label)
    : owner_(owner), label_(std::move(label)) {
  const auto entries = owner_.catalog_->entries();
  catalog_.reserve(entries.size());
  for (const auto& entry : entries)
    catalog_.push_back(&add(std::to_string(entry.code), entry.name));
  unknown_ = &add("unknown", ErrorCatalog::kUnknownName);
  link_disconnected_ = &owner_.link_disconnected_.Add({{"tserver", label_}});
}

std::string ErrorMetrics::request_label(std::string_view request, bool force) {
  if (request.empty()) return "unknown";
  if (request == "unknown" || request == kOther) return std::string(request);  // restored
  constexpr std::string_view kPrefix = "Request";
  bool valid =
      request.starts_with(kPrefix) && request.size() > kPrefix.size() && request.size() <= 64;
  for (char c : request) {
    valid = valid && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'));
  }
  if (!valid) return kOther;
  if (request_names_.find(request) == request_names_.end()) {
    if (!force && request_names_.size() >= limits_.request_names) {
      capped(requests_capped_, "request name", request, {});
      return kOther;
    }
    request_names_.emplace(std::string(request), true);
  }
  return std::string(request);
}

prometheus::Counter& ErrorMetrics::TServer::request_error_counter(const std::string& request,
                                                                  std::optional<std::int64_t> code,
                                                                  bool capped) {
  std::string code_label = "unknown";
  std::string_view name = ErrorCatalog::kUnknownName;
  if (code) {
    code_label = capped ? std::string(kOther) : std::to_string(*code);
    name = owner_.name_of(*code);
  }
  return request_error_series(request, code_label, name);
}

prometheus::Counter& ErrorMetrics::TServer::request_error_series(const std::string& request,
                                                                 const std::string& code_label,
                                                                 std::string_view name,
                                                                 bool force) {
  std::string key = request;
  key += '|';
  key += code_label;
  auto it = request_errors_.find(key);
  if (it != request_errors_.end()) return *it->second;
  if (request != kOther) {
    if (!force && (request_pairs_ >= owner_.limits_.request_pairs_per_tserver ||
                   owner_.request_pairs_total_ >= owner_.limits_.request_pairs)) {
      owner_.capped(owner_.requests_capped_, "request", request, label_);
      return request_error_series(kOther, code_label, name, true);
    }
    ++request_pairs_;
    ++owner_.request_pairs_total_;
  }
  auto& counter = owner_.request_errors_.Add({{"tserver", label_},
                                              {"request", request},
                                              {"error_code", code_label},
                                              {"error_name", std::string(name)}});
  return *request_errors_.emplace(std::move(key), &counter).first->second;
}

prometheus::Counter& ErrorMetrics::TServer::by_request(
    std::map<std::string, prometheus::Counter*, std::less<>>& series,
    prometheus::Family<prometheus::Counter>& family, const std::string& request) {
  auto it = series.find(request);
  if (it == series.end()) {
    it = series.emplace(request, &family.Add({{"tserver", label_}, {"request", request}})).first;
  }
  return *it->second;
}

prometheus::Counter& ErrorMetrics::TServer::request_counter(const std::string& request) {
  return by_request(requests_, owner_.requests_, request);
}

prometheus::Counter& ErrorMetrics::TServer::iscc_counter(const std::string& code, bool force) {
  auto it = iscc_errors_.find(code);
  if (it != iscc_errors_.end()) return *it->second;
  if (code != "unknown" && code != kOther) {
    if (!force && (iscc_codes_ >= owner_.limits_.iscc_codes_per_tserver ||
                   owner_.iscc_total_ >= owner_.limits_.iscc_codes)) {
      owner_.capped(owner_.iscc_capped_, "ISCCEventError code", code, label_);
      return iscc_counter(kOther, true);
    }
    ++iscc_codes_;
    ++owner_.iscc_total_;
  }
  auto& counter = owner_.iscc_errors_.Add({{"tserver", label_}, {"error_code", code}});
  return *iscc_errors_.emplace(code, &counter).first->second;
}

ErrorMetrics::TServer::DurationSeries& ErrorMetrics::TServer::duration_series(
    const std::string& request, bool force) {
  auto it = durations_.find(request);
  if (it != durations_.end()) return it->second;
  if (request != kOther) {
    if (!force && owner_.duration_series_total_ >= owner_.limits_.duration_series) {
      owner_.capped(owner_.requests_capped_, "request duration of", request, label_);
      return duration_series(kOther, true);
    }
    ++owner_.duration_series_total_;
  }
  auto& histogram =
      owner_.durations_.Add({{"tserver", label_}, {"request", request}}, duration_buckets());
  return durations_.emplace(request, DurationSeries{&histogram, {}, 0}).first->second;
}

prometheus::Counter& ErrorMetrics::TServer::unanswered_counter(const std::string& request) {
  return by_request(unanswered_, owner_.unanswered_, request);
}

ErrorMetrics::TServer::DurationSeries& ErrorMetrics::TServer::durations_of(
    std::string_view request) {
  // A name seen before is its own label: no allocation on this path.
  if (const auto it = durations_.find(request); it != durations_.end()) return it->second;
  return duration_series(owner_.request_label(request));
}

void ErrorMetrics::TServer::observe_duration(DurationSeries& series, double seconds) {
  if (!(seconds >= 0) || !std::isfinite(seconds)) return;  // the parser never passes one
  ++owner_.generation_;
  const auto& bounds = duration_buckets();
  if (series.counts.empty()) {
    series.counts.assign(bounds.size() + 1, 0);
    owner_.gathered_.push_back(&series);
  }
  // The first bucket whose upper bound is not below the value, as Histogram::Observe() picks it:
  // the number of bounds below it, counted without a branch (the answer times are random).
  std::size_t bucket = 0;
  for (const double bound : bounds) bucket += bound < seconds ? 1 : 0;
  ++series.counts[bucket];
  series.sum += seconds;
}

void ErrorMetrics::flush_durations() {
  if (gathered_.empty()) return;
  std::vector<double> increments;
  for (TServer::DurationSeries* series : gathered_) {
    increments.assign(series->counts.begin(), series->counts.end());
    series->histogram->ObserveMultiple(increments, series->sum);
    series->counts.clear();  // keeps its capacity: no allocation at the next answer
    series->sum = 0;
  }
  gathered_.clear();
}

void ErrorMetrics::TServer::count_by_request(
    std::map<std::string, prometheus::Counter*, std::less<>>& series,
    prometheus::Family<prometheus::Counter>& family, std::string_view request) {
  ++owner_.generation_;
  // A name seen before is its own label: no allocation on this path (one call per request).
  if (const auto it = series.find(request); it != series.end()) {
    it->second->Increment();
    return;
  }
  by_request(series, family, owner_.request_label(request)).Increment();
}

void ErrorMetrics::TServer::count_unanswered(std::string_view request) {
  count_by_request(unanswered_, owner_.unanswered_, request);
}

void ErrorMetrics::TServer::count_request(std::string_view request) {
  count_by_request(requests_, owner_.requests_, request);
}

void ErrorMetrics::TServer::count_link_disconnected() {
  ++owner_.generation_;
  link_disconnected_->Increment();
}

void ErrorMetrics::TServer::count_iscc_error(std::optional<std::int64_t> code) {
  ++owner_.generation_;
  iscc_counter(code ? std::to_string(*code) : "unknown").Increment();
}

prometheus::Counter& ErrorMetrics::TServer::add(const std::string& code, std::string_view name) {
  return owner_.errors_.Add(
      {{"tserver", label_}, {"error_code", code}, {"error_name", std::string(name)}});
}

void ErrorMetrics::TServer::count(std::optional<std::int64_t> code, std::string_view request) {
  ++owner_.generation_;
  last_error_ = std::chrono::system_clock::now();
  prometheus::Counter& counter = counter_for(code);
  counter.Increment();
  request_error_counter(owner_.request_label(request), code, &counter == other_).Increment();
}

prometheus::Counter& ErrorMetrics::TServer::other_counter() {
  if (other_ == nullptr) other_ = &add(kOther, ErrorCatalog::kUnknownName);
  return *other_;
}

prometheus::Counter& ErrorMetrics::TServer::counter_for(std::optional<std::int64_t> code,
                                                        bool force) {
  if (!code) return *unknown_;
  const ErrorCatalog& catalog = *owner_.catalog_;
  if (const auto* entry = catalog.find(*code)) {
    return *catalog_[static_cast<std::size_t>(entry - catalog.entries().data())];
  }
  auto it = unlisted_.find(*code);
  if (it != unlisted_.end()) return *it->second;
  if (!force && (unlisted_.size() >= owner_.limits_.unlisted_codes_per_tserver ||
                 owner_.unlisted_total_ >= owner_.limits_.unlisted_codes)) {
    owner_.capped(owner_.capped_, "EventError code", std::to_string(*code), label_);
    return other_counter();
  }
  ++owner_.unlisted_total_;
  return *unlisted_.emplace(*code, &add(std::to_string(*code), ErrorCatalog::kUnknownName))
              .first->second;
}

std::optional<std::chrono::system_clock::time_point> ErrorMetrics::last_error(
    std::string_view tserver) const {
  const auto it = tservers_.find(tserver);
  if (it == tservers_.end() || it->second->last_error_ == std::chrono::system_clock::time_point{})
    return std::nullopt;
  return it->second->last_error_;
}

std::vector<ErrorMetrics::Value> ErrorMetrics::values(bool event_errors_only) const {
  std::vector<Value> out;
  const auto entries = catalog_->entries();
  for (const auto& [name, ts] : tservers_) {
    const std::string& label = name;  // clang 14 (the fuzz build) cannot capture a binding
    const auto put = [&](const char* family, const std::string& request, const std::string& code,
                         const prometheus::Counter* counter) {
      if (counter != nullptr && counter->Value() > 0) {
        out.push_back(
            Value{family, label, request, code, static_cast<std::uint64_t>(counter->Value())});
      }
    };
    const auto add = [&](const std::string& code, const prometheus::Counter* counter) {
      put("event_errors", {}, code, counter);
    };
    if (!event_errors_only) {
      for (const auto& [key, counter] : ts->request_errors_) {
        const std::size_t bar = key.rfind('|');
        put("request_errors", key.substr(0, bar), key.substr(bar + 1), counter);
      }
      for (const auto& [request, counter] : ts->requests_) put("requests", request, {}, counter);
      for (const auto& [code, counter] : ts->iscc_errors_) put("iscc_errors", {}, code, counter);
    }
    for (const auto& [request, counter] : ts->unanswered_) {
      if (!event_errors_only) put("requests_unanswered", request, {}, counter);
    }
    for (const auto& [request, series] : ts->durations_) {
      if (event_errors_only) break;
      const auto metric = series.histogram->Collect().histogram;
      std::uint64_t below = 0;  // the cumulative count of the buckets before
      for (std::size_t i = 0; i < metric.bucket.size(); ++i) {
        const std::uint64_t in_bucket = metric.bucket[i].cumulative_count - below;
        below = metric.bucket[i].cumulative_count;
        if (in_bucket > 0)
          out.push_back({"request_duration_bucket", label, request, bucket_label(i), in_bucket});
      }
      const auto bits = std::bit_cast<std::uint64_t>(metric.sample_sum);
      if (bits != 0) out.push_back({"request_duration_sum", label, request, {}, bits});
    }
    // Even at 0: the T-Server keeps its place under the limit of T-Servers after a restart.
    out.push_back({.family = "link_disconnected", .tserver = label});
    out.back().value = static_cast<std::uint64_t>(ts->link_disconnected_->Value());
    for (std::size_t i = 0; i < entries.size(); ++i) {
      add(std::to_string(entries[i].code), ts->catalog_[i]);
    }
    add("unknown", ts->unknown_);
    add("other", ts->other_);
    for (const auto& [code, counter] : ts->unlisted_) add(std::to_string(code), counter);
  }
  return out;
}

bool ErrorMetrics::restore(const Value& saved) {
  TServer& ts = admit(sanitize_label_value(saved.tserver), true);
  prometheus::Counter* counter = nullptr;
  const auto code_of = [&](const std::string& text) -> std::optional<std::optional<std::int64_t>> {
    if (text == "unknown") return std::optional<std::int64_t>();
    std::int64_t code = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), code);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return std::optional<std::int64_t>(code);
  };
  // Every saved label is admitted whatever the limits: what was counted under it stays there.
  if (saved.family == "requests") {
    counter = &ts.request_counter(request_label(saved.request, true));
  } else if (saved.family == "requests_unanswered") {
    counter = &ts.unanswered_counter(request_label(saved.request, true));
  } else if (saved.family == "request_duration_bucket" || saved.family == "request_duration_sum") {
    return restore_duration(ts, saved);
  } else if (saved.family == "link_disconnected") {
    counter = ts.link_disconnected_;
  } else if (saved.family == "iscc_errors") {
    if (saved.error_code != kOther && !code_of(saved.error_code)) return false;
    counter = &ts.iscc_counter(saved.error_code, true);
  } else if (saved.family == "request_errors") {
    const auto code = code_of(saved.error_code);
    const std::string request = request_label(saved.request, true);
    if (saved.error_code == kOther) {
      counter = &ts.request_error_series(request, kOther, ErrorCatalog::kUnknownName, true);
    } else if (!code) {
      return false;
    } else {
      const std::string_view name = *code ? name_of(**code) : ErrorCatalog::kUnknownName;
      counter = &ts.request_error_series(request, saved.error_code, name, true);
    }
  } else if (saved.family != "event_errors") {
    return false;
  } else if (saved.error_code == kOther) {
    counter = &ts.other_counter();
  } else {
    const auto code = code_of(saved.error_code);
    if (!code) return false;
    counter = &ts.counter_for(*code, true);
  }
  counter->Increment(static_cast<double>(saved.value) - counter->Value());
  return true;
}

// A histogram cannot be set, only added to: what is added is the saved value less what the
// series holds (nothing, at start-up), so restoring the same value twice changes nothing.
bool ErrorMetrics::restore_duration(TServer& ts, const Value& saved) {
  std::vector<double> increments(duration_buckets().size() + 1, 0.0);
  double sum = 0;
  std::optional<std::size_t> index;
  if (saved.family == "request_duration_bucket") {
    index = bucket_index(saved.error_code);
    if (!index) return false;
  } else {
    sum = std::bit_cast<double>(saved.value);
    if (!std::isfinite(sum) || sum < 0) return false;
  }
  flush_durations();
  auto& histogram = *ts.duration_series(request_label(saved.request, true), true).histogram;
  const auto now = histogram.Collect().histogram;
  if (index) {
    const std::uint64_t below = *index == 0 ? 0 : now.bucket[*index - 1].cumulative_count;
    const std::uint64_t held = now.bucket[*index].cumulative_count - below;
    if (saved.value < held) return true;  // counts never go back
    increments[*index] = static_cast<double>(saved.value - held);
  } else {
    sum -= now.sample_sum;
  }
  histogram.ObserveMultiple(increments, sum);
  return true;
}

}  // namespace tse
