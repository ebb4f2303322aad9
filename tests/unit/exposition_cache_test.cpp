#include "http/exposition_cache.h"

#include <atomic>
#include <new>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace tse {
namespace {

using namespace std::chrono_literals;
using Clock = ExpositionCache::Clock;

// A cache with fresh = 50 ms, stale = 200 ms, max_stale = 1 s whose render requests are only
// counted: the test plays the counting thread and publishes when it wants.
class ExpositionCacheTest : public ::testing::Test {
 protected:
  ExpositionCache cache_{ExpositionCache::Ages{.fresh = 50ms, .stale = 200ms, .max_stale = 1s},
                         [this] { ++asked_; }};
  int asked_ = 0;
  const Clock::time_point t0_ = Clock::now();

  static ExpositionCache::Text text(const char* s) {
    return std::make_shared<const Exposition>(Exposition{.text = s});
  }
};

TEST_F(ExpositionCacheTest, TheFirstScrapeWaitsForTheFirstRender) {
  std::vector<std::string> got;
  for (int i = 0; i < 3; ++i) cache_.get(t0_, [&](ExpositionCache::Text t) { got.push_back(t->text); });
  EXPECT_TRUE(got.empty());
  EXPECT_EQ(asked_, 1);  // three scrapes, one render
  cache_.publish(text("a 1\n"), t0_);
  EXPECT_EQ(got, (std::vector<std::string>{"a 1\n", "a 1\n", "a 1\n"}));
}

TEST_F(ExpositionCacheTest, AFreshTextIsServedWithoutAskingForAnother) {
  cache_.publish(text("a 1\n"), t0_);
  std::vector<std::string> got;
  cache_.get(t0_ + 49ms, [&](ExpositionCache::Text t) { got.push_back(t->text); });
  EXPECT_EQ(got, std::vector<std::string>{"a 1\n"});
  EXPECT_EQ(asked_, 0);
}

TEST_F(ExpositionCacheTest, AnAgingTextIsServedWhileTheNextIsRendered) {
  cache_.publish(text("a 1\n"), t0_);
  std::vector<std::string> got;
  auto keep = [&](ExpositionCache::Text t) { got.push_back(t->text); };
  cache_.get(t0_ + 50ms, keep);
  cache_.get(t0_ + 199ms, keep);
  EXPECT_EQ(got, (std::vector<std::string>{"a 1\n", "a 1\n"}));
  EXPECT_EQ(asked_, 1);  // one render asked for, not two
  cache_.publish(text("a 2\n"), t0_ + 60ms);
  cache_.get(t0_ + 100ms, keep);
  EXPECT_EQ(got.back(), "a 2\n");
  EXPECT_EQ(asked_, 1);
}

TEST_F(ExpositionCacheTest, AfterAQuietSpellTheScrapeWaitsForTheCountsOfNow) {
  cache_.publish(text("a 1\n"), t0_);
  std::vector<std::string> got;
  auto keep = [&](ExpositionCache::Text t) { got.push_back(t->text); };
  cache_.get(t0_ + 200ms, keep);  // stale, and no render under way: it waits
  EXPECT_TRUE(got.empty());
  EXPECT_EQ(asked_, 1);
  cache_.publish(text("a 2\n"), t0_ + 200ms);
  EXPECT_EQ(got, std::vector<std::string>{"a 2\n"});
  cache_.get(t0_ + 15s, keep);  // Prometheus, 15 s later
  cache_.get(t0_ + 15s, keep);  // its HA twin, at the same time: never the 15 s old text
  EXPECT_EQ(got.size(), 1u);
  EXPECT_EQ(asked_, 2);
  cache_.publish(text("a 3\n"), t0_ + 15s);
  EXPECT_EQ(got, (std::vector<std::string>{"a 2\n", "a 3\n", "a 3\n"}));
}

TEST_F(ExpositionCacheTest, ASlowRenderHoldsNoScrapeUpUntilMaxStale) {
  cache_.publish(text("a 1\n"), t0_);
  std::vector<std::string> got;
  auto keep = [&](ExpositionCache::Text t) { got.push_back(t->text); };
  cache_.get(t0_ + 60ms, keep);  // asks for a render, which then waits for the disk
  cache_.get(t0_ + 300ms, keep);
  cache_.get(t0_ + 999ms, keep);
  EXPECT_EQ(got, (std::vector<std::string>{"a 1\n", "a 1\n", "a 1\n"}));
  cache_.get(t0_ + 1s, keep);  // too old even so: waits
  EXPECT_EQ(got.size(), 3u);
  EXPECT_EQ(asked_, 1);
  cache_.publish(text("a 2\n"), t0_ + 60ms);
  EXPECT_EQ(got.back(), "a 2\n");
  EXPECT_EQ(got.size(), 4u);
}

TEST_F(ExpositionCacheTest, AFailedRenderAnswersTheWaitingWithWhatThereIs) {
  std::vector<ExpositionCache::Text> got;
  auto keep = [&](ExpositionCache::Text t) { got.push_back(t); };
  cache_.get(t0_, keep);
  cache_.render_failed();  // before any rendering: nothing to give
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], nullptr);
  cache_.get(t0_ + 1ms, keep);  // and the next scrape asks again
  EXPECT_EQ(asked_, 2);
  cache_.publish(text("a 1\n"), t0_);
  cache_.get(t0_ + 5s, keep);
  cache_.render_failed();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[2]->text, "a 1\n");
  EXPECT_EQ(asked_, 3);
}

