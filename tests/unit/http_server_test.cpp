#include "http/http_server.h"
#include "web/web_security.h"

#include <crypt.h>
#include <openssl/evp.h>

#include <atomic>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "http/content_coding.h"
#include "loopback.h"

namespace tse {
namespace {

// Sends `request` to 127.0.0.1:port over a real socket; returns everything the server sent
// until it closed the connection.
std::string http_exchange(unsigned short port, const std::string& request) {
  test::Client client(port);
  if (!client.connected()) return "connect failed";
  client.send(request);
  return client.receive_all();
}

std::string get(unsigned short port, const std::string& target, const std::string& method = "GET") {
  return http_exchange(port,
                       method + " " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
}

// True when the server closed `client` within `timeout` (end of stream or reset).
bool closed_by_server(test::Client& client,
                      std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  std::string bytes;
  const test::Received received = client.receive(bytes, timeout);
  return received == test::Received::kEnd || received == test::Received::kReset;
}

// True once get() returns `want`, within 5 s.
template <class Get, class T>
bool eventually_equal(Get get, T want) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    if (get() == want) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return get() == want;
}

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ =
        std::make_unique<HttpServer>(io_, parse_listen_address(io_, "127.0.0.1:0"),
                                     HttpRoutes{.telemetry_path = "/metrics",
                                                .metrics = [this](auto done) { metrics(done); },
                                                .title = "tserver_exporter test"},
                                     limits());
    port_ = server_->local_endpoint().port();
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    for (auto& thread : late_threads_) thread.join();
    boost::asio::post(io_, [this] {
      server_->stop();
      io_.stop();
    });
    thread_.join();
  }

  virtual HttpLimits limits() { return {}; }

  boost::asio::io_context io_;
  std::unique_ptr<HttpServer> server_;
  unsigned short port_ = 0;
  std::thread thread_;
  // Answers at once, or (when late_) from another thread after the request has been read, as
  // the daemon's counting thread does.
  void metrics(const std::function<void(std::shared_ptr<const Exposition>)>& done) {
    if (held_) {  // answered when the test releases it: the connection stays busy meanwhile
      std::lock_guard lock(late_mutex_);
      held_answers_.push_back(done);
      return;
    }
    if (failed_) {
      done(nullptr);
      return;
    }
    const std::string body = big_ ? std::string(4u << 20, '#') + "\n" : "tserver_up 1\n";
    auto text =
        std::make_shared<const Exposition>(Exposition{.text = body, .gzip = gzip_compress(body)});
    if (!late_) {
      done(text);
      return;
    }
    std::lock_guard lock(late_mutex_);
    late_threads_.emplace_back([done, text] {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      done(text);
    });
  }

  std::atomic<bool> held_{false};
  std::atomic<bool> big_{false};  // a 4 MB exposition: more than any socket buffer holds
  std::vector<std::function<void(std::shared_ptr<const Exposition>)>> held_answers_;
  std::atomic<bool> late_{false};
  std::atomic<bool> failed_{false};  // the rendering failed
  std::mutex late_mutex_;
  std::vector<std::thread> late_threads_;
};

TEST_F(HttpServerTest, ServesTheMetricsInTheTextFormat) {
  const std::string response = get(port_, "/metrics");
  EXPECT_TRUE(response.starts_with("HTTP/1.1 200 OK\r\n")) << response;
  EXPECT_NE(response.find("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"),
            std::string::npos);
  EXPECT_TRUE(response.ends_with("\r\n\r\ntserver_up 1\n")) << response;
  EXPECT_TRUE(get(port_, "/metrics?name[]=x").ends_with("\r\n\r\ntserver_up 1\n"));
}

TEST_F(HttpServerTest, TheTextMayComeLaterFromAnotherThread) {
  late_ = true;
  EXPECT_TRUE(get(port_, "/metrics").ends_with("\r\n\r\ntserver_up 1\n"));
  const std::string two =
      http_exchange(port_,
                    "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\nHEAD /metrics HTTP/1.1\r\nHost: x\r\n"
                    "Connection: close\r\n\r\n");
  EXPECT_EQ(two.find("tserver_up 1\n"), two.rfind("tserver_up 1\n")) << two;
  EXPECT_NE(two.find("tserver_up 1\n"), std::string::npos) << two;
  EXPECT_TRUE(two.ends_with("Content-Length: 13\r\nConnection: close\r\n\r\n")) << two;
}

