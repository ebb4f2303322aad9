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
  ErrorMetrics metrics(registry, ErrorMetrics::Limits{.unlisted_codes = 2});
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
  ErrorMetrics metrics(registry, ErrorMetrics::Limits{.unlisted_codes = 1});
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
  ErrorMetrics restored(registry2, ErrorMetrics::Limits{.unlisted_codes = 1});
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

TEST(ErrorMetrics, TServersPastTheLimitShareTheOtherLabelFromZero) {
  prometheus::Registry registry;
  ErrorMetrics metrics(registry, ErrorMetrics::Limits{.tservers = 2});
  metrics.tserver("A").count(57);
  metrics.tserver("B");
  auto& c = metrics.tserver("C");
  EXPECT_EQ(&c, &metrics.tserver("D"));
  EXPECT_EQ(&metrics.tserver("A"), &metrics.tserver("A"));
  c.count(57);
  metrics.tserver("D").count(57);
  metrics.tserver("D").count_link_disconnected();
  const auto lines = lines_of(registry, "tserver_event_errors_total");
  EXPECT_EQ(lines.size(), 3u * 35u);  // A, B and other, every code at 0 or more
  EXPECT_TRUE(contains(lines,
                       "tserver_event_errors_total{error_code=\"57\",error_name=\"TERR_TIMEOUT\","
                       "tserver=\"other\"} 2"));
  EXPECT_TRUE(contains(lines,
                       "tserver_event_errors_total{error_code=\"236\",error_name=\"Timeout "
                       "performing operation\",tserver=\"other\"} 0"));
  EXPECT_EQ(lines_of(registry, "tserver_link_disconnected_total"),
            (std::vector<std::string>{"tserver_link_disconnected_total{tserver=\"A\"} 0",
                                      "tserver_link_disconnected_total{tserver=\"B\"} 0",
                                      "tserver_link_disconnected_total{tserver=\"other\"} 1"}));
  // Turned away: C once, D three times (each lookup of a T-Server past the limit).
  EXPECT_EQ(lines_of(registry, "tserver_exporter_tservers_capped_total"),
            std::vector<std::string>{"tserver_exporter_tservers_capped_total 4"});
}

TEST(ErrorMetrics, UnlistedCodesAreCappedPerTServerAndInAll) {
  prometheus::Registry registry;
  ErrorMetrics metrics(registry,
                       ErrorMetrics::Limits{.unlisted_codes_per_tserver = 2, .unlisted_codes = 3});
  auto& a = metrics.tserver("A");
  auto& b = metrics.tserver("B");
  for (int code : {1000, 1001, 1002, 1000, 1003}) a.count(code);
  for (int code : {2000, 2001, 2000}) b.count(code);
  const auto lines = lines_of(registry, "tserver_event_errors_total");
  for (
      const char* line : {
          "tserver_event_errors_total{error_code=\"1000\",error_name=\"UNKNOWN\",tserver=\"A\"} 2",
          "tserver_event_errors_total{error_code=\"1001\",error_name=\"UNKNOWN\",tserver=\"A\"} 1",
          "tserver_event_errors_total{error_code=\"other\",error_name=\"UNKNOWN\",tserver=\"A\"} 2",
          "tserver_event_errors_total{error_code=\"2000\",error_name=\"UNKNOWN\",tserver=\"B\"} 2",
          "tserver_event_errors_total{error_code=\"other\",error_name=\"UNKNOWN\",tserver=\"B\"} 1",
      }) {
    EXPECT_TRUE(contains(lines, line)) << line;
  }
  EXPECT_EQ(lines.size(), 2u * 35u + 5u);
  EXPECT_EQ(lines_of(registry, "tserver_exporter_error_codes_capped_total"),
            std::vector<std::string>{"tserver_exporter_error_codes_capped_total 3"});
  // The request errors fold the same codes: their sum still equals the EventErrors.
  EXPECT_TRUE(contains(lines_of(registry, "tserver_request_errors_total"),
                       "tserver_request_errors_total{error_code=\"other\",error_name=\"UNKNOWN\","
                       "request=\"unknown\",tserver=\"A\"} 2"));
}

TEST(ErrorMetrics, IsccCodesAreCappedPerTServerAndInAll) {
  prometheus::Registry registry;
  ErrorMetrics metrics(registry,
                       ErrorMetrics::Limits{.iscc_codes_per_tserver = 2, .iscc_codes = 3});
  auto& a = metrics.tserver("A");
  auto& b = metrics.tserver("B");
  for (int code : {1, 2, 3, 1, 4}) a.count_iscc_error(code);
  a.count_iscc_error(std::nullopt);
  for (int code : {7, 8}) b.count_iscc_error(code);
  EXPECT_EQ(lines_of(registry, "tserver_iscc_errors_total"),
            (std::vector<std::string>{
                "tserver_iscc_errors_total{error_code=\"1\",tserver=\"A\"} 2",
                "tserver_iscc_errors_total{error_code=\"2\",tserver=\"A\"} 1",
                "tserver_iscc_errors_total{error_code=\"7\",tserver=\"B\"} 1",
                "tserver_iscc_errors_total{error_code=\"other\",tserver=\"A\"} 2",
                "tserver_iscc_errors_total{error_code=\"other\",tserver=\"B\"} 1",
                "tserver_iscc_errors_total{error_code=\"unknown\",tserver=\"A\"} 1"}));
  EXPECT_EQ(lines_of(registry, "tserver_exporter_iscc_codes_capped_total"),
            std::vector<std::string>{"tserver_exporter_iscc_codes_capped_total 3"});
}

