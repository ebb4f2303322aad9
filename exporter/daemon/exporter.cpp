#include "daemon/exporter.h"

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp needs std::exchange under C++20

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <thread>

#include <prometheus/text_serializer.h>
#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#ifndef _WIN32
#include <unistd.h>  // dup, STDIN_FILENO
#include <boost/asio/posix/stream_descriptor.hpp>
#endif
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "catalog/catalog_table.h"
#include "config/config_diff.h"
#include "config/config_values.h"
#include "daemon/version.h"
#include "http/content_coding.h"
#include "http/exposition_cache.h"
#include "http/http_server.h"
#include "logging/log_setup.h"
#include "logging/rate_limiter.h"
#include "os/file_system.h"
#include "os/process_limits.h"
#include "os/std_streams.h"
#include "pipeline/tserver_log_reader.h"
#include "source/stream_listener.h"
#include "tserver/segment_name.h"
#include "web/web_security.h"

namespace tse {

namespace {

// The error catalog of a configuration already checked; its tables changed since: a usage error.
std::shared_ptr<const ErrorCatalog> catalog_of(const Config& config) {
  std::vector<std::string> errors;
  auto catalog = build_catalog(config.catalog, errors);
  if (!catalog) throw UsageError(errors.empty() ? "the error catalog cannot be built" : errors[0]);
  return catalog;
}

}  // namespace

namespace {

std::vector<std::string> globs_of(const Config& config, bool tservers) {
  std::vector<std::string> out;
  for (const auto& source : config.sources) {
    if (source.kind == SourceConfig::Kind::kFile) {
      out.push_back(tservers ? source.tserver : source.target);
    }
  }
  return out;
}

}  // namespace

Exporter::Exporter(const Config& config, bool durable)
    : glob_names_{.globs = globs_of(config, /*tservers=*/false),
                  .tservers = globs_of(config, /*tservers=*/true)},
      assembler_options_{.request_timeout = std::chrono::duration_cast<std::chrono::microseconds>(
                                                config.request_timeout)
                                                .count()},
      registry_(std::make_shared<prometheus::Registry>()),
      errors_(*registry_, ErrorMetrics::Limits{.tservers = config.limits.metrics_max_tservers},
              catalog_of(config)),
      self_(*registry_, version(), revision()),
      store_(durable ? std::optional<StateStore>(config.storage.path) : std::nullopt),
      tailer_(
          tailer_options(config),
          [](std::string_view name) { return std::string(tserver::segment_base_name(name)); },
          [](std::string_view name) { return tserver::is_duplicate_output(name); },
          [this] {
            auto reader = std::make_unique<TServerLogReader>(
                errors_, self_, LineFramer::kDefaultMaxLineBytes, TServerLogReader::Admission{},
                assembler_options_);
            reader->name_globs(&glob_names_);
            return reader;
          },
          self_) {
  if (durable) process_.emplace();
  for (const auto& source : config.sources) {
    if (source.kind == SourceConfig::Kind::kStdin) {
      auto reader =
          std::make_unique<TServerLogReader>(errors_, self_, LineFramer::kDefaultMaxLineBytes,
                                             TServerLogReader::Admission{}, assembler_options_);
      reader->name(source.tserver);
      stdin_reader_ = std::move(reader);
      stdin_reader_->begin_segment(SegmentBegin{.path = "stdin"});
    }
    // A named T-Server is known before its first line: every catalog code at 0 from the first
    // scrape, so that its first EventError is an increase.
    if (!source.tserver.empty()) errors_.tserver(source.tserver);
  }
}

namespace {

// The descriptors the file source may hold. Every descriptor the daemon opens has a budget:
// 64 for itself (the state file, standard input, listening sockets, the event loops, logging),
// --web.max-connections for HTTP, 256 for each TCP listener's connections (a UDP listener is
// one socket, within the 64), and what is left for followed files. The soft RLIMIT_NOFILE is
// raised to the hard limit first (systemd's default soft limit is 1,024 for compatibility with
// select(); nothing here uses select()). A flag value > 0 wins. Too low a limit is said once:
// the files then get 16 and the HTTP and TCP caps may meet the limit first (both survive it).
std::size_t open_file_budget(const Config& config) {
  const LimitsConfig& limits = config.limits;
  constexpr std::uint64_t kReserved = 64;
  constexpr std::uint64_t kLeast = 16;
  // Where the system has no per-process limit (Windows), a fixed budget: a cap all the same.
  constexpr std::size_t kWithoutLimit = 4096;
  const std::optional<std::uint64_t> limit = os::raise_open_file_limit();
  if (limits.max_open_files > 0) return limits.max_open_files;
  if (!limit) return kWithoutLimit;
  std::size_t tcp_listeners = 0;
  for (const auto& source : config.sources) {
    tcp_listeners +=
        source.kind == SourceConfig::Kind::kTcp ||
        (source.kind == SourceConfig::Kind::kSyslog && source.target.starts_with("tcp://"));
  }
  const std::uint64_t others =
      kReserved + limits.web_max_connections + tcp_listeners * ListenerOptions{}.max_connections;
  if (*limit < others + kLeast) {
    spdlog::warn(
        "the descriptor limit ({}) is too low for {} HTTP connections, {} TCP listeners "
        "and the log files: raise it (LimitNOFILE= in the systemd unit, ulimit -n) or "
        "lower --web.max-connections",
        *limit, limits.web_max_connections, tcp_listeners);
    return kLeast;
  }
  const auto budget = static_cast<std::size_t>(std::min<std::uint64_t>(*limit - others, 1u << 20));
  spdlog::debug("descriptor limit {}: at most {} open log files", *limit, budget);
  return budget;
}

}  // namespace

// The tailer's options, with the positions of the state file when there is one (which also
// restores the counters: both come from the same file).
TailerOptions Exporter::tailer_options(const Config& config) {
  TailerOptions tailer{.globs = globs_of(config, /*tservers=*/false),
                       .from_beginning = config.from_beginning,
                       .idle_after = config.idle_flush,
                       .max_open_files = open_file_budget(config),
                       .max_streams = config.limits.max_streams};
  if (!store_) return tailer;
  SavedState state;
  std::string error;
  const auto loaded = store_->load(state, error);
  switch (loaded) {
    case StateStore::LoadResult::kMissing:
      spdlog::info("no state file in {}: starting with every counter at 0", config.storage.path);
      return tailer;
    case StateStore::LoadResult::kInvalid:
      self_.state_load_failures.Increment();
      spdlog::warn("{}; starting clean (the file will be replaced)", error);
      return tailer;
    case StateStore::LoadResult::kLoadedPrevious:
      if (store_->newest_invalid()) self_.state_load_failures.Increment();
      self_.state_fallbacks.Increment();
      spdlog::warn("{}; using the previous state {} (the logs since are read again)", error,
                   store_->previous_path());
      break;
    case StateStore::LoadResult::kLoaded:
      break;
  }
  for (const auto& counter : state.counters) {
    if (!errors_.restore({counter.family, counter.tserver, counter.request, counter.error_code,
                          counter.value})) {
      spdlog::warn("state file: ignoring a {} counter with error_code \"{}\"", counter.family,
                   counter.error_code);
    }
  }
  saved_generation_ = errors_.generation();
  spdlog::info(
      "restored {} counters and {} log positions from {}", state.counters.size(),
      state.positions.size(),
      loaded == StateStore::LoadResult::kLoaded ? store_->path() : store_->previous_path());
  // from_beginning decides how the first start reads; a log with a saved position goes on from
  // it (else a restart would count it again). Said once, since the flag looks ignored.
  if (config.from_beginning && !state.positions.empty()) {
    spdlog::info(
        "--source.from-beginning: the state file {} holds a position for {} logs: they go on "
        "from there, not from their first byte; to read them again, stop the exporter and "
        "delete {}*, or use a new --storage.path",
        store_->path(), state.positions.size(), store_->path());
  }
  tailer.resume = std::move(state.positions);
  tailer.resumed = true;
  return tailer;
}

void Exporter::save_state() {
  if (!store_) return;
  SavedState state;
  for (auto& value : errors_.values()) {
    state.counters.push_back({std::move(value.family), std::move(value.tserver),
                              std::move(value.request), std::move(value.error_code), value.value});
  }
  state.positions = tailer_.positions();
  std::string serialized = serialize_state(state);
  if (serialized == last_saved_) return;
  std::string error;
  const auto started = std::chrono::steady_clock::now();
  const bool saved = store_->save(serialized, error);
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  self_.state_write_duration.Observe(took);
  if (took >= 1.0) {
    static RateLimiter slow(std::chrono::minutes(10));
    if (slow.allow()) {
      spdlog::warn(
          "writing the state file took {:.1f} s: new counts show in /metrics only once "
          "written; the disk under {} is slow or busy",
          took, store_->path());
    }
  }
  if (!saved) {
    self_.state_write_failures.Increment();
    static RateLimiter limiter(std::chrono::minutes(1));
    if (limiter.allow()) spdlog::warn("{}; counting goes on, but a restart may lose counts", error);
    return;
  }
  last_saved_ = std::move(serialized);
  saved_generation_ = errors_.generation();
  self_.state_writes.Increment();
  self_.state_last_write.Set(
      static_cast<double>(std::chrono::duration_cast<std::chrono::seconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count()));
}

void Exporter::follow(const Config& next) {
  // The readers hold a pointer to glob_names_: at their next count they see the new generation
  // and take their glob's new name (a glob removed keeps the name it had for what it holds).
  glob_names_.globs = globs_of(next, /*tservers=*/false);
  glob_names_.tservers = globs_of(next, /*tservers=*/true);
  ++glob_names_.generation;
  tailer_.set_globs(glob_names_.globs);
  for (const auto& source : next.sources) {
    if (!source.tserver.empty()) errors_.tserver(source.tserver);
  }
}

std::unique_ptr<StreamReader> Exporter::make_reader(std::size_t max_line_bytes,
                                                    std::function<bool(std::string_view)> admit,
                                                    const std::string& tserver) {
  auto reader = std::make_unique<TServerLogReader>(errors_, self_, max_line_bytes, std::move(admit),
                                                   assembler_options_);
  reader->name(tserver);
  return reader;
}

std::string Exporter::render() {
  if (store_ && errors_.generation() != saved_generation_) save_state();
  auto families = registry_->Collect();
  if (process_) {
    auto process = process_->Collect();
    families.insert(families.end(), std::make_move_iterator(process.begin()),
                    std::make_move_iterator(process.end()));
  }
  return prometheus::TextSerializer().Serialize(families);
}

LandingView Exporter::landing_view() const {
  LandingView view;
  const ErrorCatalog& catalog = errors_.catalog();
  for (auto& value : errors_.values(/*event_errors_only=*/true)) {
    if (view.tservers.empty() || view.tservers.back().name != value.tserver) {
      view.tservers.push_back(
          {.name = value.tserver, .last_error = errors_.last_error(value.tserver)});
    }
    if (value.family != "event_errors") continue;
    LandingView::Code code{.code = value.error_code,
                           .name = std::string(ErrorCatalog::kUnknownName),
                           .count = value.value};
    std::int64_t number = 0;
    const auto [end, ec] =
        std::from_chars(code.code.data(), code.code.data() + code.code.size(), number);
    if (code.code == "unknown") {
      code.description = "EventErrors that gave no error code";
    } else if (code.code == "other") {
      code.name = "other";
      code.description = "codes outside the catalog, past the limit of their series";
    } else if (const ErrorCatalog::Entry* entry =
                   ec == std::errc() ? catalog.find(number) : nullptr) {
      code.name = entry->name;
      code.description = entry->description;
    } else {
      code.description = "not in the error catalog";
    }
    view.tservers.back().codes.push_back(std::move(code));
  }
  for (auto& file : tailer_.followed_files()) {
    view.files.push_back(
        {.path = std::move(file.path), .offset = file.offset, .backlog = file.backlog});
  }
  return view;
}

int run_once(const Config& config, std::ostream& out) {
  // --once counts what is there now: a glob that matches nothing is a typo or the wrong folder,
  // not a file yet to come (the daemon waits for those). A run-time failure, exit 1: the same
  // command succeeds once the files are there. Checked before reading, so nothing is printed.
  std::string unmatched;
  for (const auto& glob : globs_of(config, /*tservers=*/false)) {
    const os::GlobResult found = os::expand_glob(glob);
    if (!found.paths.empty()) continue;
    unmatched += (unmatched.empty() ? "" : ", ") + ("\"" + glob + "\"");
    if (!found.complete) unmatched += std::string(" (") + std::strerror(found.error_number) + ")";
  }
  if (!unmatched.empty()) throw std::runtime_error("--once: no file matches " + unmatched);
  Exporter exporter(config, /*durable=*/false);
  exporter.tailer().read_once();
  if (StreamReader* reader = exporter.stdin_reader()) {
    std::vector<char> buffer(1u << 20);
    for (long n; (n = os::read_stdin(buffer.data(), buffer.size())) != 0;) {
      if (n < 0) {
        throw std::system_error(errno, std::generic_category(), "cannot read standard input");
      }
      reader->feed(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
    }
    reader->finish();
  }
  out << exporter.render();
  out.flush();
  return out ? 0 : 1;
}

namespace {

// Polls the files on a timer (again at once while a backlog is being read), and writes the
// state file every write interval.
class PollLoop {
 public:
  PollLoop(boost::asio::io_context& io, Exporter& exporter, const Config& config)
      : timer_(io),
        exporter_(exporter),
        interval_(config.poll_interval),
        write_interval_(config.storage.write_interval) {}

  void start() { tick(); }
  void stop() {
    timer_.cancel();
    stopped_ = true;
  }

 private:
  void tick() {
    if (stopped_) return;
    const auto now = std::chrono::steady_clock::now();
    const bool backlog = exporter_.tailer().poll(now);
    if (now - last_write_ >= write_interval_) {
      exporter_.save_state();
      last_write_ = now;
    }
    timer_.expires_after(backlog ? std::chrono::milliseconds(0) : interval_);
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) tick();
    });
  }

