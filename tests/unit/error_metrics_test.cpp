#include "metrics/error_metrics.h"

#include "state/state_file.h"

#include <bit>
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

// A catalog: the SfB table with the configuration's `codes` over it.
std::shared_ptr<const ErrorCatalog> catalog_with(std::vector<CatalogEntryConfig> codes) {
  return std::make_shared<const ErrorCatalog>(std::span<const std::vector<CatalogEntryConfig>>{},
                                              codes);
}

std::string event_line(const std::string& code, const std::string& name, int value) {
  return "tserver_event_errors_total{error_code=\"" + code + "\",error_name=\"" + name +
         "\",tserver=\"A\"} " + std::to_string(value);
}

TEST(ErrorMetrics, ACatalogFromTheConfigurationNamesItsCodes) {
  prometheus::Registry registry;
  ErrorMetrics metrics(registry, {}, catalog_with({{9001, "SITE_CODE", "ours"}}));
  auto& ts = metrics.tserver("A");
  ts.count(9001, "RequestMakeCall");
  const auto lines = lines_of(registry, "tserver_event_errors_total");
  EXPECT_EQ(lines.size(), 36u);  // 34 SfB codes, 9001 and "unknown"
  EXPECT_TRUE(contains(lines, event_line("9001", "SITE_CODE", 1)));
  EXPECT_TRUE(contains(lines_of(registry, "tserver_request_errors_total"),
                       "tserver_request_errors_total{error_code=\"9001\",error_name=\"SITE_CODE\","
                       "request=\"RequestMakeCall\",tserver=\"A\"} 1"));
  EXPECT_TRUE(contains(lines_of(registry, "tserver_error_code_info"),
                       "tserver_error_code_info{description=\"ours\",error_code=\"9001\","
                       "error_name=\"SITE_CODE\"} 1"));
}

// A reload that renames, adds and removes codes: every count stays, under the new names.
TEST(ErrorMetrics, SetCatalogKeepsEveryCountUnderTheNewNames) {
  prometheus::Registry registry;
  ErrorMetrics metrics(registry, ErrorMetrics::Limits{.unlisted_codes = 2},
                       catalog_with({{9001, "SITE_CODE", "ours"}}));
  auto& ts = metrics.tserver("A");
  ts.count(57, "RequestMakeCall");
  ts.count(57);
  for (int i = 0; i < 3; ++i) ts.count(9001);
  ts.count(9002, "RequestMakeCall");  // unlisted
  ts.count(9005);                     // unlisted: the limit of 2 is reached
  ts.count(9006);                     // "other"
  const auto values_before = metrics.values();
  const auto generation = metrics.generation();

  metrics.set_catalog(catalog_with({{57, "SITE_TIMEOUT", "renamed by the site"},
                                    {9002, "NOW_NAMED", ""},
                                    {9003, "NEW_CODE", "added"}}));
  EXPECT_NE(metrics.generation(), generation);
  const auto lines = lines_of(registry, "tserver_event_errors_total");
  EXPECT_TRUE(contains(lines, event_line("57", "SITE_TIMEOUT", 2)));
  EXPECT_TRUE(contains(lines, event_line("9002", "NOW_NAMED", 1)));
  EXPECT_TRUE(contains(lines, event_line("9003", "NEW_CODE", 0)));
  EXPECT_TRUE(contains(lines, event_line("9001", "UNKNOWN", 3)));  // no longer in the catalog
  EXPECT_TRUE(contains(lines, event_line("9005", "UNKNOWN", 1)));
  EXPECT_TRUE(contains(lines, event_line("other", "UNKNOWN", 1)));
  // 34 SfB codes, 9002, 9003, unknown; unlisted 9001, 9005; other. No old name is left.
  EXPECT_EQ(lines.size(), 34u + 2u + 1u + 2u + 1u);
  for (const auto& line : lines) {
    EXPECT_EQ(line.find("TERR_TIMEOUT"), std::string::npos) << line;
    EXPECT_EQ(line.find("SITE_CODE"), std::string::npos) << line;
  }
  const auto request_lines = lines_of(registry, "tserver_request_errors_total");
  EXPECT_TRUE(contains(request_lines,
                       "tserver_request_errors_total{error_code=\"57\",error_name=\"SITE_TIMEOUT\","
                       "request=\"RequestMakeCall\",tserver=\"A\"} 1"));
  EXPECT_TRUE(contains(request_lines,
                       "tserver_request_errors_total{error_code=\"9002\",error_name=\"NOW_NAMED\","
                       "request=\"RequestMakeCall\",tserver=\"A\"} 1"));
  EXPECT_TRUE(contains(request_lines,
                       "tserver_request_errors_total{error_code=\"9001\",error_name=\"UNKNOWN\","
                       "request=\"unknown\",tserver=\"A\"} 3"));
  const auto info = lines_of(registry, "tserver_error_code_info");
  EXPECT_EQ(info.size(), 36u);
  EXPECT_TRUE(contains(info,
                       "tserver_error_code_info{description=\"renamed by the site\","
                       "error_code=\"57\",error_name=\"SITE_TIMEOUT\"} 1"));
  for (const auto& line : info) EXPECT_EQ(line.find("9001"), std::string::npos) << line;

  // The state file holds the same values (it keys them by code, not by name)...
  auto values_after = metrics.values();
  const auto key = [](const ErrorMetrics::Value& v) {
    return v.family + "|" + v.tserver + "|" + v.request + "|" + v.error_code + "|" +
           std::to_string(v.value);
  };
  std::vector<std::string> before_keys;
  std::vector<std::string> after_keys;
  for (const auto& v : values_before) before_keys.push_back(key(v));
  for (const auto& v : values_after) after_keys.push_back(key(v));
  std::sort(before_keys.begin(), before_keys.end());
  std::sort(after_keys.begin(), after_keys.end());
  EXPECT_EQ(after_keys, before_keys);

  // ...and counting goes on in the renamed series; a code named again is back in the table.
  ts.count(57);
  ts.count(9002);
  ts.count(9004);  // 9001 took the room 9002 left under the limit of unlisted codes: "other"
  const auto later = lines_of(registry, "tserver_event_errors_total");
  EXPECT_TRUE(contains(later, event_line("57", "SITE_TIMEOUT", 3)));
  EXPECT_TRUE(contains(later, event_line("9002", "NOW_NAMED", 2)));
  EXPECT_TRUE(contains(later, event_line("other", "UNKNOWN", 2)));

  // A restart restores them under the catalog in force.
  prometheus::Registry registry2;
  ErrorMetrics restored(registry2, ErrorMetrics::Limits{.unlisted_codes = 2},
                        catalog_with({{57, "SITE_TIMEOUT", "renamed by the site"},
                                      {9002, "NOW_NAMED", ""},
                                      {9003, "NEW_CODE", "added"}}));
  for (const auto& v : metrics.values()) EXPECT_TRUE(restored.restore(v));
  for (const char* family :
       {"tserver_event_errors_total", "tserver_request_errors_total", "tserver_error_code_info"}) {
    EXPECT_EQ(lines_of(registry2, family), lines_of(registry, family)) << family;
  }
}

