// Property: over generated logs (random mixes of requests from several clients, both dump
// shapes, trace-only records, repeats, wrapped ReferenceIDs, decoys), the per-request error
// counters always sum to the per-code ones, and the per-code counts equal what was generated.
#include <map>
#include <random>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include "metrics/error_metrics.h"
#include "metrics/self_metrics.h"
#include "pipeline/tserver_log_reader.h"

namespace tse {
namespace {

struct Generated {
  std::string log;
  std::map<std::string, long> codes;  // error_code label -> count
};

Generated generate(unsigned seed) {
  std::mt19937 random(seed);
  Generated out;
  out.log = "Application name:\tTS_P\r\n\r\n";
  const char* clients[] = {"[724] (0000002a WDE_01 10.1.2.3:51234)",
                           "[731] (0000002f WDE_02 10.1.2.4:50110)", "[9] (00000009 URS 10.1.3.1:1)"};
  const char* requests[] = {"RequestMakeCall", "RequestAnswerCall", "RequestHoldCall",
                            "RequestAgentReady"};
  const int codes[] = {57, 236, 56, 1707, 9999};
  unsigned sequence = 0;
  for (int i = 0; i < 400; ++i) {
    const std::string client = clients[random() % 3];
    const std::uint64_t reference = random() % 4 == 0 ? 4294967295u : random() % 20;
    if (random() % 2 == 0) {
      const std::string name = requests[random() % 4];
      out.log += "10:00:00.000 Trc 04541 " + name + " received from " + client + "\r\nmessage " +
                 name + "\r\n\tAttributeReferenceID\t" + std::to_string(reference) + "\r\n";
    }
    const int code = codes[random() % 5];
    char seq[17];
    std::snprintf(seq, sizeof seq, "%016x", ++sequence);
    const std::string body = "\tAttributeEventSequenceNumber\t" + std::string(seq) +
                             "\r\n\tAttributeErrorCode\t" + std::to_string(code) +
                             "\r\n\tAttributeReferenceID\t" + std::to_string(reference) +
                             "\r\n\tAttributeUserData\t[9] 00..\r\n\t\t'ErrorCode'\t57\r\n";
    const std::string sent = "10:00:01.000 Trc 04542 EventError sent to " + client + "\r\n";
    switch (random() % 5) {
      case 0:
        out.log += "@10:00:01.0000 [0] 8.5 send_to_client: message EventError\r\n" + body + sent;
        ++out.codes[std::to_string(code)];
        break;
      case 1:
        out.log += sent + "message EventError\r\n" + body;
        ++out.codes[std::to_string(code)];
        break;
      case 2:
        out.log += sent;
        ++out.codes["unknown"];
        break;
      case 3:  // printed twice, counted once; no trailer
        out.log += "@10:00:01.0000 [0] 8.5 send_to_client: message EventError\r\n" + body;
        out.log += "@10:00:01.0000 [0] 8.5 send_to_client: message EventError\r\n" + body;
        ++out.codes[std::to_string(code)];
        break;
      default:  // decoys
        out.log += "@10:00:01.0000 [0] 8.5 send_to_client: message ISCCEventError\r\n" + body +
                   "10:00:01.000 Trc 04541 EventError received from " + client + "\r\n";
        break;
    }
    out.log += "10:00:02.000 Trc 04542 EventDialing sent to " + client + "\r\n";
  }
  return out;
}

TEST(RequestCorrelationProperty, PerRequestCountersSumToPerCodeCounters) {
  for (unsigned seed = 1; seed <= 50; ++seed) {
    const Generated generated = generate(seed);
    prometheus::Registry registry;
    ErrorMetrics errors(registry);
    SelfMetrics self(registry, "test", "test");
    TServerLogReader reader(errors, self);
    reader.begin_segment(SegmentBegin{.path = "/logs/TS_P.log"});
    // Fed in chunks of random sizes, as a file being written would be.
    std::mt19937 random(seed);
    for (std::size_t pos = 0; pos < generated.log.size();) {
      const std::size_t n = 1 + random() % 700;
      reader.feed(std::string_view(generated.log).substr(pos, n));
      pos += n;
    }
    reader.finish();
    std::map<std::string, long> by_code, by_request_code;
    long requests = 0;
    for (const auto& value : errors.values()) {
      if (value.family == "event_errors") by_code[value.error_code] += static_cast<long>(value.value);
      if (value.family == "request_errors") {
        by_request_code[value.error_code] += static_cast<long>(value.value);
      }
      if (value.family == "requests") requests += static_cast<long>(value.value);
    }
    ASSERT_EQ(by_code, generated.codes) << "seed " << seed;
    ASSERT_EQ(by_request_code, by_code) << "seed " << seed;
    ASSERT_GT(requests, 0) << "seed " << seed;
  }
}

}  // namespace
}  // namespace tse