  boost::asio::steady_timer timer_;
  Exporter& exporter_;
  std::chrono::milliseconds interval_;
  std::chrono::milliseconds write_interval_;
  std::chrono::steady_clock::time_point last_write_{};  // the first poll is saved at once
  bool stopped_ = false;
};

// `127.0.0.1:10057` or `[::]:10057`: what a user can paste into curl.
std::string format_endpoint(const boost::asio::ip::tcp::endpoint& endpoint) {
  const auto address = endpoint.address();
  const std::string host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  return host + ":" + std::to_string(endpoint.port());
}

// Reads standard input as it comes (--source.stdin); at its end, closes the open records and
// keeps serving. A quiet input gets StreamReader::idle() after --source.idle-flush.
//
// POSIX: an Asio descriptor on a duplicate of standard input, read on the event loop. Windows:
// consoles and anonymous pipes cannot be read asynchronously, so a thread of its own reads with
// blocking calls and posts each chunk to the event loop. That thread cannot be interrupted in
// ReadFile: it is detached, and what it posts after the pump is gone is dropped (it holds the
// shared `Link`, never the pump).
class StdinPump {
 public:
  StdinPump(boost::asio::io_context& io, StreamReader& reader, std::chrono::milliseconds idle)
      :
#ifndef _WIN32
        input_(io, ::dup(STDIN_FILENO)),
#endif
        io_(io),
        timer_(io),
        reader_(reader),
        idle_(idle),
        buffer_(1u << 16) {
  }
  ~StdinPump() {
#ifdef _WIN32
    const std::lock_guard lock(link_->mutex);
    link_->pump = nullptr;
#endif
  }
  StdinPump(const StdinPump&) = delete;
  StdinPump& operator=(const StdinPump&) = delete;