TEST(ErrorMetrics, SetCatalogGivesANewCodeItsZeroSeriesOnEveryTServer) {
  prometheus::Registry registry;
  ErrorMetrics metrics(registry);
  metrics.tserver("A").count(57);
  metrics.tserver("B");
  metrics.set_catalog(catalog_with({{9003, "NEW_CODE", ""}}));
  const auto lines = lines_of(registry, "tserver_event_errors_total");
  EXPECT_EQ(lines.size(), 2u * 36u);
  EXPECT_TRUE(contains(lines, event_line("9003", "NEW_CODE", 0)));
  EXPECT_TRUE(contains(lines,
                       "tserver_event_errors_total{error_code=\"9003\","
                       "error_name=\"NEW_CODE\",tserver=\"B\"} 0"));
  EXPECT_TRUE(contains(lines, event_line("57", "TERR_TIMEOUT", 1)));
  // The same catalog again changes nothing.
  const auto generation = metrics.generation();
  metrics.set_catalog(catalog_with({{9003, "NEW_CODE", ""}}));
  EXPECT_EQ(metrics.generation(), generation);
  // Back to the built-in table: the code at 0 goes.
  metrics.set_catalog(catalog_with({}));
  EXPECT_EQ(lines_of(registry, "tserver_event_errors_total").size(), 2u * 35u);
}

