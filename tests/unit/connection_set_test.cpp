#include "net/connection_set.h"

#include <vector>

#include <gtest/gtest.h>

namespace tse {
namespace {

using Clock = ConnectionSet::Clock;

TEST(ConnectionSet, AdmitsUpToTheCapThenClosesTheOneWaitingLongest) {
  std::vector<std::size_t> sizes;
  ConnectionSet set(3, [&](std::size_t n) { sizes.push_back(n); });
  std::vector<int> closed;
  const auto t0 = Clock::now();
  std::vector<ConnectionSet::Id> ids;
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(set.admit(), ConnectionSet::Admission::kAdmitted);
    ids.push_back(set.add([&closed, i] { closed.push_back(i); }));
  }
  set.reading(ids[0], t0 + std::chrono::seconds(2));
  set.reading(ids[1], t0 + std::chrono::seconds(1));  // waiting longest
  set.busy(ids[2]);
  EXPECT_EQ(set.admit(), ConnectionSet::Admission::kEvicted);
  EXPECT_EQ(closed, std::vector<int>{1});
  EXPECT_EQ(set.size(), 2u);
  set.remove(ids[1]);  // its session ends later: a no-op
  EXPECT_EQ(set.size(), 2u);
  set.add([&closed] { closed.push_back(3); });
  EXPECT_EQ(set.admit(), ConnectionSet::Admission::kEvicted);
  EXPECT_EQ(closed, (std::vector<int>{1, 0}));
  EXPECT_EQ(sizes, (std::vector<std::size_t>{1, 2, 3, 2, 3, 2}));
}

TEST(ConnectionSet, RefusesWhenEveryConnectionIsBusyAnswering) {
  ConnectionSet set(2);
  int closed = 0;
  const auto a = set.add([&] { ++closed; });
  const auto b = set.add([&] { ++closed; });
  set.busy(a);
  set.busy(b);
  EXPECT_EQ(set.admit(), ConnectionSet::Admission::kRefused);
  EXPECT_EQ(closed, 0);
  set.reading(b, Clock::now());  // done answering: waits for the next request
  EXPECT_EQ(set.admit(), ConnectionSet::Admission::kEvicted);
  EXPECT_EQ(closed, 1);
  EXPECT_EQ(set.admit(), ConnectionSet::Admission::kAdmitted);
}

TEST(ConnectionSet, AWriteStuckLongerThanTheLimitGivesItsPlaceUp) {
  ConnectionSet set(2, nullptr, std::chrono::seconds(2));
  std::vector<int> closed;
  const auto t0 = Clock::now();
  const auto a = set.add([&] { closed.push_back(0); });
  const auto b = set.add([&] { closed.push_back(1); });
  set.writing(a, t0);
  set.writing(b, t0 + std::chrono::seconds(1));
  EXPECT_EQ(set.admit(t0 + std::chrono::milliseconds(1999)), ConnectionSet::Admission::kRefused);
  EXPECT_EQ(set.admit(t0 + std::chrono::seconds(2)), ConnectionSet::Admission::kEvicted);
  EXPECT_EQ(closed, std::vector<int>{0});
  // A connection waiting for a request goes before any stuck write.
  set.add([&] { closed.push_back(2); });
  set.reading(b, t0 + std::chrono::seconds(5));
  EXPECT_EQ(set.admit(t0 + std::chrono::seconds(9)), ConnectionSet::Admission::kEvicted);
  EXPECT_EQ(closed, (std::vector<int>{0, 1}));
}

TEST(ConnectionSet, CloseAllIsSafeWhileTheClosersRemoveThemselves) {
  ConnectionSet set(10);
  std::vector<ConnectionSet::Id> ids;
  int closed = 0;
  for (int i = 0; i < 5; ++i) {
    // Each closer removes itself and its neighbour, as a session ending at once would.
    ids.push_back(set.add([&set, &ids, &closed, i] {
      ++closed;
      set.remove(ids[static_cast<std::size_t>(i)]);
      if (i + 1 < 5) set.remove(ids[static_cast<std::size_t>(i) + 1]);
    }));
  }
  set.close_all();
  EXPECT_EQ(closed, 5);
  EXPECT_EQ(set.size(), 0u);
}

}  // namespace
}  // namespace tse