TEST_F(HttpServerTest, GzipForTheClientsThatAcceptIt) {
  const std::string response = http_exchange(
      port_,
      "GET /metrics HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n");
  EXPECT_NE(response.find("Content-Encoding: gzip\r\n"), std::string::npos) << response;
  EXPECT_NE(response.find("Vary: Accept-Encoding\r\n"), std::string::npos) << response;
  const std::string body = response.substr(response.find("\r\n\r\n") + 4);
  EXPECT_EQ(body, gzip_compress("tserver_up 1\n"));
  // Without the header, or refusing gzip: the text itself.
  EXPECT_EQ(get(port_, "/metrics").find("Content-Encoding"), std::string::npos);
  const std::string refused = http_exchange(
      port_,
      "GET /metrics HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip;q=0\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(refused.ends_with("\r\n\r\ntserver_up 1\n")) << refused;
}

TEST_F(HttpServerTest, TheExactResponseInHttp11And10) {
  EXPECT_EQ(get(port_, "/metrics"),
            "HTTP/1.1 200 OK\r\nServer: tserver_exporter\r\n"
            "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\nVary: Accept-Encoding\r\n"
            "Content-Length: 13\r\nConnection: close\r\n\r\ntserver_up 1\n");
  // HTTP/1.0 closes unless asked to keep the connection: the server closes it (recv ends).
  EXPECT_EQ(http_exchange(port_, "GET /metrics HTTP/1.0\r\n\r\n"),
            "HTTP/1.0 200 OK\r\nServer: tserver_exporter\r\n"
            "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\nVary: Accept-Encoding\r\n"
            "Content-Length: 13\r\n\r\ntserver_up 1\n");
  const std::string kept = http_exchange(
      port_,
      "GET /metrics HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /-/healthy HTTP/1.0\r\n\r\n");
  EXPECT_NE(kept.find("Content-Length: 13\r\nConnection: keep-alive\r\n\r\ntserver_up 1\n"
                      "HTTP/1.0 200 OK\r\n"),
            std::string::npos)
      << kept;
  EXPECT_TRUE(kept.ends_with("OK\n")) << kept;
}

TEST_F(HttpServerTest, AFailedRenderingIsA503) {
  failed_ = true;
  const std::string response = get(port_, "/metrics");
  EXPECT_TRUE(response.starts_with("HTTP/1.1 503 Service Unavailable\r\n")) << response;
  EXPECT_TRUE(response.ends_with("the metrics could not be rendered; see the exporter's log\n"));
  failed_ = false;
  EXPECT_TRUE(get(port_, "/metrics").ends_with("tserver_up 1\n"));
}

TEST_F(HttpServerTest, LandingPageHealthAndErrors) {
  const std::string landing = get(port_, "/");
  EXPECT_TRUE(landing.starts_with("HTTP/1.1 200 OK\r\n"));
  EXPECT_NE(landing.find("<a href=\"/metrics\">/metrics</a>"), std::string::npos);
  EXPECT_NE(landing.find("<h1>tserver_exporter test</h1>"), std::string::npos);
  EXPECT_TRUE(get(port_, "/-/healthy").ends_with("\r\n\r\nOK\n"));
  EXPECT_TRUE(get(port_, "/nope").starts_with("HTTP/1.1 404 Not Found\r\n"));
  const std::string post = get(port_, "/metrics", "POST");
  EXPECT_TRUE(post.starts_with("HTTP/1.1 405 Method Not Allowed\r\n")) << post;
  EXPECT_NE(post.find("Allow: GET, HEAD\r\n"), std::string::npos);
}

TEST_F(HttpServerTest, HeadHasTheLengthButNoBody) {
  const std::string head = get(port_, "/metrics", "HEAD");
  EXPECT_TRUE(head.starts_with("HTTP/1.1 200 OK\r\n"));
  EXPECT_NE(head.find("Content-Length: 13\r\n"), std::string::npos) << head;
  EXPECT_TRUE(head.ends_with("\r\n\r\n"));
}

TEST_F(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  const std::string two =
      http_exchange(port_,
                    "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\nGET /-/healthy HTTP/1.1\r\nHost: x\r\n"
                    "Connection: close\r\n\r\n");
  EXPECT_NE(two.find("tserver_up 1\n"), std::string::npos);
  EXPECT_TRUE(two.ends_with("OK\n")) << two;
}

TEST_F(HttpServerTest, GarbageGetsA400AndTheServerGoesOn) {
  EXPECT_TRUE(http_exchange(port_, "\x16\x03\x01 not http\r\n\r\n").starts_with("HTTP/1.1 400"));
  std::string huge = "GET /metrics HTTP/1.1\r\nX: " + std::string(20000, 'a') + "\r\n\r\n";
  EXPECT_TRUE(http_exchange(port_, huge).starts_with("HTTP/1.1 400"));
  EXPECT_TRUE(get(port_, "/metrics").ends_with("tserver_up 1\n"));
}

// Idle clients cannot lock Prometheus out (issue 11): with the cap full of connections that
// never send a request, or that trickle one, a scrape gets through at once, and the connection
// idle longest is the one closed for it.
TEST_F(HttpServerTest, AWebConfigAppliedFromAnotherThreadKeepsTheSocket) {
  // basic_auth_users (exporter-toolkit's dave / dave123), the headers, a rate limit of 2 at once.
  const auto secured = make_web_security(
      parse_web_config("basic_auth_users:\n"
                       "  dave: $2y$10$2UXri9cIDdgeKjBo4Rlpx.U3ZLDV8X1IxKmsfOvhcM5oXQt/mLmXq\n"
                       "http_server_config:\n  headers:\n    X-Content-Type-Options: nosniff\n"
                       "rate_limit:\n  interval: 1h\n  burst: 3\n",
                       "web.yml"),
      "web.yml");
  server_->set_web_config(secured);  // from this thread, not the server's
  const auto with = [&](const std::string& authorization) {
    return http_exchange(port_, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" +
                                    authorization + "\r\n");
  };
  ASSERT_TRUE(eventually_equal([&] { return get(port_, "/metrics").substr(0, 25); },
                               std::string("HTTP/1.1 401 Unauthorized")));
  EXPECT_EQ(get(port_, "/-/healthy"),
            "HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nServer: tserver_exporter\r\n"
            "X-Content-Type-Options: nosniff\r\nWWW-Authenticate: Basic\r\nContent-Type: "
            "text/plain; charset=utf-8\r\nContent-Length: 13\r\n\r\nUnauthorized\n");
  // "dave:dave123", then the cache's answer; the bucket of 3 is then empty: 429.
  const std::string ok = with("Authorization: Basic ZGF2ZTpkYXZlMTIz\r\n");
  EXPECT_TRUE(ok.starts_with("HTTP/1.1 200 OK\r\n")) << ok;
  EXPECT_NE(ok.find("\r\nX-Content-Type-Options: nosniff\r\n"), std::string::npos) << ok;
  EXPECT_TRUE(ok.ends_with("\r\n\r\ntserver_up 1\n")) << ok;
  EXPECT_TRUE(with("Authorization: Basic ZGF2ZTpkYXZlMTIz\r\n").starts_with("HTTP/1.1 429 "));
  // Off again: the same port serves without credentials.
  server_->set_web_config(nullptr);
  EXPECT_TRUE(eventually_equal([&] { return get(port_, "/metrics").substr(0, 15); },
                               std::string("HTTP/1.1 200 OK")));
}

class HttpServerAuthFloodTest : public HttpServerTest {
 protected:
  HttpLimits limits() override {
    return HttpLimits{.max_pending_auth_checks = 2,
                      .on_security_event = [this](std::string_view event) {
                        if (event == "auth_checks_dropped") ++dropped_;
                      }};
  }
  std::atomic<int> dropped_{0};
};

// A flood of new wrong passwords: at most 2 wait for bcrypt (each about 250 ms here, cost 12);
// the others are answered 503 at once and counted, instead of piling up behind the worker.
TEST_F(HttpServerAuthFloodTest, PasswordChecksWaitingForBcryptAreCapped) {
  // The salt's bytes given: libxcrypt finds none itself on Windows.
  char salt[16];
  for (std::size_t i = 0; i < sizeof salt; ++i) salt[i] = static_cast<char>(i * 37);
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  ASSERT_NE(crypt_gensalt_rn("$2b$", 12, salt, sizeof salt, setting, sizeof setting), nullptr);
  crypt_data data{};
  const std::string hash = crypt_rn("secret", setting, &data, sizeof data);
  server_->set_web_config(make_web_security(
      parse_web_config("basic_auth_users:\n  u: " + hash + "\n", "web.yml"), "web.yml"));
  ASSERT_TRUE(eventually_equal([&] { return get(port_, "/metrics").substr(0, 12); },
                               std::string("HTTP/1.1 401")));
  constexpr int kGuesses = 12;
  std::deque<test::Client> clients;
  for (int i = 0; i < kGuesses; ++i) {
    clients.emplace_back(port_);
    // "u:guessN", base64: every one a new password, so none is answered from the cache.
    const std::string credentials = "u:guess" + std::to_string(10 + i);
    std::string encoded(4 * ((credentials.size() + 2) / 3) + 1, '\0');
    encoded.resize(static_cast<std::size_t>(
        EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                        reinterpret_cast<const unsigned char*>(credentials.data()),
                        static_cast<int>(credentials.size()))));
    const std::string request =
        "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        "Authorization: Basic " +
        encoded + "\r\n\r\n";
    clients.back().send(request);
  }
  int unauthorized = 0;
  int busy = 0;
  for (test::Client& client : clients) {
    const std::string response = client.receive_all();
    client.close();
    if (response.starts_with("HTTP/1.1 401 ")) ++unauthorized;
    if (response.starts_with("HTTP/1.1 503 ")) {
      ++busy;
      EXPECT_NE(response.find("\r\nRetry-After: 1\r\n"), std::string::npos) << response;
      EXPECT_EQ(response.find("WWW-Authenticate"), std::string::npos) << response;
    }
  }
  EXPECT_EQ(unauthorized + busy, kGuesses);
  // One in the worker and 2 waiting at most when the 12 came within the first bcrypt.
  EXPECT_GE(busy, kGuesses - 4);
  EXPECT_EQ(dropped_.load(), busy);
}

