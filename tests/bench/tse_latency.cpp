// tse_latency: how long an EventError appended to a followed log takes to show in /metrics
// (tests/bench/latency.sh runs it against the daemon).
//
//   tse_latency --dir DIR --port PORT [--events 40] [--rate 1M] [--seed 1] [--shape a|b]
//
// Creates DIR/LAT_01.<YYYYMMDD_HHMMSS_mmm>.log (a header, then generated blocks without
// EventErrors at RATE bytes per second, every 10 ms, as a T-Server flushes). Every 250 to 750 ms
// (uniform, by seed) it appends one EventError with code 57 to the next write: shape A (the dump,
// then its 04542 trailer) or shape B (the 04542 record, then the dump, then the T-Server's next
// record, which is what ends a dump). The moment is taken right after that write() returns.
// Meanwhile a second thread scrapes http://127.0.0.1:PORT/metrics (keep-alive, every 2 ms) and
// notes when the count of code 57 for LAT_01 reaches each new value. Prints every latency and
// p50, p90, p99 and max on standard output; exits 1 if an EventError never showed (5 s).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "loggen.h"
#include "quantity.h"

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void usage(const std::string& message) {
  std::cerr << "tse_latency: " << message
            << "\nusage: tse_latency --dir DIR --port PORT [--events 40] [--rate 1M] [--seed 1] "
               "[--shape a|b]\n";
  std::exit(2);
}

void write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      std::perror("tse_latency: write");
      std::exit(1);
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

// One EventError with code 57 answering a RequestMakeCall of a probe client, in the contract's
// shape A or B; `n` makes the ReferenceID and the sequence number unique.
std::string probe_event(unsigned n, bool shape_a) {
  const std::string ref = std::to_string(1000000 + n);
  char sequence[17];
  std::snprintf(sequence, sizeof sequence, "%016x", 0x7f000000u + n);
  const std::string client = "[901] (000003e8 LAT_PROBE 10.9.9.9:50000)";
  std::string out;
  out += "2026-11-24T10:00:00.000 Trc 04541 RequestMakeCall received from " + client + "\r\n";
  out += "message RequestMakeCall\r\n\tAttributeThisDN\t'sip:probe@contoso.com'\r\n";
  out += "\tAttributeReferenceID\t" + ref + "\r\n";
  const std::string trailer = "2026-11-24T10:00:00.100 Trc 04542 EventError sent to " + client +
                              "\r\n";
  if (!shape_a) out += trailer;
  out += "@10:00:00.1000 [0] 8.5.001.23 send_to_client: message EventError\r\n";
  out += "\tAttributeEventSequenceNumber\t" + std::string(sequence) + "\r\n";
  out += "\tAttributeErrorMessage\t'Switch or T-Server did not respond in time'\r\n";
  out += "\tAttributeErrorCode\t57\r\n\tAttributeReferenceID\t" + ref + "\r\n";
  if (shape_a) out += trailer;
  else out += "2026-11-24T10:00:00.200 Trc 04120 Check point 10:00:00\r\n";  // ends the dump
  return out;
}

// A keep-alive HTTP/1.1 client for GET /metrics on loopback.
class Scraper {
 public:
  explicit Scraper(unsigned short port) : port_(port) {}
  ~Scraper() {
    if (fd_ >= 0) ::close(fd_);
  }

  // The body, or nullopt when the exchange failed (the next call reconnects).
  std::optional<std::string> get() {
    if (fd_ < 0 && !connect()) return std::nullopt;
    static constexpr std::string_view kRequest = "GET /metrics HTTP/1.1\r\nHost: latency\r\n\r\n";
    if (::send(fd_, kRequest.data(), kRequest.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(kRequest.size())) {
      return fail();
    }
    std::size_t header_end;
    while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill()) return fail();
    }
    const std::string_view header(buffer_.data(), header_end);
    const std::size_t at = header.find("Content-Length: ");
    if (at == std::string_view::npos) return fail();
    const std::size_t length = std::strtoul(header.data() + at + 16, nullptr, 10);
    const std::size_t body_start = header_end + 4;
    while (buffer_.size() < body_start + length) {
      if (!fill()) return fail();
    }
    std::string body = buffer_.substr(body_start, length);
    buffer_.erase(0, body_start + length);
    return body;
  }

 private:
  bool connect() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port_);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) return true;
    ::close(fd_);
    fd_ = -1;
    return false;
  }
  bool fill() {
    char chunk[65536];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }
  std::nullopt_t fail() {
    ::close(fd_);
    fd_ = -1;
    buffer_.clear();
    return std::nullopt;
  }

  unsigned short port_;
  int fd_ = -1;
  std::string buffer_;
};

// The value of code 57's series for LAT_01 in an exposition, or -1.
long count_57(const std::string& body) {
  static constexpr std::string_view kSeries =
      "tserver_event_errors_total{error_code=\"57\",error_name=\"TERR_TIMEOUT\",tserver=\"LAT_01\"} ";
  const std::size_t at = body.find(kSeries);
  if (at == std::string::npos) return -1;
  return std::strtol(body.c_str() + at + kSeries.size(), nullptr, 10);
}

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

}  // namespace

