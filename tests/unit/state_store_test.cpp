#include "state/state_store.h"

#ifndef _WIN32
#include <sys/mount.h>
#include <sys/stat.h>
#endif

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <gtest/gtest.h>

#include "temp_dir.h"

namespace tse {
namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class StateStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = tse::testing::make_temp_dir("tse_state_"); }
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

SavedState state_with(std::uint64_t value, std::size_t padding = 0) {
  SavedState state;
  state.counters = {{"event_errors", "A", "", "57", value}};
  if (padding > 0) state.counters.push_back({"requests", std::string(padding, 'x'), "", "", 1});
  return state;
}

std::string save(StateStore& store, std::uint64_t value, std::size_t padding = 0) {
  std::string error;
  return store.save(serialize_state(state_with(value, padding)), error) ? std::string() : error;
}

TEST_F(StateStoreTest, TheDirectoryIsCreatedPrivateAndThePreviousGenerationKept) {
  StateStore store((dir_ / "new").string());
  ASSERT_EQ(save(store, 1), "");
#ifndef _WIN32  // Windows: an access list instead of modes, which wine does not enforce
  struct stat st {};
  ASSERT_EQ(::stat((dir_ / "new").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  ASSERT_EQ(::stat(store.path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
#endif
  ASSERT_EQ(save(store, 2), "");
  EXPECT_EQ(read_text(store.previous_path()), serialize_state(state_with(1)));
  EXPECT_EQ(read_text(store.path()), serialize_state(state_with(2)));
}

#ifndef _WIN32  // symbolic links need a privilege on Windows, and wine's differ
// A link planted where the temporary file or the previous generation goes never makes the
// exporter write another file: the link itself is replaced.
TEST_F(StateStoreTest, PlantedLinksAreReplacedNeverWrittenThrough) {
  const fs::path victim = dir_ / "victim";
  std::ofstream(victim) << "precious\n";
  StateStore store((dir_ / "state").string());
  ASSERT_EQ(save(store, 1), "");
  fs::create_symlink(victim, store.path() + ".tmp");
  fs::create_symlink(victim, store.previous_path());
  fs::create_symlink(victim, store.previous_path() + ".tmp");
  ASSERT_EQ(save(store, 2), "");
  EXPECT_EQ(read_text(victim), "precious\n");
  EXPECT_FALSE(fs::is_symlink(store.previous_path()));
  EXPECT_FALSE(fs::exists(store.path() + ".tmp"));
  EXPECT_FALSE(fs::exists(store.previous_path() + ".tmp"));
  EXPECT_EQ(read_text(store.path()), serialize_state(state_with(2)));
  EXPECT_EQ(read_text(store.previous_path()), serialize_state(state_with(1)));
}
#endif

// One flipped byte in the newest generation: the previous one is used, whole, and the next
// write does not rotate the corrupt file over it.
TEST_F(StateStoreTest, ACorruptNewestFallsBackToThePreviousGeneration) {
  StateStore store(dir_.string());
  ASSERT_EQ(save(store, 1), "");
  ASSERT_EQ(save(store, 2), "");
  std::string text = read_text(store.path());
  text[text.find("\t57\t2\n") + 4] ^= 0x01;  // the value 2 becomes 3
  std::ofstream(store.path(), std::ios::binary | std::ios::trunc) << text;

  StateStore restarted(dir_.string());
  SavedState state;
  std::string error;
  EXPECT_EQ(restarted.load(state, error), StateStore::LoadResult::kLoadedPrevious);
  EXPECT_TRUE(restarted.newest_invalid());
  EXPECT_EQ(error, store.path() + " is corrupt (checksum mismatch)");
  EXPECT_EQ(state, state_with(1));
  ASSERT_EQ(save(restarted, 3), "");
  EXPECT_EQ(read_text(restarted.previous_path()), serialize_state(state_with(1)));
  ASSERT_EQ(save(restarted, 4), "");
  EXPECT_EQ(read_text(restarted.previous_path()), serialize_state(state_with(3)));

  // Newest missing (a crash between the two renames): the previous one, not a first start.
  fs::remove(store.path());
  StateStore again(dir_.string());
  EXPECT_EQ(again.load(state, error), StateStore::LoadResult::kLoadedPrevious);
  EXPECT_FALSE(again.newest_invalid());
  EXPECT_EQ(state, state_with(3));
}

// A full disk (a 64 KiB tmpfs): the write fails, leaves no temporary file, and the last good
// generation is intact and loaded.
#ifndef _WIN32  // a small tmpfs to fill
TEST_F(StateStoreTest, AFullDiskLeavesTheLastGoodStateIntact) {
  const fs::path mount = dir_ / "small";
  fs::create_directory(mount);
  if (::mount("tmpfs", mount.c_str(), "tmpfs", 0, "size=64k") != 0) {
    GTEST_SKIP() << "cannot mount a tmpfs here (" << std::strerror(errno)
                 << "): needs root or CAP_SYS_ADMIN";
  }
  struct Unmount {
    fs::path path;
    ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
  } unmount{mount};
  StateStore store(mount.string());
  ASSERT_EQ(save(store, 1, 24000), "");
  ASSERT_EQ(save(store, 2, 24000), "");
  const std::string error = save(store, 3, 24000);  // the two generations fill the disk
  EXPECT_NE(error.find("No space left on device"), std::string::npos) << error;
  EXPECT_FALSE(fs::exists(store.path() + ".tmp"));
  StateStore restarted(mount.string());
  SavedState state;
  std::string load_error;
  EXPECT_EQ(restarted.load(state, load_error), StateStore::LoadResult::kLoaded) << load_error;
  EXPECT_EQ(state, state_with(2, 24000));
  EXPECT_EQ(read_text(store.previous_path()), serialize_state(state_with(1, 24000)));
}

#endif

TEST_F(StateStoreTest, ACorruptFileIsInvalidWithAReason) {
  StateStore store(dir_.string());
  std::ofstream(store.path(), std::ios::binary)
      << "tserver_exporter_state\t2\ncounter\tevent_errors\tA\t\t57\t1\n"
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
#ifdef _WIN32  // the system's own words, in the system's language
  EXPECT_TRUE(error.starts_with("cannot write " + (dir_ / "file").string() +
                                "/tserver_exporter.state.tmp: "))
      << error;
#else
  EXPECT_EQ(error, "cannot write " + (dir_ / "file").string() +
                       "/tserver_exporter.state.tmp: Not a directory");
#endif
}

}  // namespace
}  // namespace tse