class HttpServerCapTest : public HttpServerTest {
 protected:
  HttpLimits limits() override {
    return HttpLimits{
        .max_connections = 4,
        .stalled_write = std::chrono::milliseconds(200),
        .on_open = [this](std::size_t n) { open_ = n; },
        .on_turned_away =
            [this](std::string_view reason) { (reason == "evicted" ? evicted_ : refused_)++; }};
  }
  void TearDown() override {
    for (test::Client& client : clients_) client.close();
    {
      std::lock_guard lock(late_mutex_);
      for (auto& done : held_answers_) done(nullptr);
    }
    HttpServerTest::TearDown();
  }
  test::Client& open_idle() { return clients_.emplace_back(port_); }
  std::deque<test::Client> clients_;
  std::atomic<std::size_t> open_{0};
  std::atomic<int> evicted_{0};
  std::atomic<int> refused_{0};
  auto held_count_fn() {
    return [this] {
      std::lock_guard lock(late_mutex_);
      return held_answers_.size();
    };
  }
};

TEST_F(HttpServerCapTest, AScrapeGetsThroughACapFullOfIdleClients) {
  std::vector<test::Client*> idle;
  for (int i = 0; i < 4; ++i) {
    idle.push_back(&open_idle());
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // accepted in this order
  }
  // One trickles a request it never finishes.
  idle[1]->send("GET /metr");
  ASSERT_TRUE(eventually_equal([this] { return open_.load(); }, 4u));
  for (int round = 0; round < 3; ++round) {
    EXPECT_TRUE(get(port_, "/metrics").ends_with("\r\n\r\ntserver_up 1\n")) << round;
    // The scrape's connection closed: fill the cap again.
    ASSERT_TRUE(eventually_equal([this] { return open_.load(); }, 3u));
    open_idle();
    ASSERT_TRUE(eventually_equal([this] { return open_.load(); }, 4u));
  }
  // The three scrapes closed the three connections accepted first; the fourth is still open.
  EXPECT_TRUE(closed_by_server(*idle[0]));
  EXPECT_TRUE(closed_by_server(*idle[1]));
  EXPECT_TRUE(closed_by_server(*idle[2]));
  EXPECT_FALSE(closed_by_server(*idle[3], std::chrono::milliseconds(200)));
  EXPECT_EQ(evicted_, 3);
  EXPECT_EQ(refused_, 0);
}

