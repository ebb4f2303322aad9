#include "tserver/request_tracker.h"

#include <gtest/gtest.h>

namespace tse::tserver {
namespace {

TEST(RequestTracker, MatchesOnClientAndReferenceThenForgets) {
  RequestTracker tracker;
  tracker.add("[724] (a)", 17, "RequestMakeCall");
  tracker.add("[725] (b)", 17, "RequestAnswerCall");
  EXPECT_EQ(tracker.answer("[725] (b)", 17), "RequestAnswerCall");
  EXPECT_EQ(tracker.answer("[725] (b)", 17), "");  // not another client's request 17
  EXPECT_EQ(tracker.answer("[724] (a)", 17), "RequestMakeCall");
  EXPECT_EQ(tracker.pending(), 0u);
}

TEST(RequestTracker, FallsBackToTheReferenceAloneOnlyWhenUnambiguous) {
  RequestTracker tracker;
  tracker.add("[1]", 5, "RequestHoldCall");
  EXPECT_EQ(tracker.answer("", 5), "RequestHoldCall");
  tracker.add("[1]", 6, "RequestA");
  tracker.add("[2]", 6, "RequestB");
  EXPECT_EQ(tracker.answer("", 6), "");
  EXPECT_EQ(tracker.answer("[3]", 6), "");  // a known client without such a request
  EXPECT_EQ(tracker.answer("", 16), "");    // "#16" is not "#6"
  EXPECT_EQ(tracker.pending(), 2u);
}

TEST(RequestTracker, AReusedReferenceReplacesTheOldRequest) {
  RequestTracker tracker;
  tracker.add("[1]", 4294967295u, "RequestOld");
  tracker.add("[1]", 4294967295u, "RequestNew");  // wrapped around
  EXPECT_EQ(tracker.pending(), 1u);
  EXPECT_EQ(tracker.answer("", 4294967295u), "RequestNew");
}

TEST(RequestTracker, BoundedByCountAndAge) {
  RequestTracker tracker;
  for (std::uint64_t i = 0; i < RequestTracker::kMaxPending + 10; ++i) {
    tracker.add("[1]", i, "RequestX");
  }
  EXPECT_EQ(tracker.pending(), RequestTracker::kMaxPending);
  EXPECT_EQ(tracker.evictions(), 10u);
  EXPECT_EQ(tracker.answer("[1]", 0), "");  // the oldest went first
  EXPECT_EQ(tracker.answer("[1]", 10), "RequestX");
}

}  // namespace
}  // namespace tse::tserver
