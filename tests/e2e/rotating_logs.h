// The rotating T-Server logs of the torture and soak tests: a writer that appends known
// EventErrors in every shape while it rotates its log, and readers of the counters it must lead
// to, in the exposition and in the state file.
#pragma once

#include <map>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "e2e_support.h"

namespace tse::e2e {

constexpr int kEventsPerSegment = 800;

// What one T-Server's writer produced, by error_code label.
using Counts = std::map<std::string, long>;

// Writes one T-Server's log, rotating every kEventsPerSegment EventErrors, in many small writes
// (some cut in the middle of a line).
class LogWriter {
 public:
  enum class Rotation { kGenesysSegments, kRenameAndCreate };

  LogWriter(std::string dir, std::string app, Rotation rotation, unsigned seed)
      : dir_(std::move(dir)), app_(std::move(app)), rotation_(rotation), random_(seed) {}

  /// Writes `events` EventErrors; with `per_second`, at that rate, else as the torture test
  /// does (a short random pause every 50).
  void run(int events, int per_second = 0) {
    open_segment();
    const auto started = std::chrono::steady_clock::now();
    for (int i = 0; i < events; ++i) {
      if (i > 0 && i % kEventsPerSegment == 0) rotate();
      write_event(i);
      if (per_second > 0) {
        std::this_thread::sleep_until(started + std::chrono::microseconds(
                                                    1'000'000LL * (i + 1) / per_second));
      } else if (i % 50 == 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1 + random_() % 4));
      }
    }
    // A last ordinary record closes whatever is open.
    write(record("Std 04120 Check point 2025-12-17T12:00:00"));
  }

  [[nodiscard]] const Counts& written() const { return written_; }

 private:
  std::string current_path() const {
    if (rotation_ == Rotation::kRenameAndCreate) return dir_ + "/" + app_ + ".log";
    char name[64];
    std::snprintf(name, sizeof name, ".20251217_%06d_000.log", 100000 + segment_);
    return dir_ + "/" + app_ + name;
  }

  void open_segment() {
    path_ = current_path();
    write_file(path_, "Application name:\t" + app_ +
                          "\r\nApplication type:\tTServer\r\nHost name:\tSFBTS01\r\n"
                          "File:\t(" +
                          std::to_string(segment_) + ") " + path_ + "\r\n\r\n");
  }

  void rotate() {
    ++segment_;
    if (rotation_ == Rotation::kRenameAndCreate) {
      const std::string rotated = path_ + "." + std::to_string(segment_);  // out of the glob
      fs::rename(path_, rotated);
      fs::remove(path_ + "." + std::to_string(segment_ - 3));  // keep two rotated files
    } else {
      char old[64];
      std::snprintf(old, sizeof old, ".20251217_%06d_000.log", 100000 + segment_ - 4);
      fs::remove(dir_ + "/" + app_ + old);  // keep three segments, as `expire` would
    }
    open_segment();
  }

  std::string record(const std::string& rest) {
    char time[32];
    std::snprintf(time, sizeof time, "2025-12-17T11:%02d:%02d.%03d ", (clock_ / 60000) % 60,
                  (clock_ / 1000) % 60, clock_ % 1000);
    ++clock_;
    return time + rest + "\r\n";
  }

  // One EventError, in a shape and with a code picked at random, with ordinary traffic around.
  void write_event(int i) {
    static const char* kCodes[] = {"57", "236", "56", "1707", "237", "9999"};
    std::string text = record(
                           "Trc 04541 RequestMakeCall received from [724] (0000002a WDE_01 "
                           "10.1.2.3:51234)") +
                       "message RequestMakeCall\r\n\tAttributeThisDN\t'sip:a@contoso.com'\r\n"
                       "\tAttributeUserData\t[64] 00 01 00 00..\r\n\t\t'ErrorCode'\t57\r\n"
                       "\tAttributeReferenceID\t" +
                       std::to_string(i) + "\r\n";
    const std::string code = kCodes[random_() % 6];
    char sequence[17];
    std::snprintf(sequence, sizeof sequence, "%016x", ++sequence_);
    const std::string dump = "\tAttributeEventSequenceNumber\t" + std::string(sequence) +
                             "\r\n\tAttributeErrorCode\t" + code + "\r\n\tAttributeReferenceID\t" +
                             std::to_string(i) + "\r\n";
    const std::string sent =
        record("Trc 04542 EventError sent to [724] (0000002a WDE_01 10.1.2.3:51234)");
    switch (random_() % 4) {
      case 0:  // shape A, sometimes printed twice
        text += "@11:00:00.0000 [0] 8.5.001.23 send_to_client: message EventError\r\n" + dump;
        if (random_() % 3 == 0) {
          text += "@11:00:00.0000 [0] 8.5.001.23 send_to_client: message EventError\r\n" + dump;
        }
        text += sent;
        ++written_[code];
        break;
      case 1:  // shape B
        text += sent + "message EventError\r\n" + dump;
        ++written_[code];
        break;
      case 2:  // logged at trace verbosity: the record alone
        text += sent;
        ++written_["unknown"];
        break;
      default:  // shape A
        text +=
            "@11:00:00.0000 [0] 8.5.001.23 send_to_client: message EventError\r\n" + dump + sent;
        ++written_[code];
        break;
    }
    text += record("Trc 04542 EventDialing sent to [724] (0000002a WDE_01 10.1.2.3:51234)");
    // Written in two pieces cut anywhere: the daemon sees partial lines and open dumps.
    const std::size_t cut = random_() % text.size();
    write(text.substr(0, cut));
    write(text.substr(cut));
  }

  void write(const std::string& bytes) { append_file(path_, bytes); }

  std::string dir_;
  std::string app_;
  Rotation rotation_;
  std::mt19937 random_;
  std::string path_;
  int segment_ = 0;
  int clock_ = 0;
  unsigned sequence_ = 0;
  Counts written_;
};

