#include "source/file_tailer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <prometheus/registry.h>

namespace tse {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// What the tailer told every stream, in one shared journal: "begin NAME first|end [head]",
// "bytes TEXT", "idle", "finish".
struct Journal {
  std::vector<std::string> entries;
};

class JournalReader : public StreamReader {
 public:
  explicit JournalReader(Journal& journal) : journal_(journal) {}
  void begin_segment(const std::string& path, SegmentStart start, std::string_view head,
                     bool mid_line) override {
    std::string entry = "begin " + fs::path(path).filename().string() +
                        (start == SegmentStart::kFirstByte ? " first" : " end");
    if (mid_line) entry += " mid-line";
    if (!head.empty()) entry += " [" + std::string(head) + "]";
    journal_.entries.push_back(entry);
  }
  void feed(std::string_view bytes) override {
    if (!journal_.entries.empty() && journal_.entries.back().starts_with("bytes ")) {
      journal_.entries.back() += bytes;  // reads may be chunked any way: join them
    } else {
      journal_.entries.push_back("bytes " + std::string(bytes));
    }
  }
  void idle() override { journal_.entries.push_back("idle"); }
  void finish() override { journal_.entries.push_back("finish"); }

 private:
  Journal& journal_;
};

class FileTailerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char templ[] = "/tmp/tse_tailer_XXXXXX";
    ASSERT_NE(::mkdtemp(templ), nullptr);
    dir_ = templ;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<FileTailer> make(std::vector<std::string> globs, bool from_beginning = false,
                                   std::size_t budget = 64u << 20) {
    TailerOptions options{.globs = std::move(globs),
                          .from_beginning = from_beginning,
                          .idle_after = 1000ms,
                          .read_budget = budget};
    return std::make_unique<FileTailer>(
        options,
        [](std::string_view name) {  // stream key: the name up to the first dot
          return std::string(name.substr(0, name.find('.')));
        },
        [](std::string_view name) { return name.ends_with(".snapshot.log"); },
        [this] { return std::make_unique<JournalReader>(journal_); }, self_);
  }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  void append(const std::string& name, const std::string& bytes) const {
    std::ofstream(path(name), std::ios::app | std::ios::binary) << bytes;
  }
  std::string glob(const std::string& pattern) const { return path(pattern); }
  std::vector<std::string> take() { return std::exchange(journal_.entries, {}); }

  fs::path dir_;
  prometheus::Registry registry_;
  SelfMetrics self_{registry_, "test", "test"};
  Journal journal_;
  std::chrono::steady_clock::time_point t_{};
};

using Entries = std::vector<std::string>;

TEST_F(FileTailerTest, FilesPresentAtStartAreReadFromTheirEnd) {
  append("ts.20250101_000000_000.log", "Application name: X\n\nold\n");
  auto tailer = make({glob("*.log")});
  tailer->poll(t_);
  EXPECT_EQ(take(), Entries{"begin ts.20250101_000000_000.log end [Application name: X\n\nold\n]"});
  append("ts.20250101_000000_000.log", "new\n");
  tailer->poll(t_ += 250ms);
  EXPECT_EQ(take(), Entries{"bytes new\n"});
  EXPECT_EQ(tailer->files_open(), 1u);
}

TEST_F(FileTailerTest, AFileThatEndsMidLineAtStartSaysSo) {
  append("ts.log", "Application name: X\n\n10:15:24.807 Trc 04542 EventErr");
  auto tailer = make({glob("*.log")});
  tailer->poll(t_);
  EXPECT_EQ(take(), Entries{"begin ts.log end mid-line [Application name: X\n\n10:15:24.807 Trc "
                            "04542 EventErr]"});
}

TEST_F(FileTailerTest, AFileEmptyAtStartIsReadFromItsFirstByte) {
  append("ts.log", "");
  auto tailer = make({glob("*.log")});
  tailer->poll(t_);
  append("ts.log", "Application name: X\n\n");
  tailer->poll(t_ += 250ms);
  EXPECT_EQ(take(), (Entries{"begin ts.log first", "bytes Application name: X\n\n"}));
}

TEST_F(FileTailerTest, FromBeginningReadsOldSegmentsInNameOrder) {
  append("ts.20250101_020000_000.log", "two\n");
  append("ts.20250101_010000_000.log", "one\n");
  auto tailer = make({glob("*.log")}, /*from_beginning=*/true);
  tailer->poll(t_);
  EXPECT_EQ(take(), (Entries{"begin ts.20250101_010000_000.log first", "bytes one\n",
                             "begin ts.20250101_020000_000.log first", "bytes two\n"}));
  EXPECT_EQ(tailer->files_open(), 1u);  // the older segment was let go
}

TEST_F(FileTailerTest, OnlyTheNewestSegmentIsFollowedFromTheEndAtStart) {
  append("ts.20250101_010000_000.log", "one\n");
  append("ts.20250101_020000_000.log", "two\n");
  auto tailer = make({glob("*.log")});
  tailer->poll(t_);
  EXPECT_EQ(take(), Entries{"begin ts.20250101_020000_000.log end [two\n]"});
  append("ts.20250101_010000_000.log", "late\n");  // an old segment is never read again
  tailer->poll(t_ += 250ms);
  EXPECT_EQ(take(), Entries{});
}