TEST_F(HttpServerCapTest, ANewConnectionIsRefusedAtOnceWhenAllAreBusyAnswering) {
  held_ = true;
  for (int i = 0; i < 4; ++i) {
    open_idle().send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  }
  ASSERT_TRUE(eventually_equal(held_count_fn(), 4u));
  const auto started = std::chrono::steady_clock::now();
  const std::string refused = get(port_, "/metrics");
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
  EXPECT_EQ(refused,
            "HTTP/1.1 503 Service Unavailable\r\nServer: tserver_exporter\r\nRetry-After: 1\r\n"
            "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 36\r\n"
            "Connection: close\r\n\r\ntoo many connections; try again now\n");
  EXPECT_EQ(refused_, 1);
  EXPECT_EQ(evicted_, 0);
}

// Clients that send requests and never read their answers keep the server busy writing: once a
// write has been stuck for HttpLimits::stalled_write, it gives its place to a new connection.
TEST_F(HttpServerCapTest, ClientsThatNeverReadTheirAnswersDoNotKeepAScrapeOut) {
  big_ = true;
  for (int i = 0; i < 4; ++i) {
    test::Client& client = clients_.emplace_back(port_, 1024);  // a small receive buffer
    ASSERT_TRUE(client.connected());
    client.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  }
  ASSERT_TRUE(eventually_equal([this] { return open_.load(); }, 4u));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // past stalled_write
  big_ = false;
  EXPECT_TRUE(get(port_, "/metrics").ends_with("\r\n\r\ntserver_up 1\n"));
  EXPECT_EQ(evicted_, 1);
  EXPECT_EQ(refused_, 0);
}

