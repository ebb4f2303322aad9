#include "source/origin_table.h"

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include "metrics/error_metrics.h"
#include "metrics/self_metrics.h"
#include "pipeline/tserver_log_reader.h"

namespace tse {
namespace {

using namespace std::chrono_literals;
using Clock = OriginTable::Clock;

// One EventError 57 whose record stays open until the next line, idle() or finish().
constexpr std::string_view kOpenRecord =
    "@10:15:24.8070 [0] 8.5.001.23 send_to_client: message EventError\n"
    "\tAttributeEventSequenceNumber\t0000000000000001\n"
    "\tAttributeErrorCode\t57\n";

std::string header(const std::string& application) {
  return "Application name:\t" + application + "\nApplication type:\tTServer\n\n";
}

// Real readers into real counters: the table is tested through what it makes them count.
class OriginTableTest : public ::testing::Test {
 protected:
  OriginTable table(OriginLimits limits) {
    return OriginTable(limits, [this](const std::string&, OriginTable::Admission admit) {
      return std::make_unique<TServerLogReader>(errors_, self_, 64 * 1024, std::move(admit));
    });
  }
  std::uint64_t count(const std::string& tserver, const std::string& code) const {
    for (const auto& v : errors_.values()) {
      if (v.family == "event_errors" && v.tserver == tserver && v.error_code == code) {
        return v.value;
      }
    }
    return 0;
  }
  // The tserver labels with series.
  std::vector<std::string> tservers() {
    std::vector<std::string> names;
    for (const auto& family : registry_.Collect()) {
      if (family.name != "tserver_event_errors_total") continue;
      for (const auto& metric : family.metric) {
        for (const auto& label : metric.label) {
          if (label.name == "tserver" &&
              std::find(names.begin(), names.end(), label.value) == names.end()) {
            names.push_back(label.value);
          }
        }
      }
    }
    return names;
  }

  prometheus::Registry registry_;
  ErrorMetrics errors_{registry_};
  SelfMetrics self_{registry_, "test", "test"};
  Clock::time_point t0_ = Clock::now();
};

TEST_F(OriginTableTest, ANewLabelPastTheCapIsRefusedAndCounted) {
  auto t = table({.max_origins = 10, .max_labels = 1});
  ASSERT_NE(t.open("a", "TS_A", t0_), nullptr);
  EXPECT_EQ(t.open("b", "TS_B", t0_), nullptr);
  EXPECT_EQ(t.open("b", "TS_B", t0_), nullptr);
  ASSERT_NE(t.open("c", "TS_A", t0_), nullptr);  // a label already held costs nothing
  EXPECT_EQ(t.labels_refused(), 2u);
  EXPECT_EQ(t.last_refused_label(), "TS_B");
  EXPECT_EQ(t.size(), 2u);
}

TEST_F(OriginTableTest, AHeaderLabelGoesThroughTheSameCap) {
  auto t = table({.max_origins = 100, .max_labels = 2});
  // Each origin names a T-Server of its own in a header block: only two labels may exist.
  for (int i = 0; i < 5; ++i) {
    const std::string key = "conn" + std::to_string(i);
    OriginTable::Origin* o = t.open(key, "tcp", t0_);
    ASSERT_NE(o, nullptr);
    o->reader->feed(header("TS_" + std::to_string(i)));
    o->reader->feed(kOpenRecord);
    EXPECT_EQ(o->refused, i >= 1) << key;  // "tcp" took one label, TS_0 the other
  }
  t.close_all();
  EXPECT_EQ(t.labels(), 2u);
  EXPECT_EQ(t.labels_refused(), 4u);
  EXPECT_EQ(count("TS_0", "57"), 1u);
  const auto names = tservers();
  EXPECT_EQ(names, std::vector<std::string>{"TS_0"});
}

TEST_F(OriginTableTest, FullTableClosesTheLongestSilentAndCountsItsOpenRecord) {
  auto t = table({.max_origins = 2, .max_labels = 10});
  t.open("old", "TS_OLD", t0_)->reader->feed(kOpenRecord);
  t.open("mid", "TS_MID", t0_ + 1s)->reader->feed(kOpenRecord);
  t.open("old", "TS_OLD", t0_ + 2s);  // heard from again: "mid" is now the longest silent
  EXPECT_EQ(count("TS_MID", "57"), 0u);
  ASSERT_NE(t.open("new", "TS_NEW", t0_ + 3s), nullptr);
  EXPECT_EQ(t.size(), 2u);
  EXPECT_EQ(t.origins_evicted(), 1u);
  EXPECT_EQ(count("TS_MID", "57"), 1u);  // finished, not lost
  EXPECT_EQ(count("TS_OLD", "57"), 0u);  // still open
  t.close_all();
  EXPECT_EQ(count("TS_OLD", "57"), 1u);
}

TEST_F(OriginTableTest, TwentyThousandSendersHoldNoMoreThanTheCap) {
  auto t = table({.max_origins = 1024, .max_labels = 64});
  for (int i = 0; i < 20000; ++i) {
    ASSERT_NE(t.open("10.0.0.1:" + std::to_string(i) + "\nh\nTS", "TS", t0_ + i * 1ms), nullptr);
    ASSERT_LE(t.size(), 1024u);
  }
  EXPECT_EQ(t.origins_evicted(), 20000u - 1024u);
}

TEST_F(OriginTableTest, ClosingAConnectionClosesItsOriginsOnly) {
  auto t = table({.max_origins = 10, .max_labels = 10});
  t.open("#1 a:1\nh\nTS_A", "TS_A", t0_)->reader->feed(kOpenRecord);
  t.open("#1 a:1\nh\nTS_B", "TS_B", t0_)->reader->feed(kOpenRecord);
  t.open("#1 a:10\nh\nTS_C", "TS_C", t0_)->reader->feed(kOpenRecord);
  t.close_connection("#1 a:1");
  EXPECT_EQ(t.size(), 1u);
  EXPECT_EQ(count("TS_A", "57") + count("TS_B", "57"), 2u);
  EXPECT_EQ(count("TS_C", "57"), 0u);
}

TEST_F(OriginTableTest, SweepFlushesIdleOriginsAndForgetsSilentOnes) {
  auto t = table({.max_origins = 10, .max_labels = 10});
  t.open("a", "TS_A", t0_)->reader->feed(kOpenRecord);
  t.open("b", "TS_B", t0_ + 5s)->reader->feed(kOpenRecord);
  t.sweep(t0_ + 2s, 1s, std::nullopt);
  EXPECT_EQ(count("TS_A", "57"), 1u);
  EXPECT_EQ(count("TS_B", "57"), 0u);
  t.sweep(t0_ + 6s, 1s, 3s);
  EXPECT_EQ(t.size(), 1u);  // "a" forgotten, "b" kept
  EXPECT_EQ(count("TS_B", "57"), 1u);
}

// The landing page lists the origins heard from most recently, the latest first.
TEST_F(OriginTableTest, RecentListsTheLatestHeardFirst) {
  auto t = table({.max_origins = 10, .max_labels = 10});
  t.open("a", "TS_A", t0_);
  t.open("b", "TS_B", t0_ + 1s);
  t.open("c", "TS_C", t0_ + 2s);
  t.open("a", "TS_A", t0_ + 3s);
  const auto recent = t.recent(2);
  ASSERT_EQ(recent.size(), 2u);
  EXPECT_EQ(recent[0].key, "a");
  EXPECT_EQ(recent[0].last, t0_ + 3s);
  EXPECT_EQ(recent[1].key, "c");
  EXPECT_EQ(t.recent(10).size(), 3u);
}

}  // namespace
}  // namespace tse