TEST_F(FileTailerTest, NewSegmentIsReadFromByteZeroAfterTheOldOneIsDrained) {
  append("ts.20250101_010000_000.log", "one\n");
  auto tailer = make({glob("*.log")});
  tailer->poll(t_);
  take();
  append("ts.20250101_010000_000.log", "last of one, unfinished");
  append("ts.20250101_020000_000.log", "Application name: X\n\nfirst of two\n");
  tailer->poll(t_ += 250ms);
  EXPECT_EQ(take(), (Entries{"bytes last of one, unfinished", "begin ts.20250101_020000_000.log first",
                             "bytes Application name: X\n\nfirst of two\n"}));
  EXPECT_EQ(tailer->files_open(), 1u);
}

TEST_F(FileTailerTest, DeletedFileIsDrainedThroughItsDescriptor) {
  append("ts.log", "a\n");
  auto tailer = make({glob("*.log")});
  tailer->poll(t_);
  take();
  append("ts.log", "written before the delete\n");
  fs::remove(path("ts.log"));
  tailer->poll(t_ += 250ms);
  EXPECT_EQ(take(), Entries{"bytes written before the delete\n"});
  EXPECT_EQ(tailer->files_open(), 0u);
}

TEST_F(FileTailerTest, RenameAndCreateDrainsTheOldFileThenReadsTheNewOne) {
  append("ts.log", "a\n");
  auto tailer = make({glob("*.log")});
  tailer->poll(t_);
  take();
  append("ts.log", "tail of old\n");
  fs::rename(path("ts.log"), path("ts.log.1"));
  append("ts.log", "head of new\n");
  tailer->poll(t_ += 250ms);
  EXPECT_EQ(take(), (Entries{"bytes tail of old\n", "begin ts.log first", "bytes head of new\n"}));
}

TEST_F(FileTailerTest, TruncatedFileIsReadAgainFromItsFirstByte) {
  append("ts.log", "0123456789\n");
  auto tailer = make({glob("*.log")});
  tailer->poll(t_);
  take();
  fs::resize_file(path("ts.log"), 0);
  append("ts.log", "new\n");
  tailer->poll(t_ += 250ms);
  EXPECT_EQ(take(), (Entries{"begin ts.log first", "bytes new\n"}));
}

TEST_F(FileTailerTest, ExcludedAndBinaryFilesAreNeverRead) {
  auto tailer = make({glob("*.log")});
  tailer->poll(t_);
  append("ts.snapshot.log", "a snapshot\n");
  append("bin.log", std::string("\x7f" "ELF\0\0\0", 7));
  tailer->poll(t_ += 250ms);
  EXPECT_EQ(take(), Entries{});
  EXPECT_EQ(self_.binary_files.Value(), 1.0);
  append("bin.log", "more\n");
  tailer->poll(t_ += 250ms);
  EXPECT_EQ(take(), Entries{});
  EXPECT_EQ(self_.binary_files.Value(), 1.0);
}

TEST_F(FileTailerTest, AGlobThatMatchesNothingYetIsWaitedFor) {
  auto tailer = make({glob("later/*.log")});
  tailer->poll(t_);
  EXPECT_EQ(take(), Entries{});
  fs::create_directory(dir_ / "later");
  append("later/ts.log", "from byte zero\n");
  tailer->poll(t_ += 250ms);
  EXPECT_EQ(take(), (Entries{"begin ts.log first", "bytes from byte zero\n"}));
}

TEST_F(FileTailerTest, AnEmptyNewFileIsStartedWhenItsFirstBytesArrive) {
  auto tailer = make({glob("*.log")});
  tailer->poll(t_);
  append("ts.log", "");
  tailer->poll(t_ += 250ms);
  EXPECT_EQ(take(), Entries{});
  append("ts.log", "x\n");
  tailer->poll(t_ += 250ms);
  EXPECT_EQ(take(), (Entries{"begin ts.log first", "bytes x\n"}));
}

TEST_F(FileTailerTest, QuietStreamGetsOneIdleSignal) {
  auto tailer = make({glob("*.log")});
  tailer->poll(t_);
  append("ts.log", "x\n");
  tailer->poll(t_ += 250ms);
  take();
  tailer->poll(t_ += 999ms);
  EXPECT_EQ(take(), Entries{});
  tailer->poll(t_ += 1ms);
  EXPECT_EQ(take(), Entries{"idle"});
  tailer->poll(t_ += 5s);
  EXPECT_EQ(take(), Entries{});
}

TEST_F(FileTailerTest, ReadBudgetLeavesTheRestForTheNextPoll) {
  auto tailer = make({glob("*.log")}, false, /*budget=*/4);
  tailer->poll(t_);
  append("ts.log", "0123456789");
  EXPECT_TRUE(tailer->poll(t_ += 1ms));
  EXPECT_TRUE(tailer->poll(t_ += 1ms));
  EXPECT_FALSE(tailer->poll(t_ += 1ms));
  EXPECT_EQ(take(), (Entries{"begin ts.log first", "bytes 0123456789"}));
}

TEST_F(FileTailerTest, ReadOnceReadsEverythingFromByteZeroAndFinishesEachStream) {
  append("a.20250101_020000_000.log", "a2\n");
  append("a.20250101_010000_000.log", "a1\n");
  append("b.log", "b\n");
  append("a.snapshot.log", "never\n");
  auto tailer = make({glob("*.log")});
  tailer->read_once();
  EXPECT_EQ(take(), (Entries{"begin a.20250101_010000_000.log first", "bytes a1\n",
                             "begin a.20250101_020000_000.log first", "bytes a2\n", "finish",
                             "begin b.log first", "bytes b\n", "finish"}));
  EXPECT_EQ(tailer->files_open(), 0u);
}

}  // namespace
}  // namespace tse
