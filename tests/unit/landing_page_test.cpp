#include "http/landing_page.h"

#include <gtest/gtest.h>

namespace tse {
namespace {

using std::chrono::seconds;
using std::chrono::system_clock;

// 2026-12-02 07:21:24 UTC
const system_clock::time_point kAt = system_clock::time_point(seconds(1796196084));

LandingView sample() {
  LandingView view;
  view.title = "tserver_exporter 1.2.3";
  view.telemetry_path = "/metrics";
  view.rendered_at = kAt;
  view.tservers.push_back(
      {.name = "TServer_SfB_01",
       .codes = {{"56", "TERR_INV_CONNID", "Connection ID in request is invalid.", 1},
                 {"57", "TERR_TIMEOUT", "Switch or T-Server did not respond in time.", 1234}},
       .last_error = kAt - seconds(60)});
  view.tservers.push_back({.name = "TServer_Quiet"});
  view.files.push_back({"/var/log/ts/TServer_SfB_01.20251217_101500_123.log", 18772, 1048576});
  view.listeners.push_back(
      {.spec = "udp://127.0.0.1:514",
       .origins = 1,
       .recent = {{.name = "10.0.0.7:40000 host ts01 app TServer_SfB_02", .silent = seconds(3)}}});
  return view;
}

bool contains(const std::string& page, const std::string& fragment) {
  return page.find(fragment) != std::string::npos;
}

TEST(LandingPage, ShowsEachTServerItsCodesFilesAndOrigins) {
  const std::string page = render_landing_page(sample());
  EXPECT_TRUE(
      page.starts_with("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"));
  EXPECT_TRUE(page.ends_with("</body></html>\n"));
  EXPECT_TRUE(contains(page, "<h1>tserver_exporter 1.2.3</h1>"));
  EXPECT_TRUE(contains(page, "<a href=\"/metrics\">/metrics</a>"));
  EXPECT_TRUE(contains(page, "As of 2026-12-02 07:21:24 UTC"));
  EXPECT_TRUE(contains(page,
                       "<h3>TServer_SfB_01</h3>\n<p>1,235 EventErrors; last EventError: "
                       "2026-12-02 07:20:24 UTC</p>"));
  // The most frequent code first.
  EXPECT_TRUE(contains(page,
                       "<tr><td>57</td><td>TERR_TIMEOUT</td><td>Switch or T-Server did not "
                       "respond in time.</td><td class=\"n\">1,234</td></tr>\n"
                       "<tr><td>56</td><td>TERR_INV_CONNID</td>"));
  EXPECT_TRUE(contains(page,
                       "<h3>TServer_Quiet</h3>\n<p>0 EventErrors; last EventError: "
                       "&ndash;</p>\n<h2>"));
  EXPECT_TRUE(contains(page, "not the time written in the log"));
  EXPECT_TRUE(contains(page, "<p>1 file, 1,048,576 bytes not read yet.</p>"));
  EXPECT_TRUE(contains(page,
                       "<tr><td>/var/log/ts/TServer_SfB_01.20251217_101500_123.log</td><td "
                       "class=\"n\">18,772</td><td class=\"n\">1,048,576</td></tr>"));
  EXPECT_TRUE(contains(page, "<h3>udp://127.0.0.1:514</h3>\n<p>1 origin now.</p>"));
  EXPECT_TRUE(contains(page,
                       "<tr><td>10.0.0.7:40000 host ts01 app TServer_SfB_02</td><td "
                       "class=\"n\">3 s ago</td></tr>"));
  EXPECT_FALSE(contains(page, "<script"));
  EXPECT_FALSE(contains(page, "http://"));  // nothing outside the exporter
  EXPECT_FALSE(contains(page, "https://"));
}

TEST(LandingPage, SaysWhenThereIsNothing) {
  LandingView view;
  view.rendered_at = kAt;
  const std::string page = render_landing_page(view);
  EXPECT_TRUE(contains(page, "No T-Server seen yet."));
  EXPECT_TRUE(contains(page, "No file followed."));
  EXPECT_TRUE(contains(page, "No network source."));
}

TEST(LandingPage, EscapesEveryValueFromALog) {
  LandingView view = sample();
  view.tservers[0].name = "<script>alert(1)</script>&co";
  view.tservers[0].codes[0].description = "a \"quoted\" & 'single' <b>";
  view.files[0].path = std::string("/logs/<img src=x>&\xff\xfe.log");
  view.listeners[0].recent[0].name = "10.0.0.7:1 host <h1> app a&b\x01";
  view.telemetry_path = "/m\"><script>";
  const std::string page = render_landing_page(view);
  EXPECT_FALSE(contains(page, "<script>"));
  EXPECT_FALSE(contains(page, "<img"));
  EXPECT_FALSE(contains(page, "<h1> app"));
  EXPECT_TRUE(contains(page, "<h3>&lt;script&gt;alert(1)&lt;/script&gt;&amp;co</h3>"));
  EXPECT_TRUE(contains(page, "a &quot;quoted&quot; &amp; &#39;single&#39; &lt;b&gt;"));
  EXPECT_TRUE(contains(page, "<td>/logs/&lt;img src=x&gt;&amp;\xEF\xBF\xBD\xEF\xBF\xBD.log</td>"));
  EXPECT_TRUE(contains(page, "10.0.0.7:1 host &lt;h1&gt; app a&amp;b\xEF\xBF\xBD</td>"));
  EXPECT_TRUE(contains(page, "<a href=\"/m&quot;&gt;&lt;script&gt;\">"));
}

TEST(HtmlEscape, KeepsUtf8AndReplacesWhatIsNot) {
  EXPECT_EQ(html_escape("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"),
            "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
  EXPECT_EQ(html_escape("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");                  // overlong '/'
  EXPECT_EQ(html_escape("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  EXPECT_EQ(html_escape("\xE2\x82"), "\xEF\xBF\xBD\xEF\xBF\xBD");                  // cut short
  EXPECT_EQ(html_escape("a\tb\nc\x7F"),
            "a\tb\xEF\xBF\xBD"
            "c\xEF\xBF\xBD");
  EXPECT_EQ(html_escape("\xC2\x85"), "\xEF\xBF\xBD");  // a C1 control
  EXPECT_EQ(html_escape(std::string("a\0b", 3)),
            "a\xEF\xBF\xBD"
            "b");
}

TEST(HtmlEscape, CutsAtACharacterStart) {
  EXPECT_EQ(html_escape("abcdef", 4), "abcd\xE2\x80\xA6");
  EXPECT_EQ(html_escape("abc\xC3\xA9", 4), "abc\xE2\x80\xA6");  // é would end past 4
  EXPECT_EQ(html_escape("abcd", 4), "abcd");
  EXPECT_EQ(html_escape("<<<<", 2), "&lt;&lt;\xE2\x80\xA6");
}

TEST(LandingPage, ListsAreCapped) {
  LandingView view;
  view.rendered_at = kAt;
  for (int i = 0; i < 5; ++i) {
    LandingView::TServer ts{.name = "ts" + std::to_string(i)};
    for (int c = 0; c < 4; ++c) ts.codes.push_back({std::to_string(c), "N", "D", 10u + c});
    view.tservers.push_back(ts);
    view.files.push_back({"/f" + std::to_string(i), 0, 100});
  }
  view.listeners.push_back({.spec = "tcp://127.0.0.1:5000", .origins = 9});
  for (int i = 0; i < 4; ++i) view.listeners[0].recent.push_back({.name = "o" + std::to_string(i)});
  const LandingLimits limits{.tservers = 2,
                             .codes_per_tserver = 3,
                             .files = 3,
                             .origins_per_listener = 2,
                             .value_bytes = 1};
  const std::string page = render_landing_page(view, limits);
  EXPECT_TRUE(contains(page, "<h3>t\xE2\x80\xA6</h3>"));  // ts0 cut to 1 byte
  EXPECT_TRUE(contains(page, "<p class=\"note\">and 3 more T-Servers (see /\xE2\x80\xA6)</p>"));
  // Codes 3, 2, 1 (13, 12, 11) listed; code 0 (10) is the one more.
  EXPECT_TRUE(
      contains(page, "<tr><td colspan=\"4\" class=\"note\">and 1 code (10 EventErrors)</td></tr>"));
  EXPECT_TRUE(contains(page,
                       "<tr><td colspan=\"3\" class=\"note\">and 2 files (200 bytes not "
                       "read)</td></tr>"));
  EXPECT_TRUE(contains(page, "<p>5 files, 500 bytes not read yet.</p>"));
  EXPECT_TRUE(contains(page, "<p>9 origins now.</p>"));
  EXPECT_TRUE(contains(page,
                       "<tr><td colspan=\"2\" class=\"note\">and 7 origins heard from less "
                       "recently</td></tr>"));
  EXPECT_FALSE(contains(page, "ts2"));
  EXPECT_FALSE(contains(page, "/f3"));
}

// Past the page's byte budget every list stops at its next row: the size stays bounded even
// with every value at its longest.
TEST(LandingPage, StopsListingPastItsByteBudget) {
  LandingView view;
  view.rendered_at = kAt;
  const std::string amps(300, '&');
  for (int t = 0; t < 300; ++t) {
    LandingView::TServer ts{.name = std::string(128, '&')};
    for (int c = 0; c < 40; ++c) ts.codes.push_back({std::to_string(c), amps, amps, 1});
    view.tservers.push_back(ts);
  }
  for (int f = 0; f < 1000; ++f) view.files.push_back({amps, 0, 1});
  for (int l = 0; l < 2; ++l) {
    view.listeners.push_back({.spec = "udp://127.0.0.1:514", .origins = 1024});
    for (int o = 0; o < 1024; ++o) view.listeners[l].recent.push_back({.name = amps});
  }
  const std::string page = render_landing_page(view);
  EXPECT_LT(page.size(), (1u << 20) + 8192);
  EXPECT_TRUE(page.ends_with("</body></html>\n"));
  EXPECT_TRUE(contains(page,
                       "<tr><td colspan=\"3\" class=\"note\">and 1,000 files (1,000 bytes "
                       "not read)</td></tr>"));
  EXPECT_TRUE(contains(page,
                       "<tr><td colspan=\"2\" class=\"note\">and 1,024 origins heard from "
                       "less recently</td></tr>"));
}

}  // namespace
}  // namespace tse
