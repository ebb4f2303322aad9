#include "source/stream_listener.h"

#include <deque>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include "loopback.h"
#include "metrics/error_metrics.h"
#include "pipeline/tserver_log_reader.h"

namespace tse {
namespace {

using namespace std::chrono_literals;

// One EventError 57 whose record stays open until the next line, idle() or the end.
constexpr std::string_view kOpenRecord =
    "@10:15:24.8070 [0] 8.5.001.23 send_to_client: message EventError\n"
    "\tAttributeEventSequenceNumber\t0000000000000001\n"
    "\tAttributeErrorCode\t57\n";

// A real listener on a real socket, with real readers into real counters.
class StreamListenerTest : public ::testing::Test {
 protected:
  std::unique_ptr<StreamListener> listen(const std::string& spec, bool syslog) {
    ListenerOptions options = StreamListener::parse(spec, syslog);
    options.idle_flush = 1h;  // records close only when the listener stops
    return std::make_unique<StreamListener>(
        io_, options,
        [this](const std::string&, OriginTable::Admission admit) {
          return std::make_unique<TServerLogReader>(errors_, self_, 64 * 1024, std::move(admit));
        },
        self_);
  }
  double value(const std::string& family, const std::string& listener) {
    for (const auto& f : registry_.Collect()) {
      if (f.name != family) continue;
      for (const auto& m : f.metric) {
        if (!m.label.empty() && m.label[0].value == listener) return m.counter.value;
      }
    }
    return -1;
  }
  std::uint64_t count(const std::string& tserver, const std::string& code) const {
    for (const auto& v : errors_.values()) {
      if (v.family == "event_errors" && v.tserver == tserver && v.error_code == code) {
        return v.value;
      }
    }
    return 0;
  }
  // Runs the loop until `done` or a 10 s deadline.
  template <class Pred>
  bool run_until(Pred done) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      io_.run_for(10ms);
    }
    return true;
  }

  boost::asio::io_context io_;
  prometheus::Registry registry_;
  ErrorMetrics errors_{registry_};
  SelfMetrics self_{registry_, "test", "test"};
};

// Several connections of each TCP kind are mid-record when the listener stops: every one is
// closed in turn (no iterator invalidated, no handler destroyed while it runs: ASan checks) and
// every open record is counted.
TEST_F(StreamListenerTest, StopWithOpenConnectionsCountsEveryOpenRecord) {
  auto raw = listen("TS_RAW@127.0.0.1:0", false);
  auto syslog = listen("tcp://127.0.0.1:0", true);
  constexpr int kEach = 6;
  std::deque<test::Client> clients;
  for (int i = 0; i < kEach; ++i) {
    test::Client& r = clients.emplace_back(raw->port());
    test::Client& s = clients.emplace_back(syslog->port());
    ASSERT_TRUE(r.connected());
    ASSERT_TRUE(s.connected());
    ASSERT_TRUE(r.send(kOpenRecord));
    std::string frames;
    for (const auto line : {std::string_view("@10:15:24.8070 [0] 8.5.001.23 send_to_client: "
                                             "message EventError"),
                            std::string_view("\tAttributeEventSequenceNumber\t0000000000000001"),
                            std::string_view("\tAttributeErrorCode\t57")}) {
      const std::string frame = "<13>1 - host TS_SYSLOG - - - " + std::string(line);
      frames += std::to_string(frame.size()) + " " + frame;
    }
    ASSERT_TRUE(s.send(frames));
  }
  ASSERT_TRUE(run_until([&] {
    return value("tserver_exporter_listener_messages_total", "TS_RAW@127.0.0.1:0") == 3 * kEach &&
           value("tserver_exporter_listener_messages_total", "tcp://127.0.0.1:0") == 3 * kEach;
  }));
  EXPECT_EQ(count("TS_RAW", "57"), 0u);  // still open
  raw->stop();
  syslog->stop();
  io_.run_for(50ms);
  EXPECT_EQ(count("TS_RAW", "57"), static_cast<std::uint64_t>(kEach));
  EXPECT_EQ(count("TS_SYSLOG", "57"), static_cast<std::uint64_t>(kEach));
  // Stopped: the sockets are closed, the clients see the end of the stream.
  for (test::Client& client : clients) {
    std::string bytes;
    EXPECT_EQ(client.receive(bytes), test::Received::kEnd) << bytes;
  }
  raw.reset();
  syslog.reset();
  io_.run_for(10ms);
}

// Raw TCP streams that name their own T-Server in a header block stay under the label cap.
TEST_F(StreamListenerTest, HeaderLabelsOfRawStreamsAreCapped) {
  ListenerOptions options = StreamListener::parse("127.0.0.1:0", false);
  options.max_tservers = 3;
  StreamListener listener(
      io_, options,
      [this](const std::string&, OriginTable::Admission admit) {
        return std::make_unique<TServerLogReader>(errors_, self_, 64 * 1024, std::move(admit));
      },
      self_);
  constexpr int kStreams = 20;
  for (int i = 0; i < kStreams; ++i) {
    test::Client client(listener.port());
    ASSERT_TRUE(client.connected());
    ASSERT_TRUE(client.send("Application name:\tTS_" + std::to_string(i) + "\n\n"));
    ASSERT_TRUE(client.send(std::string(kOpenRecord) + "next line\n"));  // 4 lines after the header
    client.close();
    // One at a time, so that which streams get a label is known: the first two ("tcp" is the
    // third).
    ASSERT_TRUE(run_until([&] { return count("TS_" + std::to_string(i), "57") > 0 || i >= 2; }));
  }
  ASSERT_TRUE(run_until([&] {
    return value("tserver_exporter_listener_messages_total", "127.0.0.1:0") == 6 * kStreams;
  }));
  io_.run_for(50ms);
  std::vector<std::string> labels;
  for (const auto& f : registry_.Collect()) {
    if (f.name != "tserver_event_errors_total") continue;
    for (const auto& m : f.metric) {
      for (const auto& l : m.label) {
        if (l.name == "tserver" && std::find(labels.begin(), labels.end(), l.value) == labels.end())
          labels.push_back(l.value);
      }
    }
  }
  std::sort(labels.begin(), labels.end());
  EXPECT_EQ(labels, (std::vector<std::string>{"TS_0", "TS_1"}));
  EXPECT_EQ(count("TS_0", "57"), 1u);
  EXPECT_EQ(count("TS_1", "57"), 1u);
  // The streams refused, in the read that held their header and after: every line dropped.
  EXPECT_GE(value("tserver_exporter_listener_dropped_total", "127.0.0.1:0"), 4 * (kStreams - 2));
}