TEST(ExpositionCache, ARenderRequestThatThrowsIsAskedAgain) {
  int calls = 0;
  ExpositionCache cache(ExpositionCache::Ages{}, [&] {
    if (++calls == 1) throw std::bad_alloc();
  });
  EXPECT_THROW(cache.get(Clock::now(), [](ExpositionCache::Text) {}), std::bad_alloc);
  cache.get(Clock::now(), [](ExpositionCache::Text) {});
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(cache.renders_requested(), 2u);
}

TEST(ExpositionCache, AgesMustBeInOrder) {
  using namespace std::chrono_literals;
  EXPECT_THROW(ExpositionCache(ExpositionCache::Ages{.fresh = 300ms, .stale = 200ms}, [] {}),
               std::invalid_argument);
  EXPECT_THROW(ExpositionCache(ExpositionCache::Ages{.stale = 2s, .max_stale = 1s}, [] {}),
               std::invalid_argument);
}

TEST_F(ExpositionCacheTest, ScrapesFromManyThreadsAllGetTheirAnswer) {
  // The counting thread: renders whenever asked, through a flag it polls.
  std::atomic<int> requests{0};
  ExpositionCache cache(ExpositionCache::Ages{.fresh = 0ms, .stale = 0ms, .max_stale = 0ms},
                        [&] { ++requests; });
  std::atomic<bool> stop{false};
  std::thread counting([&] {
    int served = 0;
    while (!stop) {
      if (requests.load() > served) {
        ++served;
        cache.publish(text("a 1\n"), Clock::now());
      }
      std::this_thread::yield();
    }
  });
  std::atomic<int> answered{0};
  std::vector<std::thread> scrapers;
  for (int t = 0; t < 4; ++t) {
    scrapers.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        std::atomic<bool> done{false};
        cache.get(Clock::now(), [&](ExpositionCache::Text text) {
          if (text->text == "a 1\n") ++answered;
          done = true;
        });
        while (!done) std::this_thread::yield();
      }
    });
  }
  for (auto& scraper : scrapers) scraper.join();
  stop = true;
  counting.join();
  EXPECT_EQ(answered.load(), 2000);
  EXPECT_LE(cache.renders_requested(), 2000u);
}

}  // namespace
}  // namespace tse