// New limits apply to label values not seen yet; nothing counted moves.
TEST(ErrorMetrics, SetLimitsAppliesToNewLabelValuesOnly) {
  prometheus::Registry registry;
  ErrorMetrics metrics(registry, ErrorMetrics::Limits{.tservers = 2});
  metrics.tserver("A").count(57);
  metrics.tserver("B").count(57);
  metrics.set_limits(ErrorMetrics::Limits{.tservers = 1});
  EXPECT_EQ(metrics.limits().tservers, 1u);
  metrics.tserver("A").count(57);
  metrics.tserver("B").count(57);
  metrics.tserver("C").count(57);  // past the lowered limit
  auto lines = lines_of(registry, "tserver_event_errors_total");
  EXPECT_TRUE(contains(lines, event_line("57", "TERR_TIMEOUT", 2)));
  EXPECT_TRUE(contains(lines,
                       "tserver_event_errors_total{error_code=\"57\","
                       "error_name=\"TERR_TIMEOUT\",tserver=\"B\"} 2"));
  EXPECT_TRUE(contains(lines,
                       "tserver_event_errors_total{error_code=\"57\","
                       "error_name=\"TERR_TIMEOUT\",tserver=\"other\"} 1"));
  metrics.set_limits(ErrorMetrics::Limits{.tservers = 4});
  metrics.tserver("D").count(57);  // room again: its own series
  metrics.tserver("C").count(57);  // C too: it never had series of its own
  lines = lines_of(registry, "tserver_event_errors_total");
  EXPECT_TRUE(contains(lines,
                       "tserver_event_errors_total{error_code=\"57\","
                       "error_name=\"TERR_TIMEOUT\",tserver=\"D\"} 1"));
  EXPECT_TRUE(contains(lines,
                       "tserver_event_errors_total{error_code=\"57\","
                       "error_name=\"TERR_TIMEOUT\",tserver=\"C\"} 1"));
  EXPECT_TRUE(contains(lines,
                       "tserver_event_errors_total{error_code=\"57\","
                       "error_name=\"TERR_TIMEOUT\",tserver=\"other\"} 1"));
}

// The landing page's "last EventError": the wall clock when one was counted, none before.
TEST(ErrorMetrics, LastErrorIsWhenAnEventErrorWasCounted) {
  prometheus::Registry registry;
  ErrorMetrics metrics(registry);
  auto& ts = metrics.tserver("TS_A");
  ts.count_request("RequestMakeCall");
  EXPECT_FALSE(metrics.last_error("TS_A").has_value());
  EXPECT_FALSE(metrics.last_error("TS_B").has_value());
  const auto before = std::chrono::system_clock::now();
  ts.count(57);
  const auto after = std::chrono::system_clock::now();
  ASSERT_TRUE(metrics.last_error("TS_A").has_value());
  EXPECT_GE(*metrics.last_error("TS_A"), before);
  EXPECT_LE(*metrics.last_error("TS_A"), after);
}

// What the landing page reads at every rendering: the EventError series, not the request ones.
TEST(ErrorMetrics, ValuesOfEventErrorsAlone) {
  prometheus::Registry registry;
  ErrorMetrics metrics(registry);
  auto& ts = metrics.tserver("TS_A");
  ts.count_request("RequestMakeCall");
  ts.count(57, "RequestMakeCall");
  std::vector<std::string> families;
  for (const auto& v : metrics.values(/*event_errors_only=*/true)) {
    families.push_back(v.family + " " + v.error_code + " " + std::to_string(v.value));
  }
  EXPECT_EQ(families, (std::vector<std::string>{"link_disconnected  0", "event_errors 57 1"}));
  EXPECT_EQ(metrics.values().size(), 4u);  // and requests, request_errors
}