  void start() {
#ifdef _WIN32
    std::thread([link = link_, &io = io_] {
      std::vector<char> chunk(1u << 16);
      while (true) {
        const long n = os::read_stdin(chunk.data(), chunk.size());
        const std::lock_guard lock(link->mutex);
        if (link->pump == nullptr) return;
        boost::asio::post(
            io, [link, bytes = std::string(chunk.data(), n > 0 ? static_cast<std::size_t>(n) : 0)] {
              if (link->pump != nullptr) link->pump->received(bytes, bytes.empty());
            });
        if (n <= 0) return;
      }
    }).detach();
#else
    read();
#endif
  }

 private:
  void received(std::string_view bytes, bool ended) {
    if (!bytes.empty()) {
      reader_.feed(bytes);
      arm_idle();
    }
    if (ended) {
      spdlog::info("standard input ended; serving the counts");
      timer_.cancel();
      reader_.finish();
    }
  }
#ifndef _WIN32
  void read() {
    input_.async_read_some(boost::asio::buffer(buffer_),
                           [this](const boost::system::error_code& ec, std::size_t n) {
                             if (ec == boost::asio::error::operation_aborted) return;
                             received(std::string_view(buffer_.data(), n), bool(ec));
                             if (!ec) read();
                           });
  }
#endif
  void arm_idle() {
    timer_.expires_after(idle_);
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) reader_.idle();
    });
  }