TEST_F(HttpServerCapTest, StoppingClosesEveryOpenConnection) {
  for (int i = 0; i < 3; ++i) open_idle();
  ASSERT_TRUE(eventually_equal([this] { return open_.load(); }, 3u));
  boost::asio::post(io_, [this] { server_->stop(); });
  for (test::Client& client : clients_) EXPECT_TRUE(closed_by_server(client));
  EXPECT_TRUE(eventually_equal([this] { return open_.load(); }, 0u));
}

// answer_raw_request (the fuzzed path) answers the same bytes as a connection, byte for byte.
TEST_F(HttpServerTest, TheSocketFreePathAnswersAsAConnectionDoes) {
  const HttpRoutes routes{.telemetry_path = "/metrics",
                          .metrics = [this](auto done) { metrics(done); },
                          .title = "tserver_exporter test"};
  for (const std::string request : {
           "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
           "GET /metrics HTTP/1.0\r\nAccept-Encoding: gzip\r\n\r\n",
           "HEAD /metrics?x=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
           "GET / HTTP/1.0\r\n\r\n",
           "GET /-/healthy HTTP/1.0\r\n\r\n",
           "GET /-/ready HTTP/1.0\r\n\r\n",
           "GET /nothing HTTP/1.0\r\n\r\n",
           "POST /metrics HTTP/1.0\r\nContent-Length: 2\r\n\r\nab",
           "GARBAGE\r\n\r\n",
       }) {
    EXPECT_EQ(answer_raw_request(routes, request), http_exchange(port_, request)) << request;
  }
  failed_ = true;
  const std::string request = "GET /metrics HTTP/1.0\r\n\r\n";
  EXPECT_EQ(answer_raw_request(routes, request), http_exchange(port_, request));
  EXPECT_TRUE(answer_raw_request(routes, request).starts_with("HTTP/1.1 503 ")) << request;
  EXPECT_EQ(answer_raw_request(routes, ""), "");  // no request: the connection just closes
}