// Every tserver_event_errors_total series of an exposition, by its labels.
inline std::map<std::string, long> error_series(const std::string& exposition) {
  std::map<std::string, long> out;
  for (const auto& line : split_lines(exposition)) {
    if (!line.starts_with("tserver_event_errors_total{")) continue;
    const std::size_t space = line.rfind(' ');
    out[line.substr(0, space)] = std::stol(line.substr(space + 1));
  }
  return out;
}

// The EventError counters in the state file, by the same series names as the exposition, for
// the codes of the writer (`counter<TAB>event_errors<TAB>tserver<TAB><TAB>error_code<TAB>value`).
inline std::string series_of(const std::string& tserver, const std::string& code);
inline std::map<std::string, long> counters_on_disk(const std::string& state_dir) {
  std::map<std::string, long> out;
  for (const auto& line : split_lines(read_file(state_dir + "/tserver_exporter.state"))) {
    constexpr std::string_view kPrefix = "counter\tevent_errors\t";  // then tserver, "", code
    if (!line.starts_with(kPrefix)) continue;
    const std::size_t a = line.find('\t', kPrefix.size());
    const std::size_t b = line.find('\t', a + 1);
    const std::size_t c = line.find('\t', b + 1);
    out[series_of(line.substr(kPrefix.size(), a - kPrefix.size()), line.substr(b + 1, c - b - 1))] =
        std::stol(line.substr(c + 1));
  }
  return out;
}

inline std::string series_of(const std::string& tserver, const std::string& code) {
  const std::string name = code == "57"     ? "TERR_TIMEOUT"
                           : code == "236"  ? "Timeout performing operation"
                           : code == "56"   ? "TERR_INV_CONNID"
                           : code == "1707" ? "TERR_SOFT_AGENT_NOT_LOGGED_IN"
                           : code == "237"  ? "Call has disconnected"
                                            : "UNKNOWN";
  return "tserver_event_errors_total{error_code=\"" + code + "\",error_name=\"" + name +
         "\",tserver=\"" + tserver + "\"}";
}

// Checks every scrape: no EventError counter ever goes down, and the state file already holds
// every value scraped (a crash could otherwise take it back). Thread-safe.
class ScrapeChecker {
 public:
  explicit ScrapeChecker(std::string state_dir) : state_dir_(std::move(state_dir)) {}

  void record(const std::string& exposition) {
    if (exposition.empty()) return;
    const auto on_disk = counters_on_disk(state_dir_);
    std::lock_guard lock(mutex_);
    ++scrapes_;
    for (const auto& [series, value] : error_series(exposition)) {
      const auto disk = on_disk.find(series);
      if (value > 0 && (disk == on_disk.end() || disk->second < value)) {
        not_on_disk_.push_back(
            series + " " + std::to_string(value) + " scraped, " +
            (disk == on_disk.end() ? std::string("none") : std::to_string(disk->second)) +
            " on disk");
      }
      long& top = highest_[series];
      if (value < top) {
        decreases_.push_back(series + " went from " + std::to_string(top) + " to " +
                             std::to_string(value));
      }
      top = std::max(top, value);
    }
  }

  /// Adds a failure for every decrease and every value not on disk; returns the scrapes seen.
  long expect_consistent() {
    std::lock_guard lock(mutex_);
    EXPECT_TRUE(decreases_.empty()) << decreases_.size() << " decreases, first: " << decreases_[0];
    EXPECT_TRUE(not_on_disk_.empty()) << not_on_disk_.size() << " scrapes showed a value not on "
                                      << "disk, first: " << not_on_disk_[0];
    return scrapes_;
  }

 private:
  std::string state_dir_;
  std::mutex mutex_;
  std::map<std::string, long> highest_;
  std::vector<std::string> decreases_;
  std::vector<std::string> not_on_disk_;
  long scrapes_ = 0;
};

// The final lines every code of each writer must reach, and their sum.
inline std::vector<std::string> final_lines(
    const std::vector<std::pair<const LogWriter*, std::string>>& writers, long& total) {
  std::vector<std::string> want;
  total = 0;
  for (const auto& [writer, tserver] : writers) {
    for (const auto& [code, n] : writer->written()) {
      want.push_back(series_of(tserver, code) + " " + std::to_string(n));
      total += n;
    }
  }
  return want;
}

}  // namespace tse::e2e