#ifdef _WIN32
  // What the reading thread and the event loop share; `pump` is cleared when the pump goes.
  struct Link {
    std::mutex mutex;
    StdinPump* pump = nullptr;
  };
  std::shared_ptr<Link> link_ = [this] {
    auto link = std::make_shared<Link>();
    link->pump = this;
    return link;
  }();
#else
  boost::asio::posix::stream_descriptor input_;
#endif
  boost::asio::io_context& io_;
  boost::asio::steady_timer timer_;
  StreamReader& reader_;
  std::chrono::milliseconds idle_;
  std::vector<char> buffer_;
};

// The HTTP server's own thread: started once the exporter exists, stopped and joined on every
// way out of run_daemon.
class HttpThread {
 public:
  HttpThread(boost::asio::io_context& io, HttpServer& server) : io_(io), server_(server) {}
  ~HttpThread() { stop(); }
  HttpThread(const HttpThread&) = delete;
  HttpThread& operator=(const HttpThread&) = delete;

  void start() {
    // An exception out of a handler (out of memory, say) ends that handler's connection, never
    // the process: the loop runs again, as Asio allows.
    thread_ = std::thread([this] {
      RateLimiter limiter(std::chrono::minutes(1));
      for (;;) {
        try {
          io_.run();
          return;
        } catch (const std::exception& e) {
          if (limiter.allow()) spdlog::error("HTTP server: {}; serving on", e.what());
        }
      }
    });
  }
  void stop() {
    if (!thread_.joinable()) return;
    boost::asio::post(io_, [this] {
      server_.stop();
      io_.stop();
    });
    thread_.join();
  }

 private:
  boost::asio::io_context& io_;
  HttpServer& server_;
  std::thread thread_;
};

