// tse_logwriter: plays N T-Servers writing their logs at once, for measuring the daemon in
// follow mode (tests/bench/follow.sh).
//
//   tse_logwriter --dir DIR [--files 50] [--rate 20M] [--seconds 30] [--seed 1]
//
// Creates DIR/TS_<nn>.<YYYYMMDD_HHMMSS_mmm>.log for nn = 01..N (one segment each, with its header)
// and appends generated blocks (loggen.h; whole lines, as a T-Server flushes them) to all of them
// every 10 ms, so that the total grows at RATE bytes per second. At the end it writes
// DIR/expected.tsv (`tserver<TAB>error_code<TAB>count`, all files; `#!` lines as tse_loggen's)
// and prints the rate it achieved on standard error.
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "loggen.h"
#include "quantity.h"

namespace {

[[noreturn]] void usage(const std::string& message) {
  std::cerr << "tse_logwriter: " << message
            << "\nusage: tse_logwriter --dir DIR [--files 50] [--rate 20M] [--seconds 30] "
               "[--seed 1]\n";
  std::exit(2);
}

void write_all(int fd, std::string_view bytes, const std::string& path) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      std::cerr << "tse_logwriter: cannot write " << path << ": " << std::strerror(errno) << "\n";
      std::exit(1);
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

double now_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct Log {
  std::unique_ptr<tse::bench::LogGenerator> generator;
  std::string path;
  int fd = -1;
  std::uint64_t written = 0;
};

}  // namespace

int main(int argc, char** argv) {
  std::string dir;
  double files = 50, rate = 20e6, seconds = 30, seed = 1;
  for (int i = 1; i < argc; i += 2) {
    const std::string_view flag = argv[i];
    if (flag == "--help" || flag == "-h") usage("help");
    if (i + 1 >= argc) usage("missing value for " + std::string(flag));
    const std::string_view value = argv[i + 1];
    if (flag == "--dir") {
      dir = value;
      continue;
    }
    // Every quantity is > 0, but a seed may be 0.
    const auto v = tse::bench::parse_quantity(value);
    if (!v || (*v == 0 && flag != "--seed")) usage("bad value for " + std::string(flag));
    if (flag == "--files")
      files = *v;
    else if (flag == "--rate")
      rate = *v;
    else if (flag == "--seconds")
      seconds = *v;
    else if (flag == "--seed")
      seed = *v;
    else
      usage("unknown flag " + std::string(flag));
  }
  if (dir.empty()) usage("--dir is required");

  std::vector<Log> logs(static_cast<std::size_t>(files));
  std::string buffer;
  for (std::size_t i = 0; i < logs.size(); ++i) {
    const std::string name = (i < 9 ? "TS_0" : "TS_") + std::to_string(i + 1);
    Log& log = logs[i];
    log.generator = std::make_unique<tse::bench::LogGenerator>(
        static_cast<std::uint64_t>(seed) * 1000 + i, name);
    const std::string file = log.generator->next_segment_name();
    log.path = dir + "/" + file;
    log.fd = ::open(log.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
    if (log.fd < 0) {
      std::cerr << "tse_logwriter: cannot create " << log.path << ": " << std::strerror(errno)
                << "\n";
      return 1;
    }
    buffer.clear();
    log.generator->write_header(buffer, file, 1);
    write_all(log.fd, buffer, log.path);
    log.written = buffer.size();
  }

  // Every 10 ms, each file is brought up to its share of RATE x elapsed, in whole blocks.
  const double per_file = rate / static_cast<double>(logs.size());
  const double start = now_seconds();
  timespec next{};
  ::clock_gettime(CLOCK_MONOTONIC, &next);
  std::uint64_t total = 0;
  for (;;) {
    const double elapsed = now_seconds() - start;
    if (elapsed >= seconds) break;
    for (Log& log : logs) {
      const auto target = static_cast<std::uint64_t>(per_file * elapsed);
      buffer.clear();
      while (log.written + buffer.size() < target) log.generator->write_block(buffer);
      if (buffer.empty()) continue;
      write_all(log.fd, buffer, log.path);
      log.written += buffer.size();
      total += buffer.size();
    }
    next.tv_nsec += 10'000'000;
    if (next.tv_nsec >= 1'000'000'000) {
      next.tv_nsec -= 1'000'000'000;
      ++next.tv_sec;
    }
    ::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, nullptr);
  }
  const double took = now_seconds() - start;

  std::ofstream tsv(dir + "/expected.tsv", std::ios::binary);
  std::uint64_t bytes = 0, lines = 0, duplicates = 0, backup = 0, malformed = 0, errors = 0;
  for (Log& log : logs) {
    ::close(log.fd);
    const auto& t = log.generator->tally();
    bytes += log.written;
    lines += t.lines;
    duplicates += t.duplicates;
    backup += t.backup_copies;
    malformed += t.malformed;
    errors += t.event_errors;
  }
  tsv << "# tserver\terror_code\tcount: every non-zero tserver_event_errors_total, exact\n"
      << "#!\ttserver_exporter_bytes_read_total\t" << bytes << "\n"
      << "#!\ttserver_exporter_lines_read_total\t" << lines << "\n"
      << "#!\ttserver_exporter_records_skipped_total{reason=\"duplicate\"}\t" << duplicates << "\n"
      << "#!\ttserver_exporter_records_skipped_total{reason=\"backup_copy\"}\t" << backup << "\n"
      << "#!\ttserver_exporter_malformed_records_total\t" << malformed << "\n";
  for (Log& log : logs)
    for (const auto& row : log.generator->expected_rows()) tsv << row << "\n";
  std::fprintf(stderr,
               "tse_logwriter: %zu files, %llu bytes of body in %.1f s = %.2f MB/s, %llu "
               "EventErrors\n",
               logs.size(), static_cast<unsigned long long>(total), took,
               static_cast<double>(total) / 1e6 / took, static_cast<unsigned long long>(errors));
  return tsv ? 0 : 1;
}