int main(int argc, char** argv) {
  std::string dir;
  unsigned long port = 0, events = 40, seed = 1;
  double rate = 1e6;
  bool shape_a = true;
  for (int i = 1; i < argc; i += 2) {
    const std::string_view flag = argv[i];
    if (flag == "--help" || flag == "-h") usage("help");
    if (i + 1 >= argc) usage("missing value for " + std::string(flag));
    const std::string value = argv[i + 1];
    if (flag == "--dir") {
      dir = value;
    } else if (flag == "--shape") {
      if (value != "a" && value != "b") usage("--shape is a or b");
      shape_a = value == "a";
    } else if (flag == "--rate") {
      const auto v = tse::bench::parse_quantity(value);
      if (!v) usage("bad value for --rate");
      rate = *v;
    } else {
      const auto count = tse::bench::parse_count(value);
      if (!count) usage("bad value for " + std::string(flag));
      const std::uint64_t v = *count;
      if (flag == "--port") port = v;
      else if (flag == "--events") events = v;
      else if (flag == "--seed") seed = v;
      else usage("unknown flag " + std::string(flag));
    }
  }
  if (dir.empty() || port == 0 || port > 65535) usage("--dir and --port are required");

  // The daemon must see the file before the first probe: wait for its first poll.
  tse::bench::LogGenerator generator(seed, "LAT_01", /*error_blocks_per_mille=*/0);
  tse::bench::Random random(seed);
  const std::string name = generator.next_segment_name();
  const std::string path = dir + "/" + name;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    std::perror(("tse_latency: cannot create " + path).c_str());
    return 1;
  }
  std::string buffer;
  generator.write_header(buffer, name, 1);
  write_all(fd, buffer);

  Scraper scraper(static_cast<unsigned short>(port));
  long baseline = -1;
  for (int i = 0; i < 500 && baseline < 0; ++i) {  // the series appears with the file's header
    if (auto body = scraper.get()) baseline = count_57(*body);
    if (baseline < 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (baseline < 0) {
    std::cerr << "tse_latency: LAT_01 never appeared in http://127.0.0.1:" << port << "/metrics\n";
    return 1;
  }

  std::mutex mutex;
  std::vector<Clock::time_point> written(events), seen(events);
  std::atomic<bool> writing{true};
  std::thread watcher([&] {
    long last = baseline;
    Scraper own(static_cast<unsigned short>(port));
    std::optional<Clock::time_point> deadline;  // 5 s after the writing ends
    while (static_cast<unsigned long>(last - baseline) < events) {
      const auto body = own.get();
      const auto now = Clock::now();
      if (body) {
        const long value = count_57(*body);
        std::lock_guard lock(mutex);
        for (; last < value && static_cast<unsigned long>(last - baseline) < events; ++last) {
          seen[static_cast<std::size_t>(last - baseline)] = now;
        }
      }
      if (!writing && !deadline) deadline = now + std::chrono::seconds(5);
      if (deadline && now > *deadline) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });

  // Background blocks every 10 ms; a probe in the write after each random gap.
  const auto start = Clock::now();
  std::uint64_t background = 0;
  auto next_probe = start + std::chrono::milliseconds(250 + random.below(501));
  auto next_write = start;
  unsigned n = 0;
  while (n < events) {
    next_write += std::chrono::milliseconds(10);
    std::this_thread::sleep_until(next_write);
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    buffer.clear();
    while (static_cast<double>(background + buffer.size()) < rate * elapsed) {
      generator.write_block(buffer);
    }
    background += buffer.size();
    const bool probe = Clock::now() >= next_probe;
    if (probe) buffer += probe_event(n, shape_a);
    write_all(fd, buffer);
    if (probe) {
      const auto now = Clock::now();
      {
        std::lock_guard lock(mutex);
        written[n] = now;
      }
      ++n;
      next_probe = now + std::chrono::milliseconds(250 + random.below(501));
    }
  }
  // Keep the log moving while the last probe is waited for, as a T-Server would.
  for (int i = 0; i < 100; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    buffer.clear();
    generator.write_block(buffer);
    write_all(fd, buffer);
  }
  writing = false;
  watcher.join();
  ::close(fd);

  std::vector<double> latencies;
  unsigned missing = 0;
  {
    std::lock_guard lock(mutex);
    for (unsigned i = 0; i < events; ++i) {
      if (seen[i] == Clock::time_point{}) {
        ++missing;
        continue;
      }
      latencies.push_back(ms(seen[i] - written[i]));
      std::printf("event %u: %.1f ms\n", i + 1, latencies.back());
    }
  }
  std::sort(latencies.begin(), latencies.end());
  auto at = [&](double p) {
    if (latencies.empty()) return 0.0;
    return latencies[std::min(latencies.size() - 1,
                              static_cast<std::size_t>(p * static_cast<double>(latencies.size())))];
  };
  std::printf(
      "shape %s, %zu EventErrors, background %.2f MB/s: append to /metrics p50 %.0f ms, p90 %.0f "
      "ms, p99 %.0f ms, max %.0f ms\n",
      shape_a ? "A" : "B", latencies.size(), rate / 1e6, at(0.5), at(0.9), at(0.99),
      latencies.empty() ? 0.0 : latencies.back());
  if (missing > 0) {
    std::printf("%u EventErrors never showed within 5 s\n", missing);
    return 1;
  }
  return 0;
}