// A network source's listener, started on the counting loop: its lines are read with the
// exporter's readers (named after the source when it has a tserver).
std::unique_ptr<StreamListener> start_listener(boost::asio::io_context& io, const Config& config,
                                               const SourceConfig& source, Exporter& exporter,
                                               const std::shared_ptr<const WebSecurity>& web) {
  const bool syslog = source.kind == SourceConfig::Kind::kSyslog;
  ListenerOptions listener = StreamListener::parse(source.target, syslog);
  listener.idle_flush = config.idle_flush;
  listener.max_tservers = config.limits.source_max_tservers;
  listener.max_origins = config.limits.source_max_origins;
  listener.udp_receive_buffer = config.limits.udp_receive_buffer;
  if (listener.tls) {
    if (!web || !web->tls) {
      throw WebConfigError("source " + source.target +
                           " needs tls_server_config in the web configuration file "
                           "(--web.config.file)");
    }
    listener.tls_context = web->tls;
  }
  auto started = std::make_unique<StreamListener>(
      io, listener,
      [&exporter, max_line = listener.max_message, tserver = source.tserver](
          const std::string&, OriginTable::Admission admit) {
        return exporter.make_reader(max_line, std::move(admit), tserver);
      },
      exporter.self_metrics());
  spdlog::info("receiving {} on {}, port {}{}", syslog ? "syslog" : "raw log lines", source.target,
               started->port(),
               source.tserver.empty() ? std::string() : " as tserver " + source.tserver);
  return started;
}

bool is_network(const SourceConfig& source) {
  return source.kind == SourceConfig::Kind::kSyslog || source.kind == SourceConfig::Kind::kTcp;
}

// SIGHUP and POST /-/reload: reads the configuration again and applies what changed, on the
// counting loop (the thread that owns the tailer, the listeners and the counters), so that
// nothing is counted while it changes. An invalid configuration changes nothing: it is logged,
// tserver_exporter_config_last_reload_successful goes to 0, and the one in force stays.
//
// What a reload applies: file sources added and removed (FileTailer::set_globs: a kept glob
// keeps its position), network sources added and removed (a removed listener counts its open
// records and frees its port first), the error catalog (names and descriptions, every count
// kept), the limit of T-Servers, the log level and format, and the web configuration file
// (TLS certificate, users, headers) re-read. What needs a restart is logged and kept as it was
// (config_diff.h), so that the next reload says it again.
class Reloader {
 public:
  Reloader(boost::asio::io_context& io, Config config, ConfigReader reread, Exporter& exporter,
           HttpServer& server, std::shared_ptr<const WebSecurity> web, WebSecurityEvents events,
           std::function<void()> publish)
      : io_(io),
        current_(std::move(config)),
        reread_(std::move(reread)),
        exporter_(exporter),
        server_(server),
        web_(std::move(web)),
        events_(std::move(events)),
        publish_(std::move(publish)) {}

  // The listeners of the network sources at start; a failed bind throws (exit 1).
  void start_listeners() {
    for (const auto& source : current_.sources) {
      if (is_network(source)) listeners_.emplace_back(source, start(source));
    }
  }

  void stop_listeners() {
    for (auto& [source, listener] : listeners_) listener->stop();
  }

  // The landing page's network sources: each listener in force with its `max` most recent
  // origins.
  void describe_listeners(LandingView& view, std::size_t max) const {
    const auto now = std::chrono::steady_clock::now();
    for (const auto& [source, listener] : listeners_) {
      StreamListener::Origins origins = listener->origins(max);
      LandingView::Listener& shown = view.listeners.emplace_back();
      shown.spec = source.target;
      shown.origins = origins.held;
      for (auto& heard : origins.recent) {
        shown.recent.push_back(
            {.name = std::move(heard.key),
             .silent = std::chrono::duration_cast<std::chrono::seconds>(now - heard.last),
             .refused = heard.refused});
      }
    }
  }

  // Returns "" when applied, else the first error (every error is logged).
  std::string reload(std::string_view trigger) {
    const auto now = std::chrono::system_clock::now();
    std::string error;
    try {
      error = apply(trigger);
    } catch (const std::exception& e) {  // out of memory, say: the daemon counts on
      error = std::string("the reload failed: ") + e.what();
      spdlog::error("{}; what it had applied stays", error);
    }
    exporter_.self_metrics().record_reload(error.empty(), now);
    if (publish_) publish_();  // the next scrape shows what was applied, or the refusal
    return error;
  }

 private:
  std::unique_ptr<StreamListener> start(const SourceConfig& source) {
    return start_listener(io_, current_, source, exporter_, web_);
  }

