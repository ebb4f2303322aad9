#include "daemon/exporter.h"

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp needs std::exchange under C++20

#include <csignal>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <prometheus/text_serializer.h>
#include <spdlog/spdlog.h>

#include "daemon/version.h"
#include "http/http_server.h"
#include "pipeline/tserver_log_reader.h"
#include "tserver/segment_name.h"

namespace tse {

Exporter::Exporter(const Options& options)
    : registry_(std::make_shared<prometheus::Registry>()),
      errors_(*registry_),
      self_(*registry_, version(), revision()),
      tailer_(
          TailerOptions{.globs = options.source_files,
                        .from_beginning = options.from_beginning,
                        .idle_after = options.idle_flush},
          [](std::string_view name) { return std::string(tserver::segment_base_name(name)); },
          [](std::string_view name) { return tserver::is_duplicate_output(name); },
          [this] { return std::make_unique<TServerLogReader>(errors_, self_); }, self_) {}

std::string Exporter::render() {
  self_.scrapes.Increment();
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

int run_once(const Options& options, std::ostream& out) {
  Exporter exporter(options);
  exporter.tailer().read_once();
  out << exporter.render();
  out.flush();
  return out ? 0 : 1;
}

namespace {

// Polls the files on a timer; polls again at once while a backlog is being read.
class PollLoop {
 public:
  PollLoop(boost::asio::io_context& io, FileTailer& tailer, std::chrono::milliseconds interval)
      : timer_(io), tailer_(tailer), interval_(interval) {}

  void start() { tick(); }
  void stop() { timer_.cancel(); stopped_ = true; }

 private:
  void tick() {
    if (stopped_) return;
    const bool backlog = tailer_.poll(std::chrono::steady_clock::now());
    timer_.expires_after(backlog ? std::chrono::milliseconds(0) : interval_);
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) tick();
    });
  }

  boost::asio::steady_timer timer_;
  FileTailer& tailer_;
  std::chrono::milliseconds interval_;
  bool stopped_ = false;
};

// `127.0.0.1:10057` or `[::]:10057`: what a user can paste into curl.
std::string format_endpoint(const boost::asio::ip::tcp::endpoint& endpoint) {
  const auto address = endpoint.address();
  const std::string host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  return host + ":" + std::to_string(endpoint.port());
}

void wait_for_hangup(boost::asio::signal_set& hangup) {
  hangup.async_wait([&hangup](const boost::system::error_code& ec, int) {
    if (ec) return;
    spdlog::info("SIGHUP received; nothing to reload yet (the flags are read only at start)");
    wait_for_hangup(hangup);
  });
}

}  // namespace

int run_daemon(const Options& options) {
  boost::asio::io_context io;
  // Signals first: a supervisor may signal as soon as it sees the "listening" line.
  boost::asio::signal_set stop_signals(io, SIGINT, SIGTERM);
  boost::asio::signal_set hangup(io, SIGHUP);
  wait_for_hangup(hangup);
  Exporter exporter(options);
  const auto endpoint = parse_listen_address(io, options.listen_address);
  HttpServer server(io, endpoint,
                    HttpRoutes{.telemetry_path = options.telemetry_path,
                               .metrics = [&exporter] { return exporter.render(); },
                               .title = "tserver_exporter " + std::string(version())});
  const auto bound = server.local_endpoint();
  spdlog::info("tserver_exporter {} (revision {}) listening on {}, metrics at {}", version(),
               revision(), format_endpoint(bound), options.telemetry_path);
  for (const auto& glob : options.source_files) spdlog::info("following {}", glob);

  PollLoop poll(io, exporter.tailer(), options.poll_interval);
  stop_signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    spdlog::info("{} received; stopping", signal == SIGINT ? "SIGINT" : "SIGTERM");
    poll.stop();
    server.stop();
    io.stop();
  });
  poll.start();
  io.run();
  spdlog::info("stopped");
  return 0;
}

}  // namespace tse
