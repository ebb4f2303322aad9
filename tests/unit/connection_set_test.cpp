#include "source/connection_set.h"

#include <memory>
#include <vector>

#include <gtest/gtest.h>

namespace tse {
namespace {

// A connection that, like a real one, takes itself out of its set when it stops, and records
// that it stopped.
struct SelfRemovingConnection : std::enable_shared_from_this<SelfRemovingConnection> {
  ConnectionSet<SelfRemovingConnection>* set = nullptr;
  std::vector<int>* stopped = nullptr;
  int id = 0;
  void stop() {
    stopped->push_back(id);
    set->erase(shared_from_this());
  }
};

TEST(ConnectionSet, StopAllSurvivesConnectionsThatRemoveThemselves) {
  ConnectionSet<SelfRemovingConnection> set;
  std::vector<int> stopped;
  std::weak_ptr<SelfRemovingConnection> first;
  for (int i = 0; i < 8; ++i) {
    auto c = std::make_shared<SelfRemovingConnection>();
    c->set = &set;
    c->stopped = &stopped;
    c->id = i;
    if (i == 0) first = c;
    set.start(c);
  }
  set.stop_all();
  EXPECT_EQ(set.size(), 0u);
  EXPECT_EQ(stopped.size(), 8u);
  EXPECT_TRUE(first.expired());  // nothing keeps a stopped connection alive
}

TEST(ConnectionSet, StopRemovesThenStops) {
  ConnectionSet<SelfRemovingConnection> set;
  std::vector<int> stopped;
  auto c = std::make_shared<SelfRemovingConnection>();
  c->set = &set;
  c->stopped = &stopped;
  set.start(c);
  set.stop(c);
  EXPECT_EQ(set.size(), 0u);
  EXPECT_EQ(stopped, std::vector<int>{0});
}

}  // namespace
}  // namespace tse