  std::string apply(std::string_view trigger) {
    spdlog::info("{}: reloading the configuration", trigger);
    Config next;
    std::vector<std::string> errors;
    if (reread_) {
      errors = reread_(next);
    } else {
      next = current_;
    }
    // The web configuration file, read again whether its name changed or not (its users,
    // headers and certificate may have): an invalid one refuses the whole reload.
    std::shared_ptr<const WebSecurity> web = web_;
    if (errors.empty() && !current_.web.config_file.empty()) {
      try {
        web = load_web_security(current_.web.config_file, events_);
      } catch (const WebConfigError& e) {
        errors.emplace_back(e.what());
      }
    }
    std::shared_ptr<const ErrorCatalog> catalog;
    if (errors.empty()) catalog = build_catalog(next.catalog, errors);
    if (!errors.empty()) {
      for (const auto& line : errors) spdlog::error("reload refused: {}", line);
      spdlog::error("the configuration in force stays as it was");
      return errors.front() +
             (errors.size() > 1 ? " (and " + std::to_string(errors.size() - 1) + " more)" : "");
    }
    ConfigDiff changes = diff(current_, next);
    for (const auto& line : changes.needs_restart) {
      spdlog::warn("reload: {}; kept as it was until the next start", line);
    }
    // What is not applied stays as it is in force, so the next reload says it again.
    Config applied = next;
    applied.from_beginning = current_.from_beginning;
    applied.poll_interval = current_.poll_interval;
    applied.idle_flush = current_.idle_flush;
    applied.storage = current_.storage;
    applied.web.listen_addresses = current_.web.listen_addresses;
    applied.web.telemetry_path = current_.web.telemetry_path;
    applied.web.config_file = current_.web.config_file;
    applied.limits = current_.limits;
    applied.limits.metrics_max_tservers = next.limits.metrics_max_tservers;
    std::erase_if(applied.sources, [](const SourceConfig& source) {
      return source.kind == SourceConfig::Kind::kStdin;
    });
    for (const auto& source : current_.sources) {
      if (source.kind == SourceConfig::Kind::kStdin) applied.sources.push_back(source);
    }

    web_ = web;
    if (web_ != nullptr) server_.set_web_config(web_);
    ErrorMetrics& errors_of = exporter_.error_metrics();
    if (!(*catalog == errors_of.catalog())) {
      errors_of.set_catalog(catalog);
      spdlog::info("reload: error catalog of {} codes", catalog->entries().size());
    }
    if (applied.limits.metrics_max_tservers != current_.limits.metrics_max_tservers) {
      auto limits = errors_of.limits();
      limits.tservers = applied.limits.metrics_max_tservers;
      errors_of.set_limits(limits);
    }
    if (applied.log != current_.log) reconfigure_logging(applied.log);  // others log meanwhile

    // Network sources: the removed ones first (a source moved to another name may keep its
    // port), then the added ones. One that cannot bind is left out of what is in force, so
    // that the next reload tries it again.
    std::string failed;
    for (const auto& source : changes.sources_removed) {
      const auto it = std::find_if(listeners_.begin(), listeners_.end(),
                                   [&](const auto& entry) { return entry.first == source; });
      if (it == listeners_.end()) continue;
      it->second->stop();
      listeners_.erase(it);
      spdlog::info("reload: stopped receiving on {}", source.target);
    }
    for (const auto& source : changes.sources_added) {
      if (!is_network(source)) continue;
      try {
        listeners_.emplace_back(source, start(source));
      } catch (const std::exception& e) {
        spdlog::error("reload: cannot receive on {}: {}", source.target, e.what());
        if (failed.empty()) failed = "source " + source.target + ": " + e.what();
        std::erase(applied.sources, source);
      }
    }
    exporter_.follow(applied);
    for (const auto& source : changes.sources_added) {
      if (source.kind == SourceConfig::Kind::kFile)
        spdlog::info("reload: following {}", source.target);
    }
    current_ = std::move(applied);
    spdlog::debug("reload: {} sources ({} added, {} removed), catalog of {} codes",
                  current_.sources.size(), changes.sources_added.size(),
                  changes.sources_removed.size(), catalog->entries().size());
    if (failed.empty()) spdlog::info("reload: the configuration is applied");
    return failed;
  }

  boost::asio::io_context& io_;
  Config current_;
  ConfigReader reread_;
  Exporter& exporter_;
  HttpServer& server_;
  std::shared_ptr<const WebSecurity> web_;
  WebSecurityEvents events_;
  std::function<void()> publish_;
  std::vector<std::pair<SourceConfig, std::unique_ptr<StreamListener>>> listeners_;
};

const char* signal_name(int signal) {
  switch (signal) {
    case SIGINT:
      return "SIGINT";
#ifdef SIGBREAK
    case SIGBREAK:
      return "SIGBREAK";
#endif
    default:
      return "SIGTERM";
  }
}

[[maybe_unused]] void wait_for_hangup(boost::asio::signal_set& hangup, Reloader& reloader) {
  hangup.async_wait([&hangup, &reloader](const boost::system::error_code& ec, int) {
    if (ec) return;
    reloader.reload("SIGHUP");
    wait_for_hangup(hangup, reloader);
  });
}

}  // namespace

