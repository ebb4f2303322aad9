#include "tserver/request_tracker.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace tse::tserver {
namespace {

// A client as a 04541/04542 record names it.
ClientId client(std::string_view text) { return record_client_id(text); }
constexpr ClientId kNone{};

TEST(RequestTracker, MatchesOnClientAndReferenceThenForgets) {
  RequestTracker tracker;
  tracker.add(client("[724] (1 a 2)"), 17, "RequestMakeCall");
  tracker.add(client("[725] (1 b 2)"), 17, "RequestAnswerCall");
  EXPECT_EQ(tracker.answer(client("[725] (1 b 2)"), 17).request, "RequestAnswerCall");
  EXPECT_EQ(tracker.answer(client("[725] (1 b 2)"), 17).request,
            "");  // not another client's request 17
  EXPECT_EQ(tracker.answer(client("[724] (1 a 2)"), 17).request, "RequestMakeCall");
  EXPECT_EQ(tracker.pending(), 0u);
}

TEST(RequestTracker, FallsBackToTheReferenceAloneOnlyWhenUnambiguous) {
  RequestTracker tracker;
  tracker.add(client("[1]"), 5, "RequestHoldCall");
  EXPECT_EQ(tracker.answer(kNone, 5).request, "RequestHoldCall");
  tracker.add(client("[1]"), 6, "RequestA");
  tracker.add(client("[2]"), 6, "RequestB");
  EXPECT_EQ(tracker.answer(kNone, 6).request, "");
  EXPECT_EQ(tracker.answer(client("[3]"), 6).request, "");  // a known client without such a request
  EXPECT_EQ(tracker.answer(kNone, 16).request, "");         // "#16" is not "#6"
  EXPECT_EQ(tracker.pending(), 2u);
}

TEST(RequestTracker, AReusedReferenceReplacesTheOldRequest) {
  RequestTracker tracker;
  tracker.add(client("[1]"), 4294967295u, "RequestOld");
  tracker.add(client("[1]"), 4294967295u, "RequestNew");  // wrapped around
  EXPECT_EQ(tracker.pending(), 1u);
  EXPECT_EQ(tracker.answer(kNone, 4294967295u).request, "RequestNew");
}

TEST(RequestTracker, BoundedByCountAndAge) {
  RequestTracker tracker;
  for (std::uint64_t i = 0; i < RequestTracker::kMaxPending + 10; ++i) {
    tracker.add(client("[1]"), i, "RequestX");
  }
  EXPECT_EQ(tracker.pending(), RequestTracker::kMaxPending);
  EXPECT_EQ(tracker.evictions(), 10u);
  EXPECT_EQ(tracker.answer(client("[1]"), 0).request, "");  // the oldest went first
  EXPECT_EQ(tracker.answer(client("[1]"), 10).request, "RequestX");
}

TEST(RequestTracker, RequestsWaitingLongerThanTheTimeoutAreUnanswered) {
  RequestTracker tracker;
  const ClientId a = record_client_id("[1] (x A y)");
  constexpr std::int64_t kS = kMicrosPerSecond;
  tracker.add(a, 1, "RequestOld", LogClock::Instant{10 * kS, 0});
  tracker.add(a, 2, "RequestAnswered", LogClock::Instant{11 * kS, 0});
  tracker.add(a, 3, "RequestNew", LogClock::Instant{50 * kS, 0});
  tracker.add(a, 4, "RequestUntimed");
  const auto answered = tracker.answer(a, 2);
  EXPECT_EQ(answered.request, "RequestAnswered");
  EXPECT_EQ(answered.received, (LogClock::Instant{11 * kS, 0}));
  std::vector<std::string> unanswered;
  const auto collect = [&](std::string_view name) { unanswered.emplace_back(name); };
  tracker.expire(LogClock::Instant{40 * kS, 0}, 0, 30 * kS, collect);  // 30 s exactly: not yet
  EXPECT_TRUE(unanswered.empty());
  tracker.expire(LogClock::Instant{41 * kS, 0}, 0, 30 * kS, collect);
  EXPECT_EQ(unanswered, std::vector<std::string>{"RequestOld"});
  // The log's clock stepped back to 5 s (epoch 1 began there): RequestNew, from epoch 0, has
  // waited at least since then; at 35 s that is 30 s, not yet; at 35.000001 s it is unanswered.
  tracker.expire(LogClock::Instant{35 * kS, 1}, 5 * kS, 30 * kS, collect);
  EXPECT_EQ(tracker.unanswered(), 1u);
  tracker.expire(LogClock::Instant{35 * kS + 1, 1}, 5 * kS, 30 * kS, collect);
  EXPECT_EQ(unanswered, (std::vector<std::string>{"RequestOld", "RequestNew"}));
  // One without a time cannot be aged: it waits its turn by count.
  tracker.expire(LogClock::Instant{5000 * kS, 1}, 5 * kS, 30 * kS, collect);
  EXPECT_EQ(tracker.unanswered(), 2u);
  EXPECT_EQ(tracker.evictions(), 0u);
  EXPECT_EQ(tracker.pending(), 1u);
}

}  // namespace
}  // namespace tse::tserver

namespace tse::tserver {
namespace {

TEST(RequestTracker, TheTraceFormOfAClientMatchesItsRecordForm) {
  RequestTracker tracker;
  tracker.add(record_client_id("[724] (0000002a WDE_01 10.1.2.3:51234)"), 17, "RequestMakeCall");
  tracker.add(record_client_id("[731] (0000002f WDE_02 10.1.2.4:50110)"), 17, "RequestAnswer");
  // The client number reused by another application is not the same client.
  EXPECT_EQ(tracker
                .answer(parse_interaction("Interaction message \"EventError\" sent to 724 "
                                          "(\"ICON_01\")",
                                          true)
                            ->client,
                        17)
                .request,
            "");
  EXPECT_EQ(tracker
                .answer(parse_interaction("Interaction message \"EventError\" sent to 724 "
                                          "(\"WDE_01\")",
                                          true)
                            ->client,
                        17)
                .request,
            "RequestMakeCall");
  // A record without its application matches on the number.
  EXPECT_EQ(tracker.answer(record_client_id("[731]"), 17).request, "RequestAnswer");
}

}  // namespace
}  // namespace tse::tserver
