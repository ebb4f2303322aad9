// tse_loggen: writes realistic T-Server log segments, deterministic by seed, and the exact
// EventError counts they must give (see loggen.h for what the text contains).
//
//   tse_loggen --out DIR [--seed N] [--bytes SIZE] [--segment-bytes SIZE] [--tserver NAME]
//
// Writes DIR/<NAME>.<YYYYMMDD_HHMMSS_mmm>.log segments (each with its header block, CRLF) of
// about SIZE bytes in total, and DIR/<NAME>.expected.tsv:
//   - `#!<TAB>metric<TAB>value` lines: the exporter's self-metrics that the text fixes (bytes and
//     lines read, duplicates and backup copies skipped, malformed records);
//   - `#` comment lines: how the text was made;
//   - `tserver<TAB>error_code<TAB>count` rows: every non-zero tserver_event_errors_total;
//   - `#d` and `#u` lines: every tserver_request_duration_seconds series (buckets, count, sum)
//     and every non-zero tserver_requests_unanswered_total (LogGenerator::expected_duration_rows).
// Segments end where the size is reached: at the end of that line, or, for every third segment,
// in the middle of the line (the contract's "a record may be split across two segments").
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>

#include "loggen.h"
#include "quantity.h"

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kUsage =
    "usage: tse_loggen --out DIR [--seed N] [--bytes SIZE] [--segment-bytes SIZE] "
    "[--tserver NAME] [--error-per-mille N] [--utf8-only] [--time-format iso|time] "
    "[--start HH:MM:SS]\n"
    "  --seed N             PRNG seed (default 1): the same flags give the same bytes\n"
    "  --bytes SIZE         total size to write, headers included (default 2M); the last\n"
    "                       block is completed, so the total is a little over SIZE\n"
    "  --segment-bytes SIZE size at which a new segment starts (default 100M)\n"
    "  --tserver NAME       Application name and file name prefix (default TServer_SfB_01)\n"
    "  --out DIR            where to write (created; must hold no NAME.* file yet)\n"
    "  --error-per-mille N  blocks in 1000 that hold an EventError (default 17: about 1 TLib\n"
    "                       message in 100 is an EventError); more for a denser test\n"
    "  --utf8-only          write user data in UTF-8 only (default: some Latin-1 bytes, as a\n"
    "                       Windows T-Server does; some tools stop reading at those)\n"
    "  --time-format F      records' time stamps: iso (default, with the date) or time\n"
    "                       (HH:MM:SS.mmm)\n"
    "  --start HH:MM:SS     the log's first time of day (default: between 08:00 and 09:00);\n"
    "                       e.g. 23:50:00 for a log across midnight\n"
    "SIZE: a number of bytes with an optional K, M or G suffix (powers of 1000).\n";

[[noreturn]] void usage_error(const std::string& message) {
  std::cerr << "tse_loggen: " << message << "\n" << kUsage;
  std::exit(2);
}

// Writes the byte stream of one T-Server log into segment files.
class SegmentWriter {
 public:
  SegmentWriter(tse::bench::LogGenerator& generator, fs::path dir, std::uint64_t segment_bytes)
      : generator_(generator), dir_(std::move(dir)), segment_bytes_(segment_bytes) {}
  ~SegmentWriter() { close(); }

  void write(std::string_view data) {
    while (!data.empty()) {
      if (file_ == nullptr) open_next();
      std::size_t cut = data.size();
      if (written_ + data.size() > segment_bytes_ || written_ >= segment_bytes_) {
        const std::uint64_t room = written_ >= segment_bytes_ ? 0 : segment_bytes_ - written_;
        if (segments_ % 3 == 2 && room > 0) {
          cut = static_cast<std::size_t>(room);  // in the middle of a line
        } else {
          const std::size_t from = room > 0 ? static_cast<std::size_t>(room) - 1 : 0;
          const std::size_t lf = data.find('\n', from);
          cut = lf == std::string_view::npos ? data.size() : lf + 1;
        }
      }
      put(data.substr(0, cut));
      data.remove_prefix(cut);
      if (written_ >= segment_bytes_) close();
    }
  }

  void close() {
    if (file_ == nullptr) return;
    if (std::fclose(file_) != 0) fail("cannot write " + path_.string());
    file_ = nullptr;
  }