// /-/ready (issue 13): 503 until the daemon says it is ready, then 200, as Prometheus's own.
TEST(HttpServerReady, ServiceUnavailableUntilReady) {
  boost::asio::io_context io;
  std::atomic<bool> ready{false};
  HttpServer server(io, parse_listen_address(io, "127.0.0.1:0"),
                    HttpRoutes{.ready = [&ready] { return ready.load(); }});
  const auto port = server.local_endpoint().port();
  std::thread thread([&io] { io.run(); });
  const std::string before = get(port, "/-/ready");
  EXPECT_TRUE(before.starts_with("HTTP/1.1 503 Service Unavailable\r\n")) << before;
  EXPECT_TRUE(
      before.ends_with("\r\n\r\nnot ready: loading the state and reading the sources once\n"))
      << before;
  EXPECT_TRUE(get(port, "/-/healthy").ends_with("\r\n\r\nOK\n"));  // alive all the same
  ready = true;
  const std::string after = get(port, "/-/ready");
  EXPECT_TRUE(after.starts_with("HTTP/1.1 200 OK\r\n")) << after;
  EXPECT_TRUE(after.ends_with("\r\n\r\nOK\n")) << after;
  EXPECT_TRUE(get(port, "/-/ready", "HEAD").ends_with("Content-Length: 3\r\n\r\n"));
  EXPECT_NE(get(port, "/").find("<a href=\"/-/ready\">/-/ready</a>"), std::string::npos);
  boost::asio::post(io, [&] {
    server.stop();
    io.stop();
  });
  thread.join();
}

// POST /-/reload (issue 13): the answer waits for the reload, which ends on another thread; 200
// with no body, or 500 with the reason on one line, as Prometheus answers.
class HttpServerReloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<HttpServer>(
        io_, parse_listen_address(io_, "127.0.0.1:0"),
        HttpRoutes{.reload = [this](std::function<void(bool, std::string)> done) {
          ++calls_;
          // Ends later, on a thread of its own, as the daemon's counting thread would.
          std::lock_guard lock(mutex_);
          threads_.emplace_back([this, done = std::move(done)] {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            done(error_.empty(), error_);
          });
        }});
    port_ = server_->local_endpoint().port();
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    {
      std::lock_guard lock(mutex_);
      for (auto& thread : threads_) thread.join();
    }
    boost::asio::post(io_, [this] {
      server_->stop();
      io_.stop();
    });
    thread_.join();
  }

  boost::asio::io_context io_;
  std::unique_ptr<HttpServer> server_;
  unsigned short port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<std::thread> threads_;
  std::atomic<int> calls_{0};
  std::string error_;  // set before a request only
};