void DaemonControl::request_stop(std::string reason) {
  const std::lock_guard lock(mutex_);
  if (stop_) {
    stop_(std::move(reason));
  } else {
    pending_ = std::move(reason);
  }
}

void DaemonControl::attach(std::function<void(std::string)> stop) {
  const std::lock_guard lock(mutex_);
  stop_ = std::move(stop);
  if (stop_ && pending_) {
    stop_(std::move(*pending_));
    pending_.reset();
  }
}

int run_daemon(const Config& config, ConfigReader reread, DaemonControl* control) {
  // Two event loops: `io` counts (files, network sources, standard input, the state file,
  // rendering); `http_io` answers HTTP on a thread of its own from the last rendered text, so
  // that a poll reading a backlog never holds a scrape up.
  // `io` is declared last so that it goes first: a reload's answer still queued on it holds an
  // HTTP connection, which must be dropped while `http_io` exists.
  boost::asio::io_context http_io;
  boost::asio::io_context io;
  // Signals first: a supervisor may signal as soon as it sees the "listening" line.
  // Windows raises no SIGTERM and has no SIGHUP: Ctrl+C is SIGINT, Ctrl+Break SIGBREAK, and a
  // reload is POST /-/reload.
  boost::asio::signal_set stop_signals(io, SIGINT, SIGTERM);
#ifdef SIGBREAK
  stop_signals.add(SIGBREAK);
#endif
#ifdef SIGHUP
  boost::asio::signal_set hangup(io, SIGHUP);  // waited for once the reloader exists
#endif
  // Bind before anything else, so that a port in use is the one line the user sees.
  std::unique_ptr<Exporter> exporter;
  std::unique_ptr<ExpositionCache> exposition;
  std::unique_ptr<Reloader> reloader;  // after the exporter: its listeners go first
  // The web configuration, checked (its certificate and key read) before anything binds: an
  // invalid one is a WebConfigError, exit 2.
  std::shared_ptr<const WebSecurity> web_security;
  WebSecurityEvents web_events;
  web_events.certificate_reload_failed = [&exporter] {
    if (exporter) exporter->self_metrics().tls_certificate_reload_failures.Increment();
  };
  web_events.auth_cache_dropped = [&exporter] {
    if (exporter) exporter->self_metrics().http_auth_cache_dropped.Increment();
  };
  if (!config.web.config_file.empty()) {
    web_security = load_web_security(config.web.config_file, web_events);
    spdlog::info("web configuration {}: TLS {}, basic authentication {}", config.web.config_file,
                 web_security->tls ? "on" : "off", web_security->auth ? "on" : "off");
  }
  // A tls:// source takes the web configuration's tls_server_config: none is a usage error.
  for (const auto& source : config.sources) {
    if (source.target.starts_with("tls://") && !(web_security && web_security->tls)) {
      throw WebConfigError("source " + source.target +
                           " needs tls_server_config in the web configuration file "
                           "(--web.config.file)");
    }
  }
  std::vector<boost::asio::ip::tcp::endpoint> endpoints;
  for (const auto& address : config.web.listen_addresses) {
    endpoints.push_back(parse_listen_address(http_io, address));
  }
  // Ready (/-/ready) once the state is loaded, every listener bound and the files polled once.
  std::atomic<bool> ready{false};
  HttpServer server(
      http_io, endpoints,
      HttpRoutes{.telemetry_path = config.web.telemetry_path,
                 .metrics =
                     [&exporter, &exposition](ExpositionCache::Done done) {
                       exporter->self_metrics().scrapes.Increment();
                       exposition->get(ExpositionCache::Clock::now(), std::move(done));
                     },
                 .title = "tserver_exporter " + std::string(version()),
                 .landing =
                     [&exposition](ExpositionCache::Done done) {
                       exposition->get(ExpositionCache::Clock::now(), std::move(done));
                     },
                 .ready = [&ready] { return ready.load(); },
                 // On the counting loop, which owns what a reload changes.
                 .reload =
                     [&io, &reloader](std::function<void(bool, std::string)> done) {
                       boost::asio::post(io, [&reloader, done = std::move(done)] {
                         if (!reloader) return done(false, "the exporter is starting");
                         const std::string error = reloader->reload("POST /-/reload");
                         done(error.empty(), error);
                       });
                     }},
      HttpLimits{.max_connections = config.limits.web_max_connections,
                 .on_open =
                     [&exporter](std::size_t open) {
                       if (exporter)
                         exporter->self_metrics().http_connections.Set(static_cast<double>(open));
                     },
                 .on_turned_away =
                     [&exporter](std::string_view reason) {
                       if (!exporter) return;
                       auto& self = exporter->self_metrics();
                       (reason == "evicted" ? self.http_connections_evicted
                                            : self.http_connections_refused)
                           .Increment();
                     },
                 .on_security_event =
                     [&exporter](std::string_view event) {
                       if (!exporter) return;
                       auto& self = exporter->self_metrics();
                       if (event == "unauthorized") {
                         self.http_unauthorized.Increment();
                       } else if (event == "rate_limited") {
                         self.http_rate_limited.Increment();
                       } else if (event == "auth_checks_dropped") {
                         self.http_auth_checks_dropped.Increment();
                       } else {
                         self.http_tls_handshake_failures.Increment();
                       }
                     }},
      web_security);
  exporter = std::make_unique<Exporter>(config, /*durable=*/true);
  // Renders the metrics and the landing page on the counting loop and hands them to the cache:
  // asked for by a scrape (or a look at the landing page), and at once after a reload, so that
  // the next scrape shows the configuration it applied.
  const auto render_and_publish = [&exporter, &exposition, &reloader, &config] {
    const auto at = ExpositionCache::Clock::now();
    auto rendering = std::make_shared<Exposition>();
    try {
      rendering->text = exporter->render();
    } catch (const std::exception& e) {
      static RateLimiter limiter(std::chrono::minutes(1));
      if (limiter.allow()) spdlog::error("rendering the metrics failed: {}", e.what());
      exposition->render_failed();
      return;
    }
    try {
      LandingView view = exporter->landing_view();
      view.title = "tserver_exporter " + std::string(version());
      view.telemetry_path = config.web.telemetry_path;
      view.rendered_at = std::chrono::system_clock::now();
      const LandingLimits limits;
      if (reloader) reloader->describe_listeners(view, limits.origins_per_listener);
      rendering->landing = render_landing_page(view, limits);
    } catch (const std::exception& e) {  // `/` shows its links alone
      static RateLimiter limiter(std::chrono::minutes(1));
      if (limiter.allow()) spdlog::warn("rendering the landing page failed: {}", e.what());
    }
    try {
      rendering->gzip = gzip_compress(rendering->text);
    } catch (const std::exception& e) {  // served without gzip
      static RateLimiter limiter(std::chrono::minutes(1));
      if (limiter.allow()) spdlog::warn("{}; the metrics are served uncompressed", e.what());
    }
    exposition->publish(std::move(rendering), at);
  };
  exposition = std::make_unique<ExpositionCache>(
      ExpositionCache::Ages{},
      [&io, render_and_publish] { boost::asio::post(io, render_and_publish); });
  const auto bound = server.local_endpoints();
  HttpThread http_thread(http_io, server);
  http_thread.start();
  for (const auto& endpoint : bound) {
    spdlog::info("tserver_exporter {} (revision {}) listening on {}, metrics at {}", version(),
                 revision(), format_endpoint(endpoint), config.web.telemetry_path);
  }
  const auto named = [](const SourceConfig& source) {
    return source.tserver.empty() ? std::string() : " as tserver " + source.tserver;
  };
  for (const auto& source : config.sources) {
    if (source.kind == SourceConfig::Kind::kFile) {
      spdlog::info("following {}{}", source.target, named(source));
    }
    if (source.kind == SourceConfig::Kind::kStdin) {
      spdlog::info("reading standard input{}", named(source));
    }
  }

  PollLoop poll(io, *exporter, config);
  reloader = std::make_unique<Reloader>(io, config, std::move(reread), *exporter, server,
                                        web_security, web_events, render_and_publish);
  reloader->start_listeners();
#ifdef SIGHUP
  wait_for_hangup(hangup, *reloader);
#endif
  std::optional<StdinPump> stdin_pump;
  if (StreamReader* reader = exporter->stdin_reader()) {
    stdin_pump.emplace(io, *reader, config.idle_flush);
    stdin_pump->start();
  }
  // One way to stop, on the counting loop, whoever asks: a signal or `control`.
  bool stopping = false;
  const auto stop = [&](const std::string& reason) {
    if (std::exchange(stopping, true)) return;
    spdlog::info("{}; stopping", reason);
    poll.stop();
    http_thread.stop();
    reloader->stop_listeners();
    io.stop();
  };
  stop_signals.async_wait([&stop](const boost::system::error_code& ec, int signal) {
    if (!ec) stop(std::string(signal_name(signal)) + " received");
  });
  // Detached before what `stop` refers to goes: a request then finds nothing to post to.
  struct Attachment {
    DaemonControl* control;
    ~Attachment() {
      if (control != nullptr) control->attach({});
    }
  } attachment{control};
  if (control != nullptr) {
    control->attach([&io, &stop](std::string reason) {
      boost::asio::post(io, [&stop, reason = std::move(reason)] { stop(reason); });
    });
  }
  poll.start();
  ready = true;
  if (control != nullptr && control->on_ready) control->on_ready();
  io.run();
  http_thread.stop();
  exporter->save_state();
  spdlog::info("stopped");
  return 0;
}

}  // namespace tse