// tserver_request_duration_seconds: a series per request on first use, the bucket boundaries
// inclusive (an answer after exactly 100 ms is in le="0.1"), a minute and more in +Inf alone.
TEST(ErrorMetrics, RequestDurationsHaveExactBucketsSumAndCount) {
  prometheus::Registry registry;
  ErrorMetrics metrics(registry);
  auto& ts = metrics.tserver("TS_A");
  EXPECT_TRUE(lines_of(registry, "tserver_request_duration_seconds_count").empty());
  const auto before = metrics.generation();
  for (double seconds : {0.004, 0.1, 0.2, 12.5, 90.0})
    ts.observe_duration("RequestMakeCall", seconds);
  ts.observe_duration("RequestAnswerCall", 0.001);
  ts.observe_duration("RequestAnswerCall", -1);  // never passed by the parser: not counted
  EXPECT_EQ(metrics.generation(), before + 6);
  // Gathered until the reader's flush at the end of a block of log: the series exist, empty.
  EXPECT_EQ(lines_of(registry, "tserver_request_duration_seconds_count"),
            (std::vector<std::string>{
                "tserver_request_duration_seconds_count{request=\"RequestAnswerCall\","
                "tserver=\"TS_A\"} 0",
                "tserver_request_duration_seconds_count{request=\"RequestMakeCall\","
                "tserver=\"TS_A\"} 0"}));
  metrics.flush_durations();
  metrics.flush_durations();  // a second flush adds nothing
  const std::string make = "request=\"RequestMakeCall\",tserver=\"TS_A\"";
  const auto bucket = [&](const char* le, int count) {
    return "tserver_request_duration_seconds_bucket{" + make + ",le=\"" + le + "\"} " +
           std::to_string(count);
  };
  const auto buckets = lines_of(registry, "tserver_request_duration_seconds_bucket");
  EXPECT_EQ(buckets.size(), 32u);  // 16 buckets of 2 requests
  for (const auto& line :
       {bucket("0.005", 1), bucket("0.01", 1), bucket("0.05", 1), bucket("0.1", 2),
        bucket("0.25", 3), bucket("10", 3), bucket("15", 4), bucket("60", 4), bucket("+Inf", 5)}) {
    EXPECT_TRUE(contains(buckets, line)) << line;
  }
  EXPECT_EQ(lines_of(registry, "tserver_request_duration_seconds_count"),
            (std::vector<std::string>{
                "tserver_request_duration_seconds_count{request=\"RequestAnswerCall\","
                "tserver=\"TS_A\"} 1",
                "tserver_request_duration_seconds_count{" + make + "} 5"}));
  EXPECT_EQ(lines_of(registry, "tserver_request_duration_seconds_sum"),
            (std::vector<std::string>{
                "tserver_request_duration_seconds_sum{request=\"RequestAnswerCall\","
                "tserver=\"TS_A\"} 0.001",
                "tserver_request_duration_seconds_sum{" + make + "} 102.804"}));
}

TEST(ErrorMetrics, UnansweredRequestsAreCountedByRequest) {
  prometheus::Registry registry;
  ErrorMetrics metrics(registry);
  auto& ts = metrics.tserver("TS_A");
  EXPECT_TRUE(lines_of(registry, "tserver_requests_unanswered_total").empty());
  ts.count_unanswered("RequestMakeCall");
  ts.count_unanswered("RequestMakeCall");
  ts.count_unanswered("not a request");
  EXPECT_EQ(lines_of(registry, "tserver_requests_unanswered_total"),
            (std::vector<std::string>{
                "tserver_requests_unanswered_total{request=\"RequestMakeCall\",tserver=\"TS_A\"} 2",
                "tserver_requests_unanswered_total{request=\"other\",tserver=\"TS_A\"} 1"}));
}

// The request label is under the limit of request names, and the histograms under a limit of
// their own (18 series each): past either, request="other", counted as capped.
TEST(ErrorMetrics, RequestDurationsAreCappedByNameAndBySeries) {
  prometheus::Registry registry;
  ErrorMetrics metrics(registry, ErrorMetrics::Limits{.request_names = 2, .duration_series = 2});
  metrics.tserver("A").observe_duration("RequestMakeCall", 0.01);
  metrics.tserver("A").observe_duration("RequestAnswerCall", 0.01);
  metrics.tserver("A").observe_duration("RequestReleaseCall", 0.01);  // a third name: "other"
  metrics.tserver("B").observe_duration("RequestMakeCall", 0.01);     // a third series: "other"
  metrics.tserver("B").count_unanswered("RequestMakeCall");           // not a histogram
  metrics.flush_durations();
  EXPECT_EQ(lines_of(registry, "tserver_request_duration_seconds_count"),
            (std::vector<std::string>{
                "tserver_request_duration_seconds_count{request=\"RequestAnswerCall\","
                "tserver=\"A\"} 1",
                "tserver_request_duration_seconds_count{request=\"RequestMakeCall\","
                "tserver=\"A\"} 1",
                "tserver_request_duration_seconds_count{request=\"other\",tserver=\"A\"} 1",
                "tserver_request_duration_seconds_count{request=\"other\",tserver=\"B\"} 1"}));
  EXPECT_EQ(lines_of(registry, "tserver_requests_unanswered_total"),
            (std::vector<std::string>{
                "tserver_requests_unanswered_total{request=\"RequestMakeCall\",tserver=\"B\"} 1"}));
  EXPECT_EQ(lines_of(registry, "tserver_exporter_request_names_capped_total"),
            (std::vector<std::string>{"tserver_exporter_request_names_capped_total 2"}));
}

