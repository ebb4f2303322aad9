// --web.config.file with real clients: the real binary, `openssl` making a test CA, server and
// client certificates in a temp dir, `curl` and `openssl s_client` as the clients.
#include <netinet/tcp.h>

#include <cstdio>

#include "e2e_support.h"

namespace tse::e2e {
namespace {

struct Shell {
  int rc = -1;
  std::string out;
};

// Runs `command` with sh, standard error with standard output.
Shell sh(const std::string& command) {
  Shell result;
  FILE* pipe = ::popen(("(" + command + ") 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.out.append(buffer, n);
  const int status = ::pclose(pipe);
  result.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

// A TCP connection to 127.0.0.1:port; -1 if it fails.
int connect_loopback(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// From exporter-toolkit's web/testdata (made by Go's bcrypt): the password "dave123".
constexpr const char* kDaveHash = "$2y$10$2UXri9cIDdgeKjBo4Rlpx.U3ZLDV8X1IxKmsfOvhcM5oXQt/mLmXq";

// A test PKI made by openssl: a CA; a server certificate for localhost and 127.0.0.1 (serial
// 1001); a client certificate from the CA; a self-signed client certificate no CA vouches for.
class WebSecurityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (sh("command -v openssl && command -v curl").rc != 0) {
      GTEST_SKIP() << "openssl or curl not found";
    }
    const std::string d = dir();
    fs::create_directories(d + "/logs");
    fs::create_directories(d + "/state");
    const Shell made =
        sh("cd " + d +
           " && openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2"
           "    -subj '/CN=tse test CA'"
           " && printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > server.ext"
           " && openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr"
           "    -subj '/CN=localhost'"
           " && openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -set_serial 1001"
           "    -out server.crt -days 2 -extfile server.ext"
           " && openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr"
           "    -subj '/CN=prometheus'"
           " && openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -set_serial 7"
           "    -out client.crt -days 2"
           " && openssl req -x509 -newkey rsa:2048 -nodes -keyout rogue.key -out rogue.crt -days 2"
           "    -subj '/CN=rogue'");
    ASSERT_EQ(made.rc, 0) << made.out;
  }

  std::string dir() const { return tmp_.path(); }

  std::unique_ptr<Process> start(const std::string& web_config) {
    write_file(dir() + "/web.yml", web_config);
    auto p = std::make_unique<Process>(
        std::vector<std::string>{
            "--web.listen-address=127.0.0.1:0", "--web.config.file=" + dir() + "/web.yml",
            "--source.file=" + dir() + "/logs/*.log", "--storage.path=" + dir() + "/state"},
        dir());
    EXPECT_NE(p->port(), 0) << p->stderr_text();
    return p;
  }

  // curl over HTTPS to 127.0.0.1 as `localhost`; prints the status code, then the headers and
  // body. `extra` are curl's options (credentials, client certificate).
  Shell curl(int port, const std::string& extra, const std::string& path = "/metrics") {
    const std::string p = std::to_string(port);
    return sh("curl -sS --max-time 5 --cacert " + dir() + "/ca.crt --resolve localhost:" + p +
              ":127.0.0.1 -i -w '\\nstatus=%{http_code}' " + extra + " https://localhost:" + p +
              path);
  }

  // The serial number of the certificate the server presents now.
  std::string served_serial(int port) {
    return sh("openssl s_client -connect 127.0.0.1:" + std::to_string(port) +
              " -servername localhost </dev/null 2>/dev/null | openssl x509 -noout -serial")
        .out;
  }

  TempDir tmp_;
};

std::string tls_only() {
  return "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n";
}

TEST_F(WebSecurityTest, HttpsWithBasicAuthOnEveryPath) {
  auto p = start(tls_only() +
                 "http_server_config:\n  headers:\n    X-Frame-Options: deny\n"
                 "    X-Content-Type-Options: nosniff\n"
                 "basic_auth_users:\n  dave: " +
                 kDaveHash + "\n");
  const int port = p->port();

  // No credentials, a wrong password, an unknown user: 401 with WWW-Authenticate, no metrics.
  for (const std::string& who :
       {std::string(), std::string("-u dave:dave124"), std::string("-u eve:dave123")}) {
    const Shell r = curl(port, who);
    EXPECT_NE(r.out.find("HTTP/1.1 401 Unauthorized\r\n"), std::string::npos) << who << r.out;
    EXPECT_NE(r.out.find("\r\nWWW-Authenticate: Basic\r\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\r\nX-Frame-Options: deny\r\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\r\n\r\nUnauthorized\n\nstatus=401"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("tserver_exporter_"), std::string::npos) << r.out;
  }
  // Every path, the landing page and /-/healthy included, as exporter-toolkit.
  for (const char* path : {"/", "/-/healthy", "/nowhere"}) {
    EXPECT_NE(curl(port, "", path).out.find("status=401"), std::string::npos) << path;
  }

  // The right password: the metrics, with the configured headers.
  const Shell ok = curl(port, "-u dave:dave123");
  EXPECT_NE(ok.out.find("HTTP/1.1 200 OK\r\n"), std::string::npos) << ok.out;
  EXPECT_NE(ok.out.find("\r\nX-Frame-Options: deny\r\n"), std::string::npos) << ok.out;
  EXPECT_NE(ok.out.find("\r\nX-Content-Type-Options: nosniff\r\n"), std::string::npos);
  EXPECT_NE(ok.out.find("\ntserver_exporter_http_unauthorized_total 6\n"), std::string::npos)
      << ok.out;
  // Again, from the cache of verified credentials.
  EXPECT_NE(curl(port, "-u dave:dave123").out.find("status=200"), std::string::npos);
  const Shell landing = curl(port, "-u dave:dave123", "/");
  EXPECT_NE(landing.out.find("status=200"), std::string::npos);
  EXPECT_NE(landing.out.find("\r\nX-Frame-Options: deny\r\n"), std::string::npos);
  // The landing page of the last rendering (its sections), under the same TLS and credentials.
  EXPECT_NE(landing.out.find("<h2>Files followed</h2>"), std::string::npos) << landing.out;
}

TEST_F(WebSecurityTest, AnExpositionLargerThanATlsRecordIsSentWhole) {
  // The sample log makes an exposition of about 20 kB: more than one 16 kB TLS record, in one
  // gather write of header and body.
  fs::copy_file(std::string(TSE_TEST_DATA) + "/sample/TServer_SfB_01.20251217_101500_123.log",
                dir() + "/logs/TServer_SfB_01.20251217_101500_123.log");
  write_file(dir() + "/web.yml", tls_only());
  Process p({"--web.listen-address=127.0.0.1:0", "--web.config.file=" + dir() + "/web.yml",
             "--source.file=" + dir() + "/logs/*.log", "--source.from-beginning",
             "--storage.path=" + dir() + "/state"},
            dir());
  const int port = p.port();
  ASSERT_NE(port, 0);
  std::string status;
  std::string body;
  // Until the sample log has been read (its codes make the exposition that large).
  eventually([&] {
    status = sh("curl -sS --max-time 5 --cacert " + dir() + "/ca.crt --resolve localhost:" +
                std::to_string(port) + ":127.0.0.1 https://localhost:" + std::to_string(port) +
                "/metrics -o " + dir() + "/body -w '%{http_code} %{size_download}'")
                 .out;
    body = read_file(dir() + "/body");
    return body.find("tserver_event_errors_total{error_code=\"57\"") != std::string::npos;
  });
  EXPECT_GT(body.size(), 16384u);
  EXPECT_EQ(status, "200 " + std::to_string(body.size()));
  EXPECT_NE(body.find("\ntserver_exporter_build_info{"), std::string::npos);
  ASSERT_FALSE(body.empty());
  EXPECT_EQ(body.back(), '\n');
}

TEST_F(WebSecurityTest, PlainHttpToTheTlsPortGetsGosAnswer) {
  auto p = start(tls_only());
  const int port = p->port();
  const auto r = http(port, "GET", "/metrics");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->body, "Client sent an HTTP request to an HTTPS server.\n");
  // Over TLS it serves, and counts the plain one as a failed handshake.
  const Shell ok = curl(port, "");
  EXPECT_NE(ok.out.find("status=200"), std::string::npos) << ok.out;
  EXPECT_NE(ok.out.find("\ntserver_exporter_tls_handshake_failures_total{server=\"http\"} 1\n"),
            std::string::npos)
      << ok.out;
}

TEST_F(WebSecurityTest, RequireAndVerifyClientCert) {
  auto p = start(tls_only() +
                 "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n");
  const int port = p->port();
  const std::string d = dir();
  const Shell with = curl(port, "--cert " + d + "/client.crt --key " + d + "/client.key");
  EXPECT_NE(with.out.find("status=200"), std::string::npos) << with.out;
  const Shell without = curl(port, "");
  EXPECT_NE(without.rc, 0) << without.out;
  EXPECT_EQ(without.out.find("status=200"), std::string::npos) << without.out;
  const Shell rogue = curl(port, "--cert " + d + "/rogue.crt --key " + d + "/rogue.key");
  EXPECT_NE(rogue.rc, 0) << rogue.out;
  EXPECT_EQ(rogue.out.find("status=200"), std::string::npos) << rogue.out;
}

// client_allowed_sans (exporter-toolkit's): a verified client certificate is taken only when one
// of its subject alternative names is listed; IP addresses as their usual text, IPv6 too.
TEST_F(WebSecurityTest, ClientAllowedSansMatchNamesAndAddresses) {
  const std::string d = dir();
  const auto client = [&](const std::string& name, const std::string& sans) {
    const Shell made =
        sh("cd " + d + " && printf 'subjectAltName=" + sans + "\\n' > " + name +
           ".ext && openssl req -newkey rsa:2048 -nodes -keyout " + name + ".key -out " + name +
           ".csr -subj '/CN=" + name + "' && openssl x509 -req -in " + name +
           ".csr -CA ca.crt -CAkey ca.key -set_serial 9 -out " + name + ".crt -days 2 -extfile " +
           name + ".ext");
    EXPECT_EQ(made.rc, 0) << made.out;
    return "--cert " + d + "/" + name + ".crt --key " + d + "/" + name + ".key";
  };
  const std::string v4 = client("v4", "IP:10.1.2.3");
  const std::string v6 = client("v6", "IP:2001:db8::7");
  const std::string dns = client("dns", "DNS:scraper.example");
  const std::string other = client("other", "IP:10.1.2.4,DNS:other.example");
  auto p = start(tls_only() +
                 "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n"
                 "  client_allowed_sans:\n    - 10.1.2.3\n    - \"2001:db8::7\"\n"
                 "    - scraper.example\n");
  const int port = p->port();
  for (const std::string* allowed : {&v4, &v6, &dns}) {
    EXPECT_NE(curl(port, *allowed).out.find("status=200"), std::string::npos) << *allowed;
  }
  const Shell refused = curl(port, other);
  EXPECT_EQ(refused.out.find("status=200"), std::string::npos) << refused.out;
}

TEST_F(WebSecurityTest, RequireAnyClientCertTakesAnUnverifiedOne) {
  auto p = start(tls_only() + "  client_auth_type: RequireAnyClientCert\n");
  const int port = p->port();
  const std::string d = dir();
  EXPECT_NE(
      curl(port, "--cert " + d + "/rogue.crt --key " + d + "/rogue.key").out.find("status=200"),
      std::string::npos);
  EXPECT_NE(curl(port, "").rc, 0);
}

TEST_F(WebSecurityTest, ACertificateReplacedOnDiskIsServedWithoutARestart) {
  auto p = start(tls_only());
  const int port = p->port();
  EXPECT_EQ(served_serial(port), "serial=03E9\n");  // 1001
  // A new certificate for the same key, renamed into place as a deploy tool does.
  const std::string d = dir();
  ASSERT_EQ(sh("cd " + d +
               " && openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -set_serial 2002"
               "    -out new.crt -days 2 -extfile server.ext && mv new.crt server.crt")
                .rc,
            0);
  EXPECT_TRUE(eventually([&] { return served_serial(port) == "serial=07D2\n"; }, 5s))
      << served_serial(port);
  // A broken one: the last good certificate stays, and the failure is counted once.
  write_file(d + "/broken.crt", "-----BEGIN CERTIFICATE-----\nnot base64\n");
  fs::rename(d + "/broken.crt", d + "/server.crt");
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(served_serial(port), "serial=07D2\n");
  std::this_thread::sleep_for(1100ms);
  EXPECT_EQ(served_serial(port), "serial=07D2\n");
  const Shell ok = curl(port, "");
  EXPECT_NE(ok.out.find("\ntserver_exporter_tls_certificate_reload_failures_total 1\n"),
            std::string::npos)
      << ok.out;
  EXPECT_TRUE(p->wait_stderr("keeping the TLS certificate in use"));
}

TEST_F(WebSecurityTest, StalledTlsClientsDoNotDelayAScrape) {
  auto p = start(tls_only());
  const int port = p->port();
  // Clients that connect and send nothing: no ClientHello, ever.
  std::vector<int> stalled;
  for (int i = 0; i < 8; ++i) {
    const int fd = connect_loopback(port);
    ASSERT_GE(fd, 0);
    stalled.push_back(fd);
  }
  // And one that sends half a ClientHello record header and stops.
  ASSERT_EQ(::send(stalled.back(), "\x16\x03\x01", 3, 0), 3);
  const auto before = Clock::now();
  const Shell ok = curl(port, "");
  const auto took = Clock::now() - before;
  EXPECT_NE(ok.out.find("status=200"), std::string::npos) << ok.out;
  EXPECT_LT(took, 1s);
  EXPECT_NE(ok.out.find("\ntserver_exporter_http_connections 9\n"), std::string::npos) << ok.out;
  for (const int fd : stalled) ::close(fd);
}

TEST_F(WebSecurityTest, AnInvalidWebConfigExits2WithOneLine) {
  write_file(dir() + "/web.yml", "tls_server_config:\n  cert_file: server.crt\n");
  RunResult r =
      run({"--web.listen-address=127.0.0.1:0", "--web.config.file=" + dir() + "/web.yml",
           "--source.file=" + dir() + "/logs/*.log", "--storage.path=" + dir() + "/state"},
          dir());
  EXPECT_TRUE(r.status.exited);
  EXPECT_EQ(r.status.code, 2);
  EXPECT_EQ(r.err, "tserver_exporter: error: " + dir() +
                       "/web.yml:2:3: tls_server_config: missing one of key or key_file\n");
  // A key that is not the certificate's.
  write_file(dir() + "/web.yml",
             "tls_server_config:\n  cert_file: server.crt\n  key_file: client.key\n");
  r = run({"--web.listen-address=127.0.0.1:0", "--web.config.file=" + dir() + "/web.yml",
           "--source.file=" + dir() + "/logs/*.log", "--storage.path=" + dir() + "/state"},
          dir());
  EXPECT_EQ(r.status.code, 2);
  EXPECT_EQ(r.err, "tserver_exporter: error: " + dir() +
                       "/web.yml: failed to load X509KeyPair: the private key does not match "
                       "the certificate's public key\n");
  // A certificate file that is not there.
  write_file(dir() + "/web.yml", "tls_server_config:\n  cert_file: none.crt\n  key_file: k\n");
  r = run({"--web.listen-address=127.0.0.1:0", "--web.config.file=" + dir() + "/web.yml",
           "--source.file=" + dir() + "/logs/*.log", "--storage.path=" + dir() + "/state"},
          dir());
  EXPECT_EQ(r.status.code, 2);
  EXPECT_EQ(r.err, "tserver_exporter: error: " + dir() + "/web.yml: failed to read cert_file (" +
                       dir() + "/none.crt): No such file or directory\n");
}

// T-Server log lines with two EventErrors 57 and one 56, for the network sources.
std::vector<std::string> event_error_lines() {
  std::vector<std::string> lines;
  int seq = 0;
  for (const char* code : {"57", "56", "57"}) {
    ++seq;
    lines.push_back("@10:15:2" + std::to_string(seq) +
                    ".0000 [0] 8.5.001.23 send_to_client: message EventError");
    lines.push_back("\tAttributeEventSequenceNumber\t000000000000000" + std::to_string(seq));
    lines.push_back(std::string("\tAttributeErrorCode\t") + code);
    lines.push_back("2025-12-17T10:15:2" + std::to_string(seq) +
                    ".000 Trc 04542 EventError sent to [724] (0000002a WDE_01 1.2.3.4:5)");
  }
  lines.push_back("2025-12-17T10:15:29.000 Std 04120 Check point 2025-12-17T10:15:29");
  return lines;
}

// The port a network source bound, from the "receiving ... on SPEC, port N" line.
int source_port(Process& p, const std::string& spec) {
  const std::string needle = "on " + spec + ", port ";
  if (!p.wait_stderr(needle)) return 0;
  const std::string err = p.stderr_text();
  return std::atoi(err.c_str() + err.find(needle) + needle.size());
}

TEST_F(WebSecurityTest, SyslogAndRawLinesOverTls) {
  write_file(dir() + "/web.yml", tls_only());
  Process p({"--web.listen-address=127.0.0.1:0", "--web.config.file=" + dir() + "/web.yml",
             "--source.syslog=tls://127.0.0.1:0", "--source.tcp=tls://TS_RAW@127.0.0.1:0",
             "--storage.path=" + dir() + "/state"},
            dir());
  const int port = p.port();
  const int syslog = source_port(p, "tls://127.0.0.1:0");
  const int raw = source_port(p, "tls://TS_RAW@127.0.0.1:0");
  ASSERT_NE(port, 0);
  ASSERT_NE(syslog, 0);
  ASSERT_NE(raw, 0);

  // RFC 5425: each syslog message framed by its octet count, over TLS.
  std::string frames;
  std::string plain;
  for (const std::string& line : event_error_lines()) {
    const std::string message = "<13>1 2025-12-17T10:15:20Z winhost TS_TLS - - - " + line;
    frames += std::to_string(message.size()) + " " + message;
    plain += line + "\n";
  }
  write_file(dir() + "/frames", frames);
  write_file(dir() + "/plain", plain);
  for (const auto& [target, file] : {std::pair{syslog, "frames"}, std::pair{raw, "plain"}}) {
    const Shell sent =
        sh("openssl s_client -connect 127.0.0.1:" + std::to_string(target) + " -CAfile " + dir() +
           "/ca.crt -verify_return_error -servername "
           "localhost -nocommands -no_ign_eof < " +
           dir() + "/" + file + " > /dev/null");
    EXPECT_EQ(sent.rc, 0) << sent.out;
  }
  // Plain text to the TLS source: refused, counted.
  const int fd = connect_loopback(syslog);
  ASSERT_GE(fd, 0);
  write_all(fd, frames);
  ::shutdown(fd, SHUT_WR);

  const std::string want_messages =
      "tserver_exporter_listener_messages_total{listener=\"tls://"
      "127.0.0.1:0\"} " +
      std::to_string(event_error_lines().size());
  std::string m;
  eventually([&] {
    m = curl(port, "").out;
    return m.find(want_messages) != std::string::npos &&
           m.find(
               "tserver_exporter_tls_handshake_failures_total{server=\"tls://127.0.0.1:0\"} "
               "1") != std::string::npos &&
           m.find("tserver=\"TS_RAW\"} 2") != std::string::npos;
  });
  ::close(fd);
  for (const std::string tserver : {"TS_TLS", "TS_RAW"}) {
    EXPECT_NE(m.find("\ntserver_event_errors_total{error_code=\"57\",error_name=\"TERR_TIMEOUT\","
                     "tserver=\"" +
                     tserver + "\"} 2\n"),
              std::string::npos)
        << tserver << "\n"
        << m;
    EXPECT_NE(m.find("tserver_event_errors_total{error_code=\"56\",error_name="),
              std::string::npos);
  }
  EXPECT_NE(m.find("\n" + want_messages + "\n"), std::string::npos) << m;
  EXPECT_NE(m.find("\ntserver_exporter_listener_framing_errors_total{listener=\"tls://127.0.0.1:"
                   "0\"} 0\n"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("\ntserver_exporter_tls_handshake_failures_total{server=\"tls://127.0.0.1:0\"} "
                   "1\n"),
            std::string::npos)
      << m;
}

// A client that fills a TLS source's 256 connections with handshakes it never finishes does
// not lock the forwarder out: the one stalled longest gives its place to each new connection.
TEST_F(WebSecurityTest, StalledTlsHandshakesDoNotLockAForwarderOut) {
  write_file(dir() + "/web.yml", tls_only());
  Process p({"--web.listen-address=127.0.0.1:0", "--web.config.file=" + dir() + "/web.yml",
             "--source.tcp=tls://TS_RAW@127.0.0.1:0", "--storage.path=" + dir() + "/state"},
            dir());
  const int port = p.port();
  const int raw = source_port(p, "tls://TS_RAW@127.0.0.1:0");
  ASSERT_NE(port, 0);
  ASSERT_NE(raw, 0);
  std::vector<int> stalled;
  for (int i = 0; i < 256; ++i) {
    const int fd = connect_loopback(raw);
    ASSERT_GE(fd, 0);
    stalled.push_back(fd);
  }
  std::string plain;
  for (const std::string& line : event_error_lines()) plain += line + "\n";
  write_file(dir() + "/plain", plain);
  const Shell sent =
      sh("openssl s_client -connect 127.0.0.1:" + std::to_string(raw) + " -CAfile " + dir() +
         "/ca.crt -verify_return_error -servername "
         "localhost -nocommands -no_ign_eof < " +
         dir() + "/plain > /dev/null");
  EXPECT_EQ(sent.rc, 0) << sent.out;
  std::string m;
  EXPECT_TRUE(eventually([&] {
    m = curl(port, "").out;
    return m.find("tserver=\"TS_RAW\"} 2") != std::string::npos;
  })) << m;
  EXPECT_NE(m.find("\ntserver_exporter_listener_dropped_total{listener=\"tls://TS_RAW@127.0.0.1:"
                   "0\"} 0\n"),
            std::string::npos)
      << m;
  for (const int fd : stalled) ::close(fd);
}

TEST_F(WebSecurityTest, ATlsSourceWithoutTlsServerConfigExits2) {
  const RunResult r = run({"--web.listen-address=127.0.0.1:0", "--source.syslog=tls://127.0.0.1:0",
                           "--storage.path=" + dir() + "/state"},
                          dir());
  EXPECT_TRUE(r.status.exited);
  EXPECT_EQ(r.status.code, 2);
  EXPECT_EQ(r.err,
            "tserver_exporter: error: source tls://127.0.0.1:0 needs tls_server_config in the web "
            "configuration file (--web.config.file)\n");
}

}  // namespace
}  // namespace tse::e2e
