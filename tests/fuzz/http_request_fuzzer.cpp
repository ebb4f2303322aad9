// Fuzzes the HTTP request path without a socket: raw request bytes through Beast's parser with
// the server's limits, then the route that answers (exporter/http/http_server.h,
// answer_raw_request). The telemetry route answers at once, now and then with a failed render
// (and then /-/ready says not ready and a reload fails).
//
// Invariant: an answer is a whole HTTP/1.x response whose header ends before its body.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "fuzz_support.h"
#include "http/content_coding.h"
#include "http/http_server.h"

namespace {

const tse::HttpRoutes& routes(bool fail) {
  static const auto text = std::make_shared<const tse::Exposition>(
      tse::Exposition{.text = "tserver_up 1\n", .gzip = tse::gzip_compress("tserver_up 1\n")});
  static const tse::HttpRoutes good{.telemetry_path = "/metrics",
                                    .metrics = [](auto done) { done(text); },
                                    .title = "tserver_exporter <fuzz>",
                                    .ready = [] { return true; },
                                    .reload = [](auto done) { done(true, {}); }};
  static const tse::HttpRoutes failing{.telemetry_path = "/metrics",
                                       .metrics = [](auto done) { done(nullptr); },
                                       .ready = [] { return false; },
                                       .reload = [](auto done) { done(false, "bad\nconfig"); }};
  return fail ? failing : good;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const bool fail = size > 0 && data[size - 1] == 0xff;
  const std::string answer = tse::answer_raw_request(routes(fail), input);
  if (answer.empty()) return 0;
  TSE_FUZZ_CHECK(answer.starts_with("HTTP/1."));
  TSE_FUZZ_CHECK(answer.find("\r\n\r\n") != std::string::npos);
  return 0;
}