// What a reload that removes a listener and adds it back does: stop() counts the open records
// and frees the port at once, so a new listener binds the same port; the new one's self-metrics
// go on from the old one's (the same series), and no count is lost or made twice. For each kind
// of listener.
TEST_F(StreamListenerTest, AListenerStoppedAndAddedBackBindsTheSamePortAndLosesNothing) {
  for (const std::string kind : {"raw", "tcp", "udp"}) {
    SCOPED_TRACE(kind);
    const bool syslog = kind != "raw";
    const std::string prefix = kind == "raw" ? "TS_RAW@" : kind + "://";
    const std::string tserver = kind == "raw" ? "TS_RAW" : "TS_" + kind;
    auto first = listen(prefix + "127.0.0.1:0", syslog);
    const unsigned short port = first->port();
    first.reset();  // stopped by its destructor: the port is free again
    const std::string spec = prefix + "127.0.0.1:" + std::to_string(port);
    for (int round = 1; round <= 2; ++round) {
      auto listener = listen(spec, syslog);  // throws if the port were still bound
      ASSERT_EQ(listener->port(), port);
      io_.restart();  // the loop ran out of work when the listener before went
      std::optional<test::Client> client;
      if (kind == "udp") {
        test::DatagramSender sender;  // one sender: one origin for all it sends
        for (const auto line :
             {std::string_view("@10:15:24.8070 [0] 8.5.001.23 send_to_client: message EventError"),
              std::string_view("\tAttributeEventSequenceNumber\t0000000000000001"),
              std::string_view("\tAttributeErrorCode\t57")}) {
          const std::string datagram = "<13>1 - host " + tserver + " - - - " + std::string(line);
          ASSERT_EQ(sender.send_to(port, datagram), datagram.size());
        }
      } else {
        client.emplace(port);
        ASSERT_TRUE(client->connected());
        if (kind == "raw") {
          ASSERT_TRUE(client->send(kOpenRecord));
        } else {
          std::string frames;
          for (const auto line : {std::string_view("@10:15:24.8070 [0] 8.5.001.23 "
                                                   "send_to_client: message EventError"),
                                  std::string_view("\tAttributeEventSequenceNumber\t00000001"),
                                  std::string_view("\tAttributeErrorCode\t57")}) {
            const std::string frame = "<13>1 - host " + tserver + " - - - " + std::string(line);
            frames += std::to_string(frame.size()) + " " + frame;
          }
          ASSERT_TRUE(client->send(frames));
        }
      }
      ASSERT_TRUE(run_until([&] {
        return value("tserver_exporter_listener_messages_total", spec) == 3 * round;
      })) << "round "
          << round << ": " << value("tserver_exporter_listener_messages_total", spec);
      EXPECT_EQ(count(tserver, "57"), static_cast<std::uint64_t>(round - 1));  // still open
      listener->stop();
      EXPECT_EQ(count(tserver, "57"), static_cast<std::uint64_t>(round));  // counted at stop
      if (client) {
        std::string bytes;  // the client sees the end of its stream
        EXPECT_EQ(client->receive(bytes), test::Received::kEnd) << bytes;
        client.reset();
      }
      listener.reset();
      io_.run_for(10ms);
    }
    EXPECT_EQ(count(tserver, "57"), 2u);
  }
}

}  // namespace
}  // namespace tse

namespace tse {
namespace {

TEST(StreamListenerParse, TlsSourcesForSyslogAndRawLines) {
  ListenerOptions o = StreamListener::parse("tls://0.0.0.0:6514", true);
  EXPECT_EQ(o.kind, ListenerOptions::Kind::kSyslogTcp);
  EXPECT_TRUE(o.tls);
  EXPECT_EQ(o.host, "0.0.0.0");
  EXPECT_EQ(o.port, 6514);
  o = StreamListener::parse("tcp://127.0.0.1:514", true);
  EXPECT_FALSE(o.tls);
  o = StreamListener::parse("tls://TServer_SfB_01@127.0.0.1:7000", false);
  EXPECT_EQ(o.kind, ListenerOptions::Kind::kRawTcp);
  EXPECT_TRUE(o.tls);
  EXPECT_EQ(o.name, "TServer_SfB_01");
  EXPECT_EQ(o.port, 7000);
  o = StreamListener::parse("TServer_SfB_01@127.0.0.1:7000", false);
  EXPECT_FALSE(o.tls);
  try {
    StreamListener::parse("ssl://127.0.0.1:6514", true);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(),
                 "--source.syslog takes udp://HOST:PORT, tcp://HOST:PORT or tls://HOST:PORT (got "
                 "\"ssl://127.0.0.1:6514\")");
  }
}

}  // namespace
}  // namespace tse
