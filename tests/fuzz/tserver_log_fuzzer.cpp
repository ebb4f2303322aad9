// Fuzzes the T-Server parser path as the daemon drives it: bytes cut into chunks at random,
// split into segments, with idle flushes and a checkpoint followed by a resume in a new reader
// (a restart), through pipeline/TServerLogReader into real ErrorMetrics.
//
// Invariants: a checkpoint names a segment that began and an offset within the bytes fed to
// it; every T-Server's EventErrors by request sum to its EventErrors by code; and, when no idle
// flush changed how records close, the counts equal those of the same segments fed whole in one
// reader (cuts and restarts never lose or repeat a count).
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include <prometheus/registry.h>

#include "fuzz_support.h"
#include "metrics/error_metrics.h"
#include "metrics/self_metrics.h"
#include "pipeline/tserver_log_reader.h"

namespace {

using tse::fuzz::Choices;

enum class Op { kFeed, kSegment, kIdle, kResume };
struct Step {
  Op op;
  std::size_t bytes = 0;  // kFeed
};

// The segments' names: two T-Servers' logs, so that a label change mid-stream is covered.
std::string segment_path(std::size_t index) {
  return index % 3 == 2
             ? "/logs/TServer_B.20251217_101500_123.log"
             : "/logs/TServer_A.20251217_10150" + std::to_string(index % 10) + "_000.log";
}

// One reader after another over the same counters, as the daemon across restarts.
class Run {
 public:
  void begin_segment() {
    segments_.push_back(Segment{segment_path(segments_.size()), {}});
    reader_->begin_segment(tse::SegmentBegin{.path = segments_.back().path});
  }

  void feed(std::string_view bytes) {
    segments_.back().bytes.append(bytes);
    reader_->feed(bytes);
  }

  void idle() { reader_->idle(); }

  // Restarts from the checkpoint: a new reader resumes in the segment it names and is fed that
  // segment's bytes from the offset on, then every later segment whole.
  void resume() {
    const auto checkpoint = reader_->checkpoint();
    TSE_FUZZ_CHECK(checkpoint.segment >= 1);
    TSE_FUZZ_CHECK(checkpoint.segment <= segments_.size() - first_);
    const std::size_t index = first_ + checkpoint.segment - 1;
    const Segment& at = segments_[index];
    TSE_FUZZ_CHECK(checkpoint.offset <= at.bytes.size());
    reader_ = std::make_unique<tse::TServerLogReader>(errors_, self_);
    first_ = index;
    const std::string_view bytes = at.bytes;
    reader_->begin_segment(tse::SegmentBegin{.path = at.path,
                                             .start = tse::SegmentStart::kResume,
                                             .head = bytes.substr(0, 64 * 1024),
                                             .offset = checkpoint.offset,
                                             .context = checkpoint.context});
    reader_->feed(bytes.substr(checkpoint.offset));
    for (std::size_t i = index + 1; i < segments_.size(); ++i) {
      reader_->begin_segment(tse::SegmentBegin{.path = segments_[i].path});
      reader_->feed(segments_[i].bytes);
    }
  }

  void finish() { reader_->finish(); }

  // Every series but the request correlation (pending requests are not part of a checkpoint).
  using Key = std::tuple<std::string, std::string, std::string, std::string>;
  [[nodiscard]] std::map<Key, std::uint64_t> counts() const {
    std::map<Key, std::uint64_t> out;
    for (const auto& v : errors_.values()) {
      if (v.family != "request_errors")
        out[{v.family, v.tserver, v.request, v.error_code}] = v.value;
    }
    return out;
  }

  // Per T-Server and code: the EventErrors by request add up to the EventErrors.
  void check_request_sums() const {
    std::map<std::pair<std::string, std::string>, std::int64_t> balance;
    for (const auto& v : errors_.values()) {
      const auto value = static_cast<std::int64_t>(v.value);
      if (v.family == "event_errors") balance[{v.tserver, v.error_code}] += value;
      if (v.family == "request_errors") balance[{v.tserver, v.error_code}] -= value;
    }
    for (const auto& [key, difference] : balance) TSE_FUZZ_CHECK(difference == 0);
  }

 private:
  struct Segment {
    std::string path;
    std::string bytes;  // fed so far
  };
  prometheus::Registry registry_;
  tse::ErrorMetrics errors_{registry_};
  tse::SelfMetrics self_{registry_, "fuzz", "fuzz"};
  std::unique_ptr<tse::TServerLogReader> reader_ =
      std::make_unique<tse::TServerLogReader>(errors_, self_);
  std::vector<Segment> segments_;
  std::size_t first_ = 0;  // index of the segment the current reader began with
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  Choices choices(input);

  std::vector<Step> plan{{Op::kSegment}};
  bool flushed = false;
  for (std::size_t left = input.size(); left > 0;) {
    const std::uint32_t pick = choices.below(32);
    if (pick < 24) {
      const std::size_t most = pick < 16 ? 64 : 4096;
      const std::size_t n = std::min<std::size_t>(left, 1 + choices.below(most));
      plan.push_back({Op::kFeed, n});
      left -= n;
    } else if (pick < 27) {
      plan.push_back({Op::kSegment});
    } else if (pick < 29) {
      plan.push_back({Op::kIdle});
      flushed = true;
    } else {
      plan.push_back({Op::kResume});
    }
  }

  Run cut;
  Run whole;
  std::string_view rest = input;
  std::string segment;  // `whole` gets each segment in one piece
  for (const Step& step : plan) {
    switch (step.op) {
      case Op::kFeed:
        cut.feed(rest.substr(0, step.bytes));
        segment.append(rest.substr(0, step.bytes));
        rest.remove_prefix(step.bytes);
        break;
      case Op::kSegment:
        if (&step != &plan.front()) whole.feed(segment);
        segment.clear();
        cut.begin_segment();
        whole.begin_segment();
        break;
      case Op::kIdle:
        cut.idle();
        break;
      case Op::kResume:
        cut.resume();
        break;
    }
  }
  whole.feed(segment);
  cut.finish();
  whole.finish();

  cut.check_request_sums();
  whole.check_request_sums();
  if (!flushed) TSE_FUZZ_CHECK(cut.counts() == whole.counts());
  return 0;
}