TEST(ErrorMetrics, RequestNamesAndPairsAreCappedAndStillSumToTheEventErrors) {
  prometheus::Registry registry;
  ErrorMetrics metrics(
      registry,
      ErrorMetrics::Limits{.request_names = 2, .request_pairs_per_tserver = 2, .request_pairs = 3});
  auto& a = metrics.tserver("A");
  auto& b = metrics.tserver("B");
  a.count_request("RequestA");
  a.count_request("RequestB");
  a.count_request("RequestC");  // a third name: "other"
  a.count(57, "RequestA");
  a.count(236, "RequestA");
  a.count(57, "RequestB");  // a third pair of A: "other"
  b.count(57, "RequestB");  // the third pair in all
  b.count(236, "");         // a fourth: "other" (request unknown counts as a name here)
  EXPECT_EQ(
      lines_of(registry, "tserver_requests_total"),
      (std::vector<std::string>{"tserver_requests_total{request=\"RequestA\",tserver=\"A\"} 1",
                                "tserver_requests_total{request=\"RequestB\",tserver=\"A\"} 1",
                                "tserver_requests_total{request=\"other\",tserver=\"A\"} 1"}));
  EXPECT_EQ(lines_of(registry, "tserver_request_errors_total"),
            (std::vector<std::string>{
                "tserver_request_errors_total{error_code=\"236\",error_name=\"Timeout performing "
                "operation\",request=\"RequestA\",tserver=\"A\"} 1",
                "tserver_request_errors_total{error_code=\"236\",error_name=\"Timeout performing "
                "operation\",request=\"other\",tserver=\"B\"} 1",
                "tserver_request_errors_total{error_code=\"57\",error_name=\"TERR_TIMEOUT\","
                "request=\"RequestA\",tserver=\"A\"} 1",
                "tserver_request_errors_total{error_code=\"57\",error_name=\"TERR_TIMEOUT\","
                "request=\"RequestB\",tserver=\"B\"} 1",
                "tserver_request_errors_total{error_code=\"57\",error_name=\"TERR_TIMEOUT\","
                "request=\"other\",tserver=\"A\"} 1"}));
  EXPECT_EQ(lines_of(registry, "tserver_exporter_request_names_capped_total"),
            std::vector<std::string>{"tserver_exporter_request_names_capped_total 3"});
}

// A restart admits every saved label whatever the order of restoring, and the labels under the
// limits stay those that were: a T-Server that had no count yet keeps its place.
TEST(ErrorMetrics, RestoreKeepsTheLabelsUnderTheLimitsAndTheOtherLabels) {
  const ErrorMetrics::Limits limits{
      .tservers = 2, .unlisted_codes = 1, .iscc_codes = 1, .request_names = 1};
  prometheus::Registry registry;
  ErrorMetrics metrics(registry, limits);
  metrics.tserver("Zed");  // no count yet
  auto& a = metrics.tserver("A");
  a.count(1000, "RequestA");
  a.count(1001, "RequestB");
  a.count_iscc_error(5);
  a.count_iscc_error(6);
  metrics.tserver("B").count(57);
  auto values = metrics.values();
  std::reverse(values.begin(), values.end());

  prometheus::Registry registry2;
  ErrorMetrics restored(registry2, limits);
  for (const auto& v : values) EXPECT_TRUE(restored.restore(v)) << v.family << v.error_code;
  EXPECT_FALSE(restored.restore({"iscc_errors", "A", "", "x", 1}));
  for (const char* family :
       {"tserver_event_errors_total", "tserver_request_errors_total", "tserver_requests_total",
        "tserver_link_disconnected_total", "tserver_iscc_errors_total"}) {
    EXPECT_EQ(lines_of(registry2, family), lines_of(registry, family)) << family;
  }
  restored.tserver("Zed").count(57);
  restored.tserver("C").count(57);
  restored.tserver("A").count(1000);
  restored.tserver("A").count(1002);
  restored.tserver("A").count_iscc_error(5);
  const auto lines = lines_of(registry2, "tserver_event_errors_total");
  for (const char* line : {
           "tserver_event_errors_total{error_code=\"57\",error_name=\"TERR_TIMEOUT\","
           "tserver=\"Zed\"} 1",
           "tserver_event_errors_total{error_code=\"57\",error_name=\"TERR_TIMEOUT\","
           "tserver=\"other\"} 2",
           "tserver_event_errors_total{error_code=\"1000\",error_name=\"UNKNOWN\",tserver=\"A\"} 2",
           "tserver_event_errors_total{error_code=\"other\",error_name=\"UNKNOWN\",tserver=\"A\"} "
           "2",
       }) {
    EXPECT_TRUE(contains(lines, line)) << line;
  }
  EXPECT_TRUE(contains(lines_of(registry2, "tserver_iscc_errors_total"),
                       "tserver_iscc_errors_total{error_code=\"5\",tserver=\"A\"} 2"));
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
