#include "source/listener_sink.h"

#include <algorithm>
#include <optional>

#include <spdlog/spdlog.h>

#include "source/syslog_message.h"

namespace tse {
namespace {

constexpr auto kForgetOrigin = std::chrono::minutes(10);  // a silent UDP origin is let go

}  // namespace

ListenerSink::ListenerSink(const ListenerOptions& options, OriginTable::MakeReader make_reader,
                           SelfMetrics& metrics)
    : options_(options),
      table_(OriginLimits{.max_origins = options.max_origins, .max_labels = options.max_tservers},
             std::move(make_reader)),
      messages_(metrics.listener_messages.Add({{"listener", options_.spec}})),
      bytes_(metrics.listener_bytes.Add({{"listener", options_.spec}})),
      connections_(metrics.listener_connections.Add({{"listener", options_.spec}})),
      framing_errors_(metrics.listener_framing_errors.Add({{"listener", options_.spec}})),
      dropped_(metrics.listener_dropped.Add({{"listener", options_.spec}})),
      kernel_drops_(metrics.listener_kernel_drops.Add({{"listener", options_.spec}})),
      evicted_(metrics.listener_origins_evicted.Add({{"listener", options_.spec}})),
      origins_open_(metrics.listener_origins.Add({{"listener", options_.spec}})) {
  if (options_.tls)
    tls_failures_ = &metrics.tls_handshake_failures.Add({{"server", options_.spec}});
}

template <class Feed>
void ListenerSink::to_origin(const std::string& key, std::string_view label, std::uint64_t lines,
                             Feed feed) {
  messages_.Increment(static_cast<double>(lines));
  OriginTable::Origin* origin = table_.open(key, label, Clock::now());
  if (origin != nullptr && !origin->refused) {
    feed(*origin->reader);
    // A header in these bytes named a label over the cap: they are not counted either.
    if (origin->refused) dropped_.Increment(static_cast<double>(lines));
  } else {
    dropped_.Increment(static_cast<double>(lines));
  }
  publish_table();
}

void ListenerSink::deliver_syslog(std::string_view frame, const std::string& peer) {
  bytes_.Increment(static_cast<double>(frame.size()));
  const auto message = parse_syslog(frame);
  if (!message) {
    framing_error("a message that is not syslog (RFC 5424 or 3164) from " + peer);
    return;
  }
  const auto named = [](std::string_view v) { return !v.empty() && v != "-"; };
  const std::string_view label = named(message->app_name)   ? message->app_name
                                 : named(message->hostname) ? message->hostname
                                                            : std::string_view("syslog");
  std::string key = peer;
  key += '\n';
  key += message->hostname;
  key += '\n';
  key += message->app_name;
  to_origin(key, label, 1, [&](StreamReader& reader) {
    line_.assign(message->message);
    line_ += '\n';
    reader.feed(line_);
  });
}

std::string ListenerSink::describe_origin(std::string_view key) {
  const std::size_t first = key.find('\n');
  if (first == std::string_view::npos) return std::string(key);
  std::string out(key.substr(0, first));
  const std::string_view rest = key.substr(first + 1);
  const std::size_t second = rest.find('\n');
  const std::string_view hostname = rest.substr(0, second);
  const std::string_view app =
      second == std::string_view::npos ? std::string_view() : rest.substr(second + 1);
  if (!hostname.empty() && hostname != "-") out.append(" host ").append(hostname);
  if (!app.empty() && app != "-") out.append(" app ").append(app);
  return out;
}

void ListenerSink::deliver_raw(std::string_view bytes, const std::string& connection) {
  bytes_.Increment(static_cast<double>(bytes.size()));
  const std::string_view label =
      options_.name.empty() ? std::string_view("tcp") : std::string_view(options_.name);
  const auto lines = static_cast<std::uint64_t>(std::count(bytes.begin(), bytes.end(), '\n'));
  to_origin(connection, label, lines, [&](StreamReader& reader) { reader.feed(bytes); });
}

void ListenerSink::close_connection(const std::string& connection) {
  table_.close_connection(connection);
  publish_table();
}

void ListenerSink::close_all() {
  table_.close_all();
  publish_table();
}

void ListenerSink::sweep(Clock::time_point now) {
  table_.sweep(now, options_.idle_flush,
               options_.kind == ListenerOptions::Kind::kSyslogUdp
                   ? std::optional<Clock::duration>(kForgetOrigin)
                   : std::nullopt);
  publish_table();
}

void ListenerSink::framing_error(const std::string& what) {
  framing_errors_.Increment();
  warn(what);
}

void ListenerSink::tls_handshake_failed(const std::string& what) {
  if (tls_failures_ != nullptr) tls_failures_->Increment();
  warn(what);
}

void ListenerSink::connection_refused() {
  dropped_.Increment();
  warn("over " + std::to_string(options_.max_connections) + " connections: refusing one");
}

void ListenerSink::kernel_drops(std::uint64_t total) {
  // The kernel's count is a 32-bit value that may wrap; count what it moved by.
  const auto moved = static_cast<std::uint32_t>(total - kernel_drops_seen_);
  if (moved == 0) return;
  kernel_drops_seen_ = total;
  kernel_drops_.Increment(static_cast<double>(moved));
  warn("the kernel dropped " + std::to_string(moved) +
       " datagrams: the receive buffer was full (raise --source.udp-receive-buffer)");
}

void ListenerSink::warn(const std::string& message) {
  if (limiter_.allow()) spdlog::warn("{}: {}", options_.spec, message);
}

// The table's counts into the metrics, and a rate-limited line when a label was refused.
void ListenerSink::publish_table() {
  origins_open_.Set(static_cast<double>(table_.size()));
  if (table_.origins_evicted() != evicted_seen_) {
    evicted_.Increment(static_cast<double>(table_.origins_evicted() - evicted_seen_));
    evicted_seen_ = table_.origins_evicted();
    warn("over " + std::to_string(options_.max_origins) +
         " origins: closed the one silent longest to make room");
  }
  if (table_.labels_refused() != refused_seen_) {
    refused_seen_ = table_.labels_refused();
    if (refused_limiter_.allow()) {
      spdlog::warn("over {} T-Servers on {}: dropping the lines of \"{}\"", options_.max_tservers,
                   options_.spec, table_.last_refused_label());
    }
  }
}

}  // namespace tse