TEST_F(HttpServerReloadTest, PostReloadsAndAnswersWhenTheReloadEnds) {
  const std::string ok = get(port_, "/-/reload", "POST");
  EXPECT_EQ(ok,
            "HTTP/1.1 200 OK\r\nConnection: close\r\nServer: tserver_exporter\r\n"
            "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(calls_, 1);
  error_ = "config.yml:3:5: unknown key \"sorces\"\nand a second line";
  const std::string failed = get(port_, "/-/reload", "POST");
  EXPECT_TRUE(failed.starts_with("HTTP/1.1 500 Internal Server Error\r\n")) << failed;
  EXPECT_TRUE(
      failed.ends_with("\r\n\r\nfailed to reload config: config.yml:3:5: unknown key "
                       "\"sorces\" and a second line\n"))
      << failed;
  EXPECT_EQ(calls_, 2);
  // Keep-alive: the connection serves the next request after the reload's answer.
  error_.clear();
  const std::string two =
      http_exchange(port_,
                    "POST /-/reload HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"
                    "GET /-/healthy HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(two.starts_with("HTTP/1.1 200 OK\r\n")) << two;
  EXPECT_TRUE(two.ends_with("\r\n\r\nOK\n")) << two;
  EXPECT_EQ(calls_, 3);
}

TEST_F(HttpServerReloadTest, OnlyPostReloads) {
  for (const char* method : {"GET", "HEAD", "PUT"}) {
    const std::string response = get(port_, "/-/reload", method);
    EXPECT_TRUE(response.starts_with("HTTP/1.1 405 Method Not Allowed\r\n")) << response;
    EXPECT_NE(response.find("\r\nAllow: POST\r\n"), std::string::npos) << response;
  }
  EXPECT_EQ(calls_, 0);
}

// Without a reload there is no /-/reload: a GET is a 404, a POST a 405 as on every other path.
TEST_F(HttpServerTest, WithoutAReloadThereIsNoReloadRoute) {
  EXPECT_TRUE(get(port_, "/-/reload").starts_with("HTTP/1.1 404 Not Found\r\n"));
  const std::string post = get(port_, "/-/reload", "POST");
  EXPECT_TRUE(post.starts_with("HTTP/1.1 405 Method Not Allowed\r\n")) << post;
  EXPECT_NE(post.find("Allow: GET, HEAD\r\n"), std::string::npos);
}

// The socket-free path answers a reload that ends at once as a connection does.
TEST(HttpServerReload, TheSocketFreePathAnswersAReload) {
  const HttpRoutes routes{.reload = [](auto done) { done(false, "bad\nfile"); }};
  EXPECT_EQ(answer_raw_request(routes, "POST /-/reload HTTP/1.0\r\n\r\n"),
            "HTTP/1.0 500 Internal Server Error\r\nServer: tserver_exporter\r\n"
            "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 34\r\n\r\n"
            "failed to reload config: bad file\n");
  const HttpRoutes later{.reload = [](auto) {}};
  EXPECT_EQ(answer_raw_request(later, "POST /-/reload HTTP/1.0\r\n\r\n"), "");
}

// --web.listen-address, repeatable (issue 13): one server on every address, one connection cap.
TEST(HttpServerAddresses, OneServerListensOnEveryAddress) {
  boost::asio::io_context io;
  std::atomic<std::size_t> open{0};
  HttpServer server(
      io, {parse_listen_address(io, "127.0.0.1:0"), parse_listen_address(io, "127.0.0.1:0")},
      HttpRoutes{.metrics =
                     [](auto done) {
                       done(std::make_shared<const Exposition>(Exposition{.text = "up 1\n"}));
                     }},
      HttpLimits{.on_open = [&open](std::size_t n) { open = n; }});
  const auto endpoints = server.local_endpoints();
  ASSERT_EQ(endpoints.size(), 2u);
  EXPECT_NE(endpoints[0].port(), endpoints[1].port());
  EXPECT_EQ(server.local_endpoint(), endpoints[0]);
  std::thread thread([&io] { io.run(); });
  test::Client one(endpoints[0].port());
  test::Client two(endpoints[1].port());
  EXPECT_TRUE(eventually_equal([&open] { return open.load(); }, 2u));  // counted together
  for (const auto& endpoint : endpoints) {
    EXPECT_TRUE(get(endpoint.port(), "/metrics").ends_with("\r\n\r\nup 1\n")) << endpoint;
  }
  one.close();
  two.close();
  boost::asio::post(io, [&] {
    server.stop();
    io.stop();
  });
  thread.join();
  EXPECT_FALSE(get(endpoints[1].port(), "/metrics").starts_with("HTTP"));  // stopped: both closed
}

// "cannot listen on 127.0.0.1:PORT: " and the system's reason, on one line. Linux says
// strerror's "Address already in use"; Windows words WSAEADDRINUSE its own way, in the system's
// language (and wine has no text for it: "Unknown error (10048)"), so there the code is checked
// and the text is the system's own.
void expect_in_use_error(const std::system_error& e, unsigned short port) {
  const std::string where = "cannot listen on 127.0.0.1:" + std::to_string(port) + ": ";
#ifdef _WIN32
  EXPECT_EQ(e.code().value(), boost::asio::error::address_in_use) << e.what();
  EXPECT_EQ(std::string(e.what()), where + e.code().message());
  EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
#else
  EXPECT_EQ(std::string(e.what()), where + "Address already in use");
#endif
}

TEST(HttpServerAddresses, AnyAddressInUseIsAOneLineError) {
  boost::asio::io_context io;
  HttpServer first(io, parse_listen_address(io, "127.0.0.1:0"), HttpRoutes{});
  const auto port = first.local_endpoint().port();
  try {
    HttpServer second(io,
                      {parse_listen_address(io, "127.0.0.1:0"),
                       parse_listen_address(io, "127.0.0.1:" + std::to_string(port))},
                      HttpRoutes{});
    FAIL() << "bound twice";
  } catch (const std::system_error& e) {
    expect_in_use_error(e, port);
  }
}

TEST(HttpServer, APortInUseIsAOneLineError) {
  boost::asio::io_context io;
  HttpServer first(io, parse_listen_address(io, "127.0.0.1:0"), HttpRoutes{});
  const auto port = first.local_endpoint().port();
  try {
    HttpServer second(io, parse_listen_address(io, "127.0.0.1:" + std::to_string(port)),
                      HttpRoutes{});
    FAIL() << "bound twice";
  } catch (const std::system_error& e) {
    expect_in_use_error(e, port);
  }
}

TEST(ListenAddress, Forms) {
  boost::asio::io_context io;
  EXPECT_EQ(parse_listen_address(io, ":10057").port(), 10057);
  EXPECT_TRUE(parse_listen_address(io, ":10057").address().is_unspecified());
  EXPECT_EQ(parse_listen_address(io, "127.0.0.1:9").address().to_string(), "127.0.0.1");
  EXPECT_EQ(parse_listen_address(io, "[::1]:9").address().to_string(), "::1");
  EXPECT_EQ(parse_listen_address(io, "localhost:9").port(), 9);
  EXPECT_THROW(parse_listen_address(io, "10057"), std::invalid_argument);
  EXPECT_THROW(parse_listen_address(io, ":99999"), std::invalid_argument);
  EXPECT_THROW(parse_listen_address(io, ":http"), std::invalid_argument);
}

// `/` serves the landing HTML of the last rendering, as the telemetry path serves its text.
TEST(LandingRoute, ServesTheHtmlOfTheLastRendering) {
  std::shared_ptr<const Exposition> rendering =
      std::make_shared<Exposition>(Exposition{.text = "m 1\n", .landing = "<p>page</p>\n"});
  int asked = 0;
  const HttpRoutes routes{
      .telemetry_path = "/metrics", .title = "tserver_exporter test", .landing = [&](auto done) {
        ++asked;
        done(rendering);
      }};
  const std::string page = answer_raw_request(routes, "GET /?x HTTP/1.0\r\n\r\n");
  EXPECT_TRUE(page.starts_with("HTTP/1.0 200 OK\r\n")) << page;
  EXPECT_NE(page.find("Content-Type: text/html; charset=utf-8\r\n"), std::string::npos);
  EXPECT_TRUE(page.ends_with("\r\n\r\n<p>page</p>\n")) << page;
  const std::string head = answer_raw_request(routes, "HEAD / HTTP/1.0\r\n\r\n");
  EXPECT_NE(head.find("Content-Length: 12\r\n"), std::string::npos) << head;
  EXPECT_TRUE(head.ends_with("\r\n\r\n")) << head;
  EXPECT_EQ(asked, 2);
  EXPECT_TRUE(answer_raw_request(routes, "POST / HTTP/1.0\r\n\r\n").starts_with("HTTP/1.0 405 "));
  EXPECT_EQ(asked, 2);

  rendering = std::make_shared<Exposition>(Exposition{.text = "m 1\n"});  // no landing HTML
  EXPECT_NE(answer_raw_request(routes, "GET / HTTP/1.0\r\n\r\n")
                .find("<li><a href=\"/metrics\">/metrics</a></li>"),
            std::string::npos);
  rendering = nullptr;  // the rendering failed
  EXPECT_TRUE(answer_raw_request(routes, "GET / HTTP/1.0\r\n\r\n").starts_with("HTTP/1.0 503 "));
}

}  // namespace
}  // namespace tse
