#include "state/state_store.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace tse {
namespace {

namespace fs = std::filesystem;

class StateStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char templ[] = "/tmp/tse_state_XXXXXX";
    ASSERT_NE(::mkdtemp(templ), nullptr);
    dir_ = templ;
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(StateStoreTest, MissingThenSavedThenLoaded) {
  StateStore store((dir_ / "sub" / "dir").string());
  SavedState state;
  std::string error;
  EXPECT_EQ(store.load(state, error), StateStore::LoadResult::kMissing);
  SavedState saved;
  saved.counters = {{"event_errors", "A", "", "57", 2}};
  ASSERT_TRUE(store.save(serialize_state(saved), error)) << error;
  EXPECT_FALSE(fs::exists(store.path() + ".tmp"));
  EXPECT_EQ(store.load(state, error), StateStore::LoadResult::kLoaded) << error;
  EXPECT_EQ(state, saved);
  saved.counters[0].value = 3;
  ASSERT_TRUE(store.save(serialize_state(saved), error)) << error;
  EXPECT_EQ(store.load(state, error), StateStore::LoadResult::kLoaded);
  EXPECT_EQ(state.counters[0].value, 3u);
}

TEST_F(StateStoreTest, ACorruptFileIsInvalidWithAReason) {
  StateStore store(dir_.string());
  std::ofstream(store.path()) << "tserver_exporter_state\t2\ncounter\tevent_errors\tA\t\t57\t1\n"
                                 "checksum\t0\n";
  SavedState state;
  std::string error;
  EXPECT_EQ(store.load(state, error), StateStore::LoadResult::kInvalid);
  EXPECT_EQ(error, store.path() + " is corrupt (checksum mismatch)");
}

TEST_F(StateStoreTest, AnUnwritableDirectoryIsAnError) {
  std::ofstream(dir_ / "file") << "x";
  StateStore store((dir_ / "file").string());  // a file where the directory should be
  std::string error;
  EXPECT_FALSE(store.save("x", error));
  EXPECT_EQ(error, "cannot write " + (dir_ / "file").string() +
                       "/tserver_exporter.state.tmp: Not a directory");
}

}  // namespace
}  // namespace tse