// Through the state file and back: the same buckets, count and sum to the last bit (0.1 + 0.2
// is no decimal), and counting goes on from them exactly as it would have without the restart.
TEST(ErrorMetrics, RequestDurationsSurviveTheStateFileExactly) {
  const std::vector<std::string> families{
      "tserver_request_duration_seconds_bucket", "tserver_request_duration_seconds_sum",
      "tserver_request_duration_seconds_count", "tserver_requests_unanswered_total"};
  prometheus::Registry registry;
  ErrorMetrics metrics(registry);
  auto& ts = metrics.tserver("TS_A");
  for (double seconds : {0.1, 0.2, 0.0001, 7.3, 236.0})
    ts.observe_duration("RequestMakeCall", seconds);
  ts.observe_duration("RequestAnswerCall", 0.0);  // a sum of 0: no sum value saved
  ts.count_unanswered("RequestMakeCall");
  metrics.tserver("TS_B").observe_duration("RequestMakeCall", 1.0 / 3);
  metrics.flush_durations();

  SavedState state;
  for (const auto& v : metrics.values())
    state.counters.push_back({v.family, v.tserver, v.request, v.error_code, v.value});
  std::string error;
  const auto parsed = parse_state(serialize_state(state), error);
  ASSERT_TRUE(parsed) << error;
  prometheus::Registry registry2;
  ErrorMetrics restored(registry2);
  for (const auto& c : parsed->counters) {
    EXPECT_TRUE(restored.restore({c.family, c.tserver, c.request, c.error_code, c.value}))
        << c.family << " " << c.error_code;
  }
  for (const auto& family : families)
    EXPECT_EQ(lines_of(registry2, family), lines_of(registry, family)) << family;
  EXPECT_TRUE(contains(lines_of(registry2, "tserver_request_duration_seconds_sum"),
                       "tserver_request_duration_seconds_sum{request=\"RequestMakeCall\","
                       "tserver=\"TS_A\"} 243.6001"));
  // The exposition prints 16 digits; the values saved again hold every bit of the sums.
  const auto saved = [](const ErrorMetrics& m) {
    std::vector<std::string> out;
    for (const auto& v : m.values())
      out.push_back(v.family + " " + v.tserver + " " + v.request + " " + v.error_code + " " +
                    std::to_string(v.value));
    return out;
  };
  EXPECT_EQ(saved(restored), saved(metrics));
  EXPECT_TRUE(contains(lines_of(registry2, "tserver_request_duration_seconds_count"),
                       "tserver_request_duration_seconds_count{request=\"RequestAnswerCall\","
                       "tserver=\"TS_A\"} 1"));

  // Restoring again changes nothing; counting goes on from the restored values.
  for (const auto& v : metrics.values()) EXPECT_TRUE(restored.restore(v));
  for (auto* m : {&metrics, &restored}) {
    m->tserver("TS_A").observe_duration("RequestMakeCall", 0.3);
    m->tserver("TS_A").count_unanswered("RequestMakeCall");
    m->flush_durations();
  }
  for (const auto& family : families)
    EXPECT_EQ(lines_of(registry2, family), lines_of(registry, family)) << family;

  // A bound this version has not, or a sum that is no duration, is refused.
  EXPECT_FALSE(restored.restore({"request_duration_bucket", "TS_A", "RequestMakeCall", "0.3", 1}));
  EXPECT_FALSE(restored.restore(
      {"request_duration_sum", "TS_A", "RequestMakeCall", "", std::bit_cast<std::uint64_t>(-1.0)}));
}

// A state file written before the durations (version 2, no duration lines) loads: its counts
// come back, and no duration series until the first answer.
TEST(ErrorMetrics, AStateFileWithoutDurationsStillLoads) {
  prometheus::Registry registry;
  ErrorMetrics metrics(registry);
  metrics.tserver("TS_A").count_request("RequestMakeCall");
  metrics.tserver("TS_A").count(57, "RequestMakeCall");
  SavedState state;
  for (const auto& v : metrics.values())
    state.counters.push_back({v.family, v.tserver, v.request, v.error_code, v.value});
  const std::string text = serialize_state(state);
  EXPECT_EQ(text.find("duration"), std::string::npos);
  std::string error;
  const auto parsed = parse_state(text, error);
  ASSERT_TRUE(parsed) << error;
  prometheus::Registry registry2;
  ErrorMetrics restored(registry2);
  for (const auto& c : parsed->counters)
    EXPECT_TRUE(restored.restore({c.family, c.tserver, c.request, c.error_code, c.value}));
  EXPECT_EQ(lines_of(registry2, "tserver_requests_total"),
            lines_of(registry, "tserver_requests_total"));
  EXPECT_TRUE(lines_of(registry2, "tserver_request_duration_seconds_count").empty());
  EXPECT_TRUE(lines_of(registry2, "tserver_requests_unanswered_total").empty());
}

}  // namespace
}  // namespace tse
