#include "metrics/error_metrics.h"

#include "catalog/error_catalog.h"

#include <charconv>

namespace tse {

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

ErrorMetrics::ErrorMetrics(prometheus::Registry& registry, std::size_t max_unlisted_codes)
    : errors_(prometheus::BuildCounter()
                  .Name("tserver_event_errors_total")
                  .Help("EventErrors the T-Server sent to its clients, by error code. "
                        "error_code=\"unknown\" when the log does not give the code.")
                  .Register(registry)),
      capped_(prometheus::BuildCounter()
                  .Name("tserver_exporter_error_codes_capped_total")
                  .Help("EventErrors with a code outside the catalog counted under "
                        "error_code=\"other\" because the limit of such codes was reached.")
                  .Register(registry)
                  .Add({})),
      max_unlisted_(max_unlisted_codes) {
  auto& info = prometheus::BuildGauge()
                   .Name("tserver_error_code_info")
                   .Help("The known T-Server error codes, with their names and descriptions.")
                   .Register(registry);
  for (const auto& entry : ErrorCatalog::entries()) {
    info.Add({{"error_code", std::to_string(entry.code)},
              {"error_name", std::string(entry.name)},
              {"description", std::string(entry.description)}})
        .Set(1);
  }
}

ErrorMetrics::TServer& ErrorMetrics::tserver(std::string_view label) {
  const std::string clean = sanitize_label_value(label);
  auto it = tservers_.find(clean);
  if (it == tservers_.end()) {
    it = tservers_.emplace(clean, std::unique_ptr<TServer>(new TServer(*this, clean))).first;
  }
  return *it->second;
}

ErrorMetrics::TServer::TServer(ErrorMetrics& owner, std::string label)
    : owner_(owner), label_(std::move(label)) {
  const auto entries = ErrorCatalog::entries();
  catalog_.reserve(entries.size());
  for (const auto& entry : entries)
    catalog_.push_back(&add(std::to_string(entry.code), entry.name));
  unknown_ = &add("unknown", ErrorCatalog::kUnknownName);
}

prometheus::Counter& ErrorMetrics::TServer::add(const std::string& code, std::string_view name) {
  return owner_.errors_.Add(
      {{"tserver", label_}, {"error_code", code}, {"error_name", std::string(name)}});
}

void ErrorMetrics::TServer::count(std::optional<std::int64_t> code) {
  ++owner_.generation_;
  counter_for(code).Increment();
}

prometheus::Counter& ErrorMetrics::TServer::counter_for(std::optional<std::int64_t> code) {
  if (!code) return *unknown_;
  if (const auto* entry = ErrorCatalog::find(*code)) {
    return *catalog_[static_cast<std::size_t>(entry - ErrorCatalog::entries().data())];
  }
  auto it = unlisted_.find(*code);
  if (it != unlisted_.end()) return *it->second;
  if (owner_.unlisted_total_ >= owner_.max_unlisted_) {
    if (other_ == nullptr) other_ = &add("other", ErrorCatalog::kUnknownName);
    owner_.capped_.Increment();
    return *other_;
  }
  ++owner_.unlisted_total_;
  return *unlisted_.emplace(*code, &add(std::to_string(*code), ErrorCatalog::kUnknownName))
              .first->second;
}

std::vector<ErrorMetrics::Value> ErrorMetrics::values() const {
  std::vector<Value> out;
  const auto entries = ErrorCatalog::entries();
  for (const auto& [label, ts] : tservers_) {
    const auto add = [&](const std::string& code, const prometheus::Counter* counter) {
      if (counter != nullptr && counter->Value() > 0) {
        out.push_back(Value{label, code, static_cast<std::uint64_t>(counter->Value())});
      }
    };
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
  TServer& ts = tserver(saved.tserver);
  prometheus::Counter* counter = nullptr;
  if (saved.error_code == "unknown") {
    counter = ts.unknown_;
  } else if (saved.error_code == "other") {
    if (ts.other_ == nullptr) ts.other_ = &ts.add("other", ErrorCatalog::kUnknownName);
    counter = ts.other_;
  } else {
    std::int64_t code = 0;
    const char* first = saved.error_code.data();
    const char* last = first + saved.error_code.size();
    const auto [end, ec] = std::from_chars(first, last, code);
    if (ec != std::errc() || end != last) return false;
    counter = &ts.counter_for(code);
  }
  counter->Increment(static_cast<double>(saved.value) - counter->Value());
  return true;
}

}  // namespace tse
