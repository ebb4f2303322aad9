// Micro-benchmarks of the parsing pipeline on a realistic generated log (see loggen.h):
//   LineFramer         bytes -> lines, per read size
//   RecordAssembler    lines -> EventError reports (lines pre-split, so only the assembler)
//   SegmentedLog       bytes -> reports (framer + header + assembler), 1 MiB reads
//   TServerLogReader   bytes -> counters and self-metrics: what one `--once` stream does, minus I/O
//   ErrorMetrics::TServer::count   per call, for a catalog code, `unknown`, an unlisted code
//   RenderExposition   every series to the text format, then gzip: what a scrape costs the
//                      counting thread, for about 1,000 and 10,000 series
//
//   build-bench/tests/bench/micro_benchmarks [--benchmark_filter=REGEX] [--benchmark_min_time=S]
// Timings are never asserted; ctest only checks that they run.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <benchmark/benchmark.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include "framer/line_framer.h"
#include "http/content_coding.h"
#include "loggen.h"
#include "metrics/error_metrics.h"
#include "metrics/self_metrics.h"
#include "pipeline/tserver_log_reader.h"
#include "tserver/record_assembler.h"
#include "tserver/segmented_log.h"

namespace {

constexpr std::size_t kLogBytes = 16u << 20;
constexpr std::size_t kRead = 1u << 20;  // what the file tailer reads at a time

// One 16 MiB segment, generated once.
const std::string& log_text() {
  static const std::string text = tse::bench::generate_segment(42, kLogBytes);
  return text;
}

// The body's lines (after the header's empty line), without their line endings.
const std::vector<std::string_view>& body_lines() {
  static const std::vector<std::string_view> lines = [] {
    std::vector<std::string_view> out;
    const std::string_view text = log_text();
    std::size_t pos = text.find("\r\n\r\n") + 4;
    while (pos < text.size()) {
      const std::size_t lf = text.find('\n', pos);
      std::string_view line = text.substr(pos, lf - pos);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      out.push_back(line);
      pos = lf + 1;
    }
    return out;
  }();
  return lines;
}

std::size_t body_bytes() { return log_text().size() - (log_text().find("\r\n\r\n") + 4); }

struct CountingSink final : tse::tserver::SegmentSink {
  std::uint64_t errors = 0;
  std::uint64_t with_code = 0;
  std::uint64_t headers = 0;
  void on_event_error(const tse::tserver::EventErrorReport& report) override {
    ++errors;
    if (report.code) ++with_code;
  }
  void on_segment_header(std::string_view) override { ++headers; }
};

void BM_LineFramer(benchmark::State& state) {
  const std::string_view text = log_text();
  const auto chunk = static_cast<std::size_t>(state.range(0));
  std::uint64_t lines = 0;
  for (auto _ : state) {
    tse::LineFramer framer;
    std::size_t line_bytes = 0;
    for (std::size_t pos = 0; pos < text.size(); pos += chunk) {
      framer.feed(text.substr(pos, chunk),
                  [&](std::string_view line) { line_bytes += line.size(); });
    }
    framer.finish([&](std::string_view line) { line_bytes += line.size(); });
    benchmark::DoNotOptimize(line_bytes);
    lines += framer.lines();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
  state.counters["lines/s"] =
      benchmark::Counter(static_cast<double>(lines), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_LineFramer)->Arg(4 << 10)->Arg(64 << 10)->Arg(1 << 20);

void BM_RecordAssembler(benchmark::State& state) {
  const auto& lines = body_lines();
  std::uint64_t errors = 0;
  for (auto _ : state) {
    CountingSink sink;
    tse::tserver::RecordAssembler assembler(sink);
    for (std::string_view line : lines) assembler.on_line(line);
    assembler.flush();
    errors += sink.errors;
  }
  benchmark::DoNotOptimize(errors);
  // Bytes of the log the lines came from (line endings included): comparable with the others.
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body_bytes()));
  state.counters["lines/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * lines.size()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_RecordAssembler);

void BM_SegmentedLog(benchmark::State& state) {
  const std::string_view text = log_text();
  std::uint64_t errors = 0;
  for (auto _ : state) {
    CountingSink sink;
    tse::tserver::SegmentedLog log(sink);
    log.begin_segment();
    for (std::size_t pos = 0; pos < text.size(); pos += kRead) log.feed(text.substr(pos, kRead));
    log.finish();
    errors += sink.errors;
  }
  benchmark::DoNotOptimize(errors);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_SegmentedLog);

void BM_TServerLogReader(benchmark::State& state) {
  const std::string_view text = log_text();
  prometheus::Registry registry;
  tse::ErrorMetrics errors(registry);
  tse::SelfMetrics self(registry, "bench", "bench");
  for (auto _ : state) {
    tse::TServerLogReader reader(errors, self);
    reader.begin_segment({.path = "/logs/TServer_SfB_01.20251217_080000_000.log",
                          .start = tse::SegmentStart::kFirstByte});
    for (std::size_t pos = 0; pos < text.size(); pos += kRead) reader.feed(text.substr(pos, kRead));
    reader.finish();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_TServerLogReader);

// Arg: 0 = a catalog code (57), 1 = unknown (no code), 2 = an unlisted code (9999),
// 3 = the catalog codes in turn; 4 = the same with 300 more codes in the catalog (a table the
// size of config/tlib-error-codes.yml, 264 codes): the lookup is a binary search.
void BM_ErrorMetricsCount(benchmark::State& state) {
  prometheus::Registry registry;
  std::vector<tse::CatalogEntryConfig> table;
  if (state.range(0) == 4) {
    for (std::int64_t code = 2000; code < 2300; ++code) {
      table.push_back({code, "TERR_" + std::to_string(code), "A code of a larger table."});
    }
  }
  const std::vector<std::vector<tse::CatalogEntryConfig>> tables{table};
  tse::ErrorMetrics metrics(registry, {},
                            std::make_shared<const tse::ErrorCatalog>(
                                tables, std::span<const tse::CatalogEntryConfig>{}));
  auto& tserver = metrics.tserver("TServer_SfB_01");
  static constexpr std::int64_t kCodes[] = {57, 236, 56, 71, 1707, 237, 291, 41, 43, 52};
  std::size_t i = 0;
  const auto mode = state.range(0);
  for (auto _ : state) {
    switch (mode) {
      case 0:
        tserver.count(57);
        break;
      case 1:
        tserver.count(std::nullopt);
        break;
      case 2:
        tserver.count(9999);
        break;
      default:
        tserver.count(kCodes[i]);
        i = i + 1 == std::size(kCodes) ? 0 : i + 1;
        break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ErrorMetricsCount)->Arg(0)->Arg(1)->Arg(2)->Arg(3)->Arg(4);

// What one scrape costs the counting thread once the counts changed: collecting and serializing
// every series (prometheus-cpp), then gzip. Arg: T-Servers, each with 35 code series and 40
// request types with 7 codes each; with the self-metrics, 3 make about 1,200 series and 28
// about 10,000, as follow.sh's 3 and 50 logs.
void BM_RenderExposition(benchmark::State& state) {
  prometheus::Registry registry;
  tse::ErrorMetrics errors(registry);
  tse::SelfMetrics self(registry, "bench", "bench");
  static constexpr std::int64_t kCodes[] = {57, 236, 56, 71, 1707, 41, 52};
  for (std::int64_t t = 0; t < state.range(0); ++t) {
    auto& tserver = errors.tserver("TS_" + std::to_string(t + 1));
    for (int r = 0; r < 40; ++r) {
      const std::string request = "RequestType" + std::to_string(r);
      tserver.count_request(request);
      for (const auto code : kCodes) tserver.count(code, request);
    }
  }
  std::size_t text_bytes = 0, gzip_bytes = 0, series = 0;
  {
    const std::string text = prometheus::TextSerializer().Serialize(registry.Collect());
    for (std::size_t at = 0; (at = text.find('\n', at)) != std::string::npos; ++at) {
      if (at + 1 < text.size() && text[at + 1] != '#') ++series;
    }
  }
  for (auto _ : state) {
    const std::string text = prometheus::TextSerializer().Serialize(registry.Collect());
    const std::string gz = tse::gzip_compress(text);
    text_bytes = text.size();
    gzip_bytes = gz.size();

    benchmark::DoNotOptimize(gz.data());
  }
  state.counters["series"] = static_cast<double>(series);
  state.counters["text_bytes"] = static_cast<double>(text_bytes);
  state.counters["gzip_bytes"] = static_cast<double>(gzip_bytes);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text_bytes));
}
BENCHMARK(BM_RenderExposition)->Arg(3)->Arg(28)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
