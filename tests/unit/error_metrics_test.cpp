#include "metrics/error_metrics.h"

#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

namespace tse {
namespace {

// The exposition lines of one metric name, sorted (prometheus-cpp orders series by hash).
std::vector<std::string> lines_of(prometheus::Registry& registry, const std::string& name) {
  std::istringstream text(prometheus::TextSerializer().Serialize(registry.Collect()));
  std::vector<std::string> out;
  for (std::string line; std::getline(text, line);) {
    if (line.starts_with(name + "{") || line.starts_with(name + " ")) out.push_back(line);
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool contains(const std::vector<std::string>& lines, const std::string& line) {
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}

TEST(ErrorMetrics, EveryCodeOfANewTServerStartsAtZero) {
  prometheus::Registry registry;
  ErrorMetrics metrics(registry);
  EXPECT_TRUE(lines_of(registry, "tserver_event_errors_total").empty());
  metrics.tserver("TServer_SfB_01");
  const auto lines = lines_of(registry, "tserver_event_errors_total");
  EXPECT_EQ(lines.size(), 35u);  // 34 catalog codes and "unknown"
  EXPECT_TRUE(contains(lines,
                       "tserver_event_errors_total{error_code=\"57\",error_name=\"TERR_TIMEOUT\","
                       "tserver=\"TServer_SfB_01\"} 0"));
  EXPECT_TRUE(contains(lines,
                       "tserver_event_errors_total{error_code=\"236\",error_name=\"Timeout "
                       "performing operation\",tserver=\"TServer_SfB_01\"} 0"));
  EXPECT_TRUE(contains(lines,
                       "tserver_event_errors_total{error_code=\"unknown\",error_name=\"UNKNOWN\","
                       "tserver=\"TServer_SfB_01\"} 0"));
}

TEST(ErrorMetrics, CountsKnownUnknownAndUnlistedCodes) {
  prometheus::Registry registry;
  ErrorMetrics metrics(registry);
  auto& ts = metrics.tserver("A");
  ts.count(57);
  ts.count(57);
  ts.count(std::nullopt);
  ts.count(9999);
  ts.count(-1);
  const auto lines = lines_of(registry, "tserver_event_errors_total");
  EXPECT_EQ(lines.size(), 37u);
  EXPECT_TRUE(contains(
      lines,
      "tserver_event_errors_total{error_code=\"57\",error_name=\"TERR_TIMEOUT\",tserver=\"A\"} 2"));
  EXPECT_TRUE(contains(
      lines,
      "tserver_event_errors_total{error_code=\"unknown\",error_name=\"UNKNOWN\",tserver=\"A\"} 1"));
  EXPECT_TRUE(contains(
      lines,
      "tserver_event_errors_total{error_code=\"9999\",error_name=\"UNKNOWN\",tserver=\"A\"} 1"));
  EXPECT_TRUE(contains(
      lines,
      "tserver_event_errors_total{error_code=\"-1\",error_name=\"UNKNOWN\",tserver=\"A\"} 1"));
}

TEST(ErrorMetrics, UnlistedCodesPastTheLimitGoToOther) {
  prometheus::Registry registry;
  ErrorMetrics metrics(registry, 2);
  auto& ts = metrics.tserver("A");
  ts.count(1000);
  ts.count(1001);
  ts.count(1002);
  ts.count(1003);
  ts.count(1000);
  const auto lines = lines_of(registry, "tserver_event_errors_total");
  EXPECT_EQ(lines.size(), 35u + 3u);
  EXPECT_TRUE(contains(
      lines,
      "tserver_event_errors_total{error_code=\"1000\",error_name=\"UNKNOWN\",tserver=\"A\"} 2"));
  EXPECT_TRUE(contains(
      lines,
      "tserver_event_errors_total{error_code=\"other\",error_name=\"UNKNOWN\",tserver=\"A\"} 2"));
  EXPECT_EQ(lines_of(registry, "tserver_exporter_error_codes_capped_total"),
            std::vector<std::string>{"tserver_exporter_error_codes_capped_total 2"});
}

TEST(ErrorMetrics, TServersAreSeparateAndLabelsAreSanitised) {
  prometheus::Registry registry;
  ErrorMetrics metrics(registry);
  metrics.tserver("A").count(57);
  metrics.tserver("B\xff\n\"x").count(57);
  EXPECT_EQ(&metrics.tserver("A"), &metrics.tserver("A"));
  const auto lines = lines_of(registry, "tserver_event_errors_total");
  EXPECT_EQ(lines.size(), 70u);
  EXPECT_TRUE(contains(lines,
                       "tserver_event_errors_total{error_code=\"57\",error_name=\"TERR_TIMEOUT\","
                       "tserver=\"B__\\\"x\"} 1"));
}

TEST(ErrorMetrics, ValuesAndRestoreRoundTrip) {
  prometheus::Registry registry;
  ErrorMetrics metrics(registry, 1);
  auto& ts = metrics.tserver("A");
  const auto before = metrics.generation();
  ts.count(57);
  ts.count(57);
  ts.count(std::nullopt);
  ts.count(9999);
  ts.count(12345);  // past the limit of 1 unlisted code: "other"
  EXPECT_EQ(metrics.generation(), before + 5);
  ts.count_request("RequestMakeCall");
  ts.count(57, "RequestMakeCall");
  ts.count_link_disconnected();
  ts.count_iscc_error(57);
  const auto values = metrics.values();
  ASSERT_EQ(values.size(), 4u + 5u + 1u + 1u + 1u);  // event, request error, request, link, iscc

  prometheus::Registry registry2;
  ErrorMetrics restored(registry2, 1);
  for (const auto& v : values) EXPECT_TRUE(restored.restore(v));
  EXPECT_FALSE(restored.restore({"event_errors", "A", "", "fifty-seven", 1}));
  EXPECT_FALSE(restored.restore({"no_such_family", "A", "", "57", 1}));
  for (const char* family :
       {"tserver_event_errors_total", "tserver_request_errors_total", "tserver_requests_total",
        "tserver_link_disconnected_total", "tserver_iscc_errors_total"}) {
    EXPECT_EQ(lines_of(registry2, family), lines_of(registry, family)) << family;
  }
  restored.tserver("A").count(57);
  EXPECT_TRUE(contains(lines_of(registry2, "tserver_event_errors_total"),
                       "tserver_event_errors_total{error_code=\"57\",error_name=\"TERR_TIMEOUT\","
                       "tserver=\"A\"} 4"));
}

TEST(ErrorMetrics, RequestErrorsSumToEventErrorsAndRequestNamesAreBounded) {
  prometheus::Registry registry;
  ErrorMetrics metrics(registry);
  auto& ts = metrics.tserver("A");
  ts.count(57, "RequestMakeCall");
  ts.count(57, "");
  ts.count(236, "Request Bad Name");
  ts.count(std::nullopt, "RequestAnswerCall");
  ts.count_request("RequestMakeCall");
  ts.count_request("EventNotARequest");
  EXPECT_EQ(lines_of(registry, "tserver_request_errors_total"),
            (std::vector<std::string>{
                "tserver_request_errors_total{error_code=\"236\",error_name=\"Timeout performing "
                "operation\",request=\"other\",tserver=\"A\"} 1",
                "tserver_request_errors_total{error_code=\"57\",error_name=\"TERR_TIMEOUT\","
                "request=\"RequestMakeCall\",tserver=\"A\"} 1",
                "tserver_request_errors_total{error_code=\"57\",error_name=\"TERR_TIMEOUT\","
                "request=\"unknown\",tserver=\"A\"} 1",
                "tserver_request_errors_total{error_code=\"unknown\",error_name=\"UNKNOWN\","
                "request=\"RequestAnswerCall\",tserver=\"A\"} 1"}));
  EXPECT_EQ(lines_of(registry, "tserver_requests_total"),
            (std::vector<std::string>{
                "tserver_requests_total{request=\"RequestMakeCall\",tserver=\"A\"} 1",
                "tserver_requests_total{request=\"other\",tserver=\"A\"} 1"}));
  EXPECT_EQ(lines_of(registry, "tserver_link_disconnected_total"),
            std::vector<std::string>{"tserver_link_disconnected_total{tserver=\"A\"} 0"});
  for (int i = 0; i < 70; ++i) ts.count_request("RequestX" + std::to_string(i));
  // 64 names in all (RequestAnswerCall, seen only in an error, is one of them), then "other".
  EXPECT_EQ(lines_of(registry, "tserver_requests_total").size(), 63u + 1u);
}

TEST(ErrorMetrics, CodeInfoHasEveryCatalogCode) {
  prometheus::Registry registry;
  ErrorMetrics metrics(registry);
  const auto lines = lines_of(registry, "tserver_error_code_info");
  EXPECT_EQ(lines.size(), 34u);
  EXPECT_TRUE(contains(lines,
                       "tserver_error_code_info{description=\"Switch or T-Server did not respond "
                       "in time.\",error_code=\"57\",error_name=\"TERR_TIMEOUT\"} 1"));
}

}  // namespace
}  // namespace tse