  [[nodiscard]] std::uint64_t total_bytes() const { return total_; }
  [[nodiscard]] unsigned segments() const { return segments_; }

 private:
  void open_next() {
    path_ = dir_ / generator_.next_segment_name();
    file_ = std::fopen(path_.c_str(), "wb");
    if (file_ == nullptr) fail("cannot create " + path_.string() + ": " + std::strerror(errno));
    std::setvbuf(file_, nullptr, _IOFBF, 1 << 20);
    ++segments_;
    written_ = 0;
    header_.clear();
    generator_.write_header(header_, path_.filename().string(), segments_);
    put(header_);
  }

  void put(std::string_view bytes) {
    if (bytes.empty()) return;
    if (std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size()) {
      fail("cannot write " + path_.string() + ": " + std::strerror(errno));
    }
    written_ += bytes.size();
    total_ += bytes.size();
  }

  [[noreturn]] static void fail(const std::string& message) {
    std::cerr << "tse_loggen: " << message << "\n";
    std::exit(1);
  }

  tse::bench::LogGenerator& generator_;
  fs::path dir_;
  std::uint64_t segment_bytes_;
  fs::path path_;
  std::FILE* file_ = nullptr;
  std::uint64_t written_ = 0;
  std::uint64_t total_ = 0;
  unsigned segments_ = 0;
  std::string header_;
};

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t seed = 1;
  std::uint64_t bytes = 2'000'000;
  std::uint64_t segment_bytes = 100'000'000;
  std::string tserver = "TServer_SfB_01";
  std::string out;
  std::uint64_t error_per_mille = tse::bench::LogGenerator::kDefaultErrorBlocksPerMille;
  bool utf8_only = false;
  auto time_format = tse::bench::LogGenerator::TimeFormat::kIso;
  std::string time_format_name = "iso";
  std::optional<std::int64_t> start_ms;
  std::string start_name;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return 0;
    }
    if (arg == "--utf8-only") {
      utf8_only = true;
      continue;
    }
    std::string_view value;
    const std::size_t eq = arg.find('=');
    if (eq != std::string_view::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      usage_error("missing value for " + std::string(arg));
    }
    auto size = [&]() {
      const auto v = tse::bench::parse_count(value);
      if (!v || *v == 0)
        usage_error("bad size for " + std::string(arg) + ": " + std::string(value));
      return *v;
    };
    if (arg == "--seed") {
      const auto v = tse::bench::parse_count(value);
      if (!v) usage_error("bad seed: " + std::string(value));
      seed = *v;
    } else if (arg == "--bytes") {
      bytes = size();
    } else if (arg == "--segment-bytes") {
      segment_bytes = size();
    } else if (arg == "--tserver") {
      tserver = value;
      if (tserver.empty() || tserver.find_first_of("/\\ \t") != std::string::npos) {
        usage_error("bad --tserver name: " + tserver);
      }
    } else if (arg == "--error-per-mille") {
      const auto v = tse::bench::parse_count(value);
      if (!v || *v > 1000) usage_error("bad --error-per-mille: " + std::string(value));
      error_per_mille = *v;
    } else if (arg == "--time-format") {
      if (value == "iso") {
        time_format = tse::bench::LogGenerator::TimeFormat::kIso;
      } else if (value == "time") {
        time_format = tse::bench::LogGenerator::TimeFormat::kTimeOnly;
      } else {
        usage_error("bad --time-format: " + std::string(value));
      }
      time_format_name = value;
    } else if (arg == "--start") {
      unsigned h = 0, m = 0, s = 0;
      char tail = 0;
      if (value.size() != 8 ||
          std::sscanf(std::string(value).c_str(), "%2u:%2u:%2u%c", &h, &m, &s, &tail) != 3 ||
          h > 23 || m > 59 || s > 59) {
        usage_error("bad --start (HH:MM:SS): " + std::string(value));
      }
      start_ms = ((h * 60 + m) * 60 + s) * std::int64_t{1000};
      start_name = value;
    } else if (arg == "--out") {
      out = value;
    } else {
      usage_error("unknown flag " + std::string(arg));
    }
  }
  if (out.empty()) usage_error("--out DIR is required");

  const fs::path dir(out);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    std::cerr << "tse_loggen: cannot create " << dir << ": " << ec.message() << "\n";
    return 1;
  }
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().filename().string().starts_with(tserver + ".")) {
      std::cerr << "tse_loggen: " << dir << " already holds " << entry.path().filename()
                << "; use an empty directory or another --tserver\n";
      return 1;
    }
  }

  const auto started = std::chrono::steady_clock::now();
  tse::bench::LogGenerator generator(seed, tserver, static_cast<std::uint32_t>(error_per_mille));
  generator.set_utf8_only(utf8_only);
  generator.set_time_format(time_format);
  if (start_ms) generator.set_start_time_of_day(*start_ms);
  SegmentWriter writer(generator, dir, segment_bytes);
  std::string block;
  std::uint64_t generated = 0;
  while (generated < bytes) {
    block.clear();
    generator.write_block(block);
    writer.write(block);
    generated = writer.total_bytes();
  }
  writer.close();
  generator.finish();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  const auto& t = generator.tally();
  const fs::path expected = dir / (tserver + ".expected.tsv");
  std::ofstream tsv(expected, std::ios::binary);
  tsv << "# tserver\terror_code\tcount: every non-zero tserver_event_errors_total, exact\n"
      << "# written by: tse_loggen --seed " << seed << " --bytes " << bytes << " --segment-bytes "
      << segment_bytes << " --tserver " << tserver << " --error-per-mille " << error_per_mille
      << (utf8_only ? " --utf8-only" : "") << " --time-format " << time_format_name
      << (start_ms ? " --start " + start_name : std::string()) << "\n"
      << "# segments " << writer.segments() << ", bytes " << writer.total_bytes() << ", lines "
      << t.lines << ", TLib messages " << t.messages << ", EventErrors " << t.event_errors
      << " (shape A " << t.shape_a << ", shape B " << t.shape_b << ", trace-only " << t.trace_only
      << ", printed twice " << t.printed_twice << ", no trailer " << t.no_trailer << ")\n"
      << "# requests answered " << t.answered << " (" << t.on_a_bound
      << " exactly on a bucket bound, " << t.across_midnight << " across midnight, "
      << t.across_check_point << " across a check point), unanswered " << t.unanswered_total
      << " after " << tse::bench::kRequestTimeoutMs / 1000 << " s of log time\n"
      << "#!\ttserver_exporter_bytes_read_total\t" << writer.total_bytes() << "\n"
      << "#!\ttserver_exporter_lines_read_total\t" << t.lines << "\n"
      << "#!\ttserver_exporter_records_skipped_total{reason=\"duplicate\"}\t" << t.duplicates
      << "\n"
      << "#!\ttserver_exporter_records_skipped_total{reason=\"backup_copy\"}\t" << t.backup_copies
      << "\n"
      << "#!\ttserver_exporter_malformed_records_total\t" << t.malformed << "\n"
      << "#!\ttserver_exporter_request_durations_skipped_total\t0\n"
      << "#!\ttserver_exporter_log_time_steps_back_total\t0\n"
      << "#!\ttserver_exporter_pending_requests_evicted_total\t0\n";
  for (const auto& row : generator.expected_rows()) tsv << row << "\n";
  for (const auto& row : generator.expected_duration_rows()) tsv << row << "\n";
  tsv.close();
  if (!tsv) {
    std::cerr << "tse_loggen: cannot write " << expected << "\n";
    return 1;
  }
  std::fprintf(
      stderr,
      "tse_loggen: %s: %u segments, %llu bytes, %llu lines, %llu EventErrors in %llu "
      "TLib messages (%.2f%%), %.0f MB/s\n",
      tserver.c_str(), writer.segments(), static_cast<unsigned long long>(writer.total_bytes()),
      static_cast<unsigned long long>(t.lines), static_cast<unsigned long long>(t.event_errors),
      static_cast<unsigned long long>(t.messages),
      t.messages ? 100.0 * static_cast<double>(t.event_errors) / static_cast<double>(t.messages)
                 : 0.0,
      static_cast<double>(writer.total_bytes()) / 1e6 / seconds);
  return 0;
}
