#include "source/file_tailer.h"

#include <fcntl.h>
#ifndef _WIN32
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include "metrics/error_metrics.h"
#include "os/file_system.h"
#include "os/path.h"
#include "pipeline/tserver_log_reader.h"
#include "platform.h"
#include "temp_dir.h"

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
  void begin_segment(const SegmentBegin& begin) override {
    std::string entry = "begin " + fs::path(std::string(begin.path)).filename().string() +
                        (begin.start == SegmentStart::kFirstByte ? " first"
                         : begin.start == SegmentStart::kEnd     ? " end"
                                                                 : " resume");
    if (begin.start != SegmentStart::kFirstByte) entry += " @" + std::to_string(begin.offset);
    if (begin.mid_line) entry += " mid-line";
    if (!begin.context.empty()) entry += " ctx=" + std::string(begin.context);
    if (!begin.head.empty()) entry += " [" + std::string(begin.head) + "]";
    journal_.entries.push_back(entry);
    ++serial_;
    offset_ = begin.start == SegmentStart::kFirstByte ? 0 : begin.offset;
  }
  Checkpoint checkpoint() const override { return Checkpoint{serial_, offset_, "ctx"}; }
  void feed(std::string_view bytes) override {
    if (!journal_.entries.empty() && journal_.entries.back().starts_with("bytes ")) {
      journal_.entries.back() += bytes;  // reads may be chunked any way: join them
    } else {
      journal_.entries.push_back("bytes " + std::string(bytes));
    }
    offset_ += bytes.size();  // this reader counts every byte fed as done
  }
  void idle() override { journal_.entries.push_back("idle"); }
  void finish() override { journal_.entries.push_back("finish"); }

 private:
  Journal& journal_;
  std::uint64_t serial_ = 0;
  std::uint64_t offset_ = 0;
};

// The file index the tailer saves for a path (POSIX: the inode).
std::uint64_t inode_of(const std::string& path) { return os::status_at(path).status.id.inode; }

class FileTailerTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = tse::testing::make_temp_dir("tse_tailer_"); }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<FileTailer> make(std::vector<std::string> globs, bool from_beginning = false,
                                   std::size_t budget = 64u << 20,
                                   std::vector<StreamPosition> resume = {}) {
    TailerOptions options{.globs = std::move(globs),
                          .from_beginning = from_beginning,
                          .idle_after = 1000ms,
                          .read_budget = budget,
                          .resume = std::move(resume),
                          .max_open_files = max_open_files_,
                          .max_streams = max_streams_};
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
  // A label value as the text format writes it ('\' of Windows paths escaped).
  static std::string label(const std::string& value) {
    std::string out;
    for (const char c : value) {
      if (c == '\\') out += '\\';
      out += c;
    }
    return out;
  }
  std::vector<std::string> take() { return std::exchange(journal_.entries, {}); }
  // Segment one read from byte 0, then let go for segment two.
  std::unique_ptr<FileTailer> let_go_segment_one() {
    append("ts.20250101_010000_000.log", "one\n");
    auto tailer = make({glob("*.log")}, /*from_beginning=*/true);
    tailer->poll(t_);
    append("ts.20250101_020000_000.log", "two\n");
    tailer->poll(t_ += 250ms);
    take();
    return tailer;
  }
  // Two log directories a/ and b/, for the globs a reload adds and removes: a/ts.log holds
  // "a1\n", b/other.log "b1\n".
  void two_directories(bool with_other = true) const {
    fs::create_directories(dir_ / "a");
    fs::create_directories(dir_ / "b");
    append("a/ts.log", "a1\n");
    if (with_other) append("b/other.log", "b1\n");
  }
  void write(const std::string& name, const std::string& bytes) const {
    std::ofstream(path(name), std::ios::trunc | std::ios::binary) << bytes;
  }
  // The value of one self-metric series as a scrape shows it ("" when there is none).
  std::string metric(const std::string& series) {
    const std::string text = prometheus::TextSerializer().Serialize(registry_.Collect());
    const std::size_t at = text.find("\n" + series + " ");
    if (at == std::string::npos) return "";
    const std::size_t from = at + series.size() + 2;
    return text.substr(from, text.find('\n', from) - from);
  }

  fs::path dir_;
  prometheus::Registry registry_;
  SelfMetrics self_{registry_, "test", "test"};
  Journal journal_;
  std::chrono::steady_clock::time_point t_{};
  std::size_t max_open_files_ = 0;
  std::size_t max_streams_ = 1024;
};

using Entries = std::vector<std::string>;

TEST_F(FileTailerTest, FilesPresentAtStartAreReadFromTheirEnd) {
  append("ts.20250101_000000_000.log", "Application name: X\n\nold\n");
  auto tailer = make({glob("*.log")});
  tailer->poll(t_);
  EXPECT_EQ(take(),
            Entries{"begin ts.20250101_000000_000.log end @25 [Application name: X\n\nold\n]"});
  append("ts.20250101_000000_000.log", "new\n");
  tailer->poll(t_ += 250ms);
  EXPECT_EQ(take(), Entries{"bytes new\n"});
  EXPECT_EQ(tailer->files_open(), 1u);
}

TEST_F(FileTailerTest, AFileThatEndsMidLineAtStartSaysSo) {
  append("ts.log", "Application name: X\n\n10:15:24.807 Trc 04542 EventErr");
  auto tailer = make({glob("*.log")});
  tailer->poll(t_);
  EXPECT_EQ(take(), Entries{"begin ts.log end @52 mid-line [Application name: X\n\n10:15:24.807 "
                            "Trc 04542 EventErr]"});
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
  EXPECT_EQ(take(), Entries{"begin ts.20250101_020000_000.log end @4 [two\n]"});
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
  EXPECT_EQ(take(),
            (Entries{"bytes last of one, unfinished", "begin ts.20250101_020000_000.log first",
                     "bytes Application name: X\n\nfirst of two\n"}));
  EXPECT_EQ(tailer->files_open(), 1u);
}

TEST_F(FileTailerTest, DeletedFileIsDrainedThroughItsDescriptor) {
  if (tse::testing::running_under_wine()) GTEST_SKIP() << tse::testing::kWineKeepsDeletedNames;
  append("ts.log", "a\n");
  auto tailer = make({glob("*.log")});
  tailer->poll(t_);
  take();
  append("ts.log", "written before the delete\n");
  fs::remove(path("ts.log"));
  tailer->poll(t_ += 250ms);
  EXPECT_EQ(take(), Entries{"bytes written before the delete\n"});
  EXPECT_EQ(tailer->files_open(), 1u);  // it may yet come back
  tailer->poll(t_ += FileTailer::kVanishedGrace);
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

// Found by the soak test: under fast rename-and-create rotation a segment can wait behind an
// old one still being read, and be renamed out of the globs before it was ever opened. It must
// be read all the same (it is found by its inode in its directory), not dropped.
TEST_F(FileTailerTest, AWaitingSegmentRenamedAwayBeforeItWasOpenedIsStillRead) {
  append("ts.log", "a\n");
  auto tailer = make({glob("*.log")}, /*from_beginning=*/false, /*budget=*/8);
  tailer->poll(t_);
  take();
  append("ts.log", "0123456789abcdef\n");  // more than one poll's budget
  fs::rename(path("ts.log"), path("ts.log.1"));
  append("ts.log", "second\n");
  tailer->poll(t_ += 250ms);  // reads 8 bytes of the old file; "second" waits
  fs::rename(path("ts.log"), path("ts.log.2"));
  append("ts.log", "third\n");
  for (int i = 0; i < 3; ++i) tailer->poll(t_ += 250ms);
  EXPECT_EQ(take(), (Entries{"bytes 0123456789abcdef\n", "begin ts.log.2 first", "bytes second\n",
                             "begin ts.log first", "bytes third\n"}));
}

// Every log stream holds a parser and its unfinished line: their number is capped, and the files
// of streams past the cap are not read (and show in a gauge), while the streams under it go on.
// Streams whose files are all gone do not hold their place for good (found by review: logs named
// by date would otherwise fill the cap and stop the counting).
TEST_F(FileTailerTest, FilesOfMoreStreamsThanTheLimitAreNotRead) {
  if (tse::testing::running_under_wine()) GTEST_SKIP() << tse::testing::kWineKeepsDeletedNames;
  max_streams_ = 2;
  append("a.log", "a1\n");
  append("b.log", "b1\n");
  auto tailer = make({glob("*.log")}, /*from_beginning=*/true);
  tailer->poll(t_);
  append("c.log", "c1\n");
  append("a.20250101_010000_000.log", "a2\n");
  tailer->poll(t_ += 250ms);
  const auto entries = take();
  EXPECT_EQ(std::count(entries.begin(), entries.end(), "bytes c1\n"), 0);
  EXPECT_EQ(std::count(entries.begin(), entries.end(), "bytes a2\n"), 1);
  EXPECT_EQ(metric("tserver_exporter_files_refused"), "1");
  // A stream whose files are all gone is forgotten after the grace period: its place goes to c.
  fs::remove(path("b.log"));
  tailer->poll(t_ += 250ms);
  EXPECT_EQ(metric("tserver_exporter_files_refused"), "1");
  tailer->poll(t_ += FileTailer::kVanishedGrace);  // b's file let go: its stream is empty
  tailer->poll(t_ += FileTailer::kVanishedGrace);  // and forgotten
  tailer->poll(t_ += 250ms);
  const auto later = take();
  EXPECT_EQ(std::count(later.begin(), later.end(), "bytes c1\n"), 1);
  EXPECT_EQ(metric("tserver_exporter_files_refused"), "0");
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
  append("bin.log", std::string("\x7f"
                                "ELF\0\0\0",
                                7));
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

TEST_F(FileTailerTest, BacklogIsCountedPerGlobAndVanishedFilesAreCounted) {
  if (tse::testing::running_under_wine()) GTEST_SKIP() << tse::testing::kWineKeepsDeletedNames;
  auto tailer = make({glob("*.log"), glob("none/*.log")}, false, /*budget=*/4);
  tailer->poll(t_);
  EXPECT_EQ(self_.globs_unmatched.Value(), 2.0);
  append("ts.log", "0123456789");
  tailer->poll(t_ += 1ms);  // 4 of 10 bytes read
  EXPECT_EQ(self_.backlog_bytes.Add({{"glob", glob("*.log")}}).Value(), 6.0);
  EXPECT_EQ(self_.backlog_bytes.Add({{"glob", glob("none/*.log")}}).Value(), 0.0);
  EXPECT_EQ(self_.globs_unmatched.Value(), 1.0);
  fs::remove(path("ts.log"));
  tailer->poll(t_ += 1ms);
  EXPECT_EQ(self_.files_vanished.Value(), 1.0);
  tailer->poll(t_ += 1ms);
  tailer->poll(t_ += 1ms);
  EXPECT_EQ(take(), (Entries{"begin ts.log first", "bytes 0123456789"}));  // drained all the same
  EXPECT_EQ(self_.files_vanished.Value(), 1.0);
  EXPECT_EQ(self_.backlog_bytes.Add({{"glob", glob("*.log")}}).Value(), 0.0);
}

#ifndef _WIN32  // Windows refuses to remove a folder while a file in it is open
TEST_F(FileTailerTest, ADirectoryRemovedAndRecreatedIsFollowedAgain) {
  fs::create_directory(dir_ / "logs");
  append("logs/ts.log", "a\n");
  auto tailer = make({glob("logs/*.log")});
  tailer->poll(t_);
  take();
  fs::remove_all(dir_ / "logs");
  tailer->poll(t_ += 250ms);
  EXPECT_EQ(self_.globs_unmatched.Value(), 1.0);
  fs::create_directory(dir_ / "logs");
  append("logs/ts.log", "back\n");
  tailer->poll(t_ += 250ms);
  EXPECT_EQ(take(), (Entries{"begin ts.log first", "bytes back\n"}));
  EXPECT_EQ(self_.globs_unmatched.Value(), 0.0);
}

#endif

TEST_F(FileTailerTest, AFileThatVanishedAndCameBackGoesOnWhereItWas) {
  append("ts.log", "a\n");
  auto tailer = make({glob("*.log")});
  tailer->poll(t_);
  take();
  fs::rename(path("ts.log"), path("away"));
  tailer->poll(t_ += 250ms);
  fs::rename(path("away"), path("ts.log"));  // the same file, back under its name
  append("ts.log", "b\n");
  tailer->poll(t_ += 250ms);
  EXPECT_EQ(take(), Entries{"bytes b\n"});
  EXPECT_EQ(self_.files_vanished.Value(), 1.0);
}

TEST_F(FileTailerTest, ANewFileOnTheInodeOfALetGoSegmentIsRead) {
  auto tailer = let_go_segment_one();
  const std::uint64_t old_inode = inode_of(path("ts.20250101_010000_000.log"));
  fs::remove(path("ts.20250101_010000_000.log"));
  append("ts.20250101_030000_000.log", "three, maybe on the freed inode\n");
  if (inode_of(path("ts.20250101_030000_000.log")) != old_inode) {
    std::cout << "(the inode was not reused this time)\n";
  }
  tailer->poll(t_ += 250ms);
  EXPECT_EQ(take(), (Entries{"begin ts.20250101_030000_000.log first",
                             "bytes three, maybe on the freed inode\n"}));
}

// A first run reads `name` from its beginning and returns its saved positions.
class FileTailerResumeTest : public FileTailerTest {
 protected:
  std::vector<StreamPosition> run_and_save() {
    auto first = make({glob("*.log")}, /*from_beginning=*/true);
    first->poll(t_);
    take();
    return first->positions();
  }
  std::unique_ptr<FileTailer> restart(std::vector<StreamPosition> saved) {
    auto tailer = make({glob("*.log")}, false, 64u << 20, std::move(saved));
    return tailer;
  }
};

TEST_F(FileTailerResumeTest, PositionsNameTheFileAndItsOffset) {
  append("ts.log", "abc\n");
  const auto saved = run_and_save();
  ASSERT_EQ(saved.size(), 1u);
  EXPECT_EQ(saved[0].stream, os::normal_directory(dir_.string()) + "/ts");
  EXPECT_EQ(saved[0].path, path("ts.log"));
  EXPECT_EQ(saved[0].offset, 4u);
  EXPECT_EQ(saved[0].context, "ctx");
  EXPECT_EQ(saved[0].fingerprint_size, 4u);
  EXPECT_EQ(saved[0].inode, inode_of(path("ts.log")));
}

TEST_F(FileTailerResumeTest, ResumesTheSavedFileAtItsOffset) {
  append("ts.log", "abc\n");
  const auto saved = run_and_save();
  append("ts.log", "written while stopped\n");
  auto tailer = restart(saved);
  tailer->poll(t_);
  EXPECT_EQ(take(),
            (Entries{"begin ts.log resume @4 ctx=ctx [abc\n]", "bytes written while stopped\n"}));
}

// A glob written another way after a restart (found by the Windows end-to-end test, where the
// case and '\\' make it likely): the saved position is found, and nothing is read twice.
TEST_F(FileTailerResumeTest, AGlobRespelledAfterARestartResumesItsStream) {
  append("ts.log", "abc\n");
  auto saved = run_and_save();
  append("ts.log", "written while stopped\n");
  std::string respelled = dir_.string() + "//./" + "*.log";
#ifdef _WIN32
  for (char& c : respelled) c = c == '/' ? '\\' : static_cast<char>(std::toupper(c));
#endif
  auto tailer = make({respelled}, false, 64u << 20, std::move(saved));
  tailer->poll(t_);
  const Entries got = take();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_TRUE(got[0].ends_with(" resume @4 ctx=ctx [abc\n]")) << got[0];
  EXPECT_EQ(got[1], "bytes written while stopped\n");
  ASSERT_EQ(tailer->positions().size(), 1u);
}

TEST_F(FileTailerResumeTest, NewerSegmentsAreReadFromByteZeroAndOlderOnesNever) {
  append("ts.20250101_010000_000.log", "one\n");
  append("ts.20250101_020000_000.log", "two\n");
  const auto saved = run_and_save();
  ASSERT_EQ(saved.size(), 1u);
  EXPECT_EQ(saved[0].path, path("ts.20250101_020000_000.log"));
  append("ts.20250101_020000_000.log", "more two\n");
  append("ts.20250101_030000_000.log", "three\n");
  fs::remove(path("ts.20250101_010000_000.log"));
  append("ts.20250101_000000_000.log", "older, never\n");
  auto tailer = restart(saved);
  tailer->poll(t_);
  EXPECT_EQ(take(), (Entries{"begin ts.20250101_020000_000.log resume @4 ctx=ctx [two\n]",
                             "bytes more two\n", "begin ts.20250101_030000_000.log first",
                             "bytes three\n"}));
}

TEST_F(FileTailerResumeTest, AFileRewrittenWhileStoppedIsReadFromByteZero) {
  append("ts.log", "first life of the file\n");
  const auto saved = run_and_save();
  fs::resize_file(path("ts.log"), 0);
  append("ts.log", "second life, longer than the first one\n");
  auto tailer = restart(saved);
  tailer->poll(t_);
  EXPECT_EQ(take(),
            (Entries{"begin ts.log first", "bytes second life, longer than the first one\n"}));
}

TEST_F(FileTailerResumeTest, AFileReplacedWhileStoppedIsReadFromByteZero) {
  append("ts.log", "old\n");
  const auto saved = run_and_save();
  fs::remove(path("ts.log"));
  append("ts.log", "new file\n");
  auto tailer = restart(saved);
  tailer->poll(t_);
  EXPECT_EQ(take(), (Entries{"begin ts.log first", "bytes new file\n"}));
}

TEST_F(FileTailerResumeTest, AFileRenamedAwayWhileStoppedIsDrainedFirst) {
  append("ts.log", "old\n");
  const auto saved = run_and_save();
  append("ts.log", "rest of old\n");
  fs::rename(path("ts.log"), path("ts.log.1"));
  append("ts.log", "new\n");
  auto tailer = restart(saved);
  tailer->poll(t_);
  EXPECT_EQ(take(), (Entries{"begin ts.log.1 resume @4 ctx=ctx [old\n]", "bytes rest of old\n",
                             "begin ts.log first", "bytes new\n"}));
}

TEST_F(FileTailerResumeTest, StreamsTheSavedStateDidNotKnowAreReadFromByteZero) {
  append("ts.log", "abc\n");
  const auto saved = run_and_save();
  append("other.log", "appeared after the last save\n");
  TailerOptions options{.globs = {glob("*.log")}, .resume = saved, .resumed = true};
  FileTailer tailer(
      options, [](std::string_view name) { return std::string(name.substr(0, name.find('.'))); },
      [](std::string_view) { return false; },
      [this] { return std::make_unique<JournalReader>(journal_); }, self_);
  tailer.poll(t_);
  EXPECT_EQ(take(), (Entries{"begin other.log first", "bytes appeared after the last save\n",
                             "begin ts.log resume @4 ctx=ctx [abc\n]"}));
}

// ------------------------------------------------------------------------------------------
// Never blocked by a file that is not a regular file.

class FileTailerFifoTest : public FileTailerTest {
 protected:
  void make_fifo(const std::string& name) {
#ifdef _WIN32
    GTEST_FAIL() << "no FIFOs on Windows: " << name;
#else
    fs::remove(path(name));
    ASSERT_EQ(::mkfifo(path(name).c_str(), 0600), 0) << std::strerror(errno);
    fifos_.push_back(path(name));
#endif
  }
  // One poll on another thread: false when it has not returned within 5 s. It is then let go by
  // opening the FIFOs for writing, so that the test ends either way.
  bool poll_returns(FileTailer& tailer) {
    auto done = std::async(std::launch::async, [&] { tailer.poll(t_ += 250ms); });
    if (done.wait_for(5s) == std::future_status::ready) return true;
    while (done.wait_for(10ms) != std::future_status::ready) {
#ifndef _WIN32
      for (const auto& fifo : fifos_) {
        const int fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd >= 0) ::close(fd);
      }
#endif
    }
    return false;
  }
  std::vector<std::string> fifos_;
};

#ifndef _WIN32  // FIFOs and RLIMIT_NOFILE are POSIX
TEST_F(FileTailerFifoTest, AWaitingSegmentReplacedByAFifoIsNeverOpened) {
  append("ts.20250101_010000_000.log", "one\n");
  append("ts.20250101_020000_000.log", "two\n");
  auto tailer = make({glob("*.log")}, /*from_beginning=*/true, /*budget=*/2);
  tailer->poll(t_);  // two bytes of segment one; segment two waits
  make_fifo("ts.20250101_020000_000.log");
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(poll_returns(*tailer)) << "poll " << i << " blocked";
  EXPECT_EQ(take(), (Entries{"begin ts.20250101_010000_000.log first", "bytes one\n"}));
  EXPECT_EQ(metric("tserver_exporter_file_errors_total{reason=\"not_regular\"}"), "1");
  append("ts.20250101_030000_000.log", "three\n");  // the stream goes on
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(poll_returns(*tailer));
  EXPECT_EQ(take(), (Entries{"begin ts.20250101_030000_000.log first", "bytes three\n"}));
}

TEST_F(FileTailerFifoTest, AFollowedFileReplacedByAFifoIsDrainedAndTheFifoNeverRead) {
  append("ts.log", "a\n");
  auto tailer = make({glob("*.log")});
  tailer->poll(t_);
  take();
  append("ts.log", "before the fifo\n");
  make_fifo("ts.log");
  ASSERT_TRUE(poll_returns(*tailer));
  EXPECT_EQ(take(), Entries{"bytes before the fifo\n"});
  t_ += FileTailer::kVanishedGrace;
  ASSERT_TRUE(poll_returns(*tailer));
  ASSERT_TRUE(poll_returns(*tailer));
  EXPECT_EQ(take(), Entries{"idle"});
  EXPECT_EQ(tailer->files_open(), 0u);
}

TEST_F(FileTailerFifoTest, ALetGoSegmentReplacedByAFifoIsNeverOpened) {
  auto tailer = let_go_segment_one();
  make_fifo("ts.20250101_010000_000.log");
  ASSERT_TRUE(poll_returns(*tailer));
  ASSERT_TRUE(poll_returns(*tailer));
  EXPECT_EQ(take(), Entries{});
}

TEST_F(FileTailerFifoTest, AFifoAtTheSavedPathOfAResumeIsNeverOpened) {
  append("ts.log", "one\n");
  std::vector<StreamPosition> saved;
  {
    auto first = make({glob("*.log")}, /*from_beginning=*/true);
    first->poll(t_);
    saved = first->positions();
  }
  take();
  ASSERT_EQ(saved.size(), 1u);
  make_fifo("ts.log");
  struct stat st {};
  ASSERT_EQ(::stat(path("ts.log").c_str(), &st), 0);
  saved[0].inode = st.st_ino;  // as if the saved file's inode now held the FIFO
  auto tailer = make({glob("*.log")}, false, 64u << 20, saved);
  ASSERT_TRUE(poll_returns(*tailer));
  EXPECT_EQ(take(), Entries{});
  append("ts.2.log", "new\n");
  ASSERT_TRUE(poll_returns(*tailer));
  EXPECT_EQ(take(), (Entries{"begin ts.2.log first", "bytes new\n"}));
}

// ------------------------------------------------------------------------------------------
// Out of descriptors: nothing is taken for gone.

TEST_F(FileTailerTest, AScanWithoutDescriptorsTakesNoFileForGone) {
  fs::create_directory(dir_ / "logs");
  append("logs/ts.log", "a\n");
  auto tailer = make({glob("logs/*.log")});
  tailer->poll(t_);
  take();
#if defined(__SANITIZE_ADDRESS__)
  // UndefinedBehaviorSanitizer checks a virtual call's object, the first time it meets its
  // type, with a pipe: without descriptors it reports every such call (spdlog's, fmt's) as bad.
  GTEST_SKIP() << "the sanitizers need descriptors that this test takes away";
#endif
  // The lowest free descriptor becomes the limit: glob() cannot open the directory.
  const int probe = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(probe, 0);
  ::close(probe);
  struct rlimit saved {};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
  struct rlimit low = saved;
  low.rlim_cur = static_cast<rlim_t>(probe);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
  tailer->poll(t_ += 250ms);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &saved), 0);
  EXPECT_EQ(self_.files_vanished.Value(), 0.0);
  EXPECT_EQ(self_.globs_unmatched.Value(), 0.0);
  append("logs/ts.log", "b\n");
  tailer->poll(t_ += 250ms);
  EXPECT_EQ(take(), Entries{"bytes b\n"});
  EXPECT_EQ(self_.files_vanished.Value(), 0.0);
}

#endif

// ------------------------------------------------------------------------------------------
// Binary by content, not by one NUL.

TEST_F(FileTailerTest, OneNulByteDoesNotMakeALogBinaryButAMagicNumberDoes) {
  auto tailer = make({glob("*.log")});
  tailer->poll(t_);
  const std::string text =
      std::string("Application name: X\n\nmasked \0 value\n", 37) + std::string(2000, 'x') + "\n";
  append("ts.log", text);
  append("gz.log", std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03text after it\n", 24));
  append("ctl.log", std::string(100, '\x01') + std::string(100, 'a'));  // 50 % controls
  tailer->poll(t_ += 250ms);
  EXPECT_EQ(take(), (Entries{"begin ts.log first", "bytes " + text}));
  EXPECT_EQ(self_.binary_files.Value(), 2.0);
}

// ------------------------------------------------------------------------------------------
// A rewrite seen while following.

TEST_F(FileTailerTest, AFileTruncatedAndRewrittenLongerWithinOnePollIsReadAgain) {
  auto tailer = make({glob("*.log")});
  tailer->poll(t_);
  append("ts.log", "head A\n1\n2\n3\n");
  tailer->poll(t_ += 250ms);
  take();
  const std::string rewritten = "head B\n1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n";
  write("ts.log", rewritten);  // longer than what was read: no truncation to see
  tailer->poll(t_ += 250ms);
  EXPECT_EQ(take(), (Entries{"begin ts.log first", "bytes " + rewritten}));
  EXPECT_EQ(self_.truncations.Value(), 1.0);
  append("ts.log", "11\n");  // appends after it are no rewrite
  tailer->poll(t_ += 250ms);
  EXPECT_EQ(take(), Entries{"bytes 11\n"});
  EXPECT_EQ(self_.truncations.Value(), 1.0);
}

// ------------------------------------------------------------------------------------------
// Positions: the checkpoint's segment is kept whatever came after it.

// A reader whose checkpoint stays in its first segment (a record left open there).
class HeldReader : public JournalReader {
 public:
  using JournalReader::JournalReader;
  Checkpoint checkpoint() const override { return Checkpoint{1, 2, "held"}; }
};

TEST_F(FileTailerTest, APositionIsSavedWhenTheCheckpointLiesManySegmentsBack) {
  TailerOptions options{.globs = {glob("*.log")}, .from_beginning = true};
  FileTailer tailer(
      options, [](std::string_view) { return std::string("ts"); },
      [](std::string_view) { return false; },
      [this] { return std::make_unique<HeldReader>(journal_); }, self_);
  append("ts.20250101_000000_000.log", "first\n");
  for (int i = 1; i <= 40; ++i) {
    char name[64];
    std::snprintf(name, sizeof name, "ts.20250101_%02d0000_000.log", i);
    append(name, "later\n");
  }
  tailer.poll(t_);
  const auto positions = tailer.positions();
  ASSERT_EQ(positions.size(), 1u);
  EXPECT_EQ(fs::path(positions[0].path).filename(), "ts.20250101_000000_000.log");
  EXPECT_EQ(positions[0].offset, 2u);
  EXPECT_EQ(positions[0].context, "held");
}

// ------------------------------------------------------------------------------------------
// A descriptor budget: files beyond it are read in turn.

class FileTailerBudgetTest : public FileTailerFifoTest {
 protected:
  void SetUp() override {
    FileTailerFifoTest::SetUp();
    max_open_files_ = 2;
  }
};

TEST_F(FileTailerBudgetTest, FilesBeyondTheBudgetAreReadInTurn) {
  const std::vector<std::string> names{"a.log", "b.log", "c.log", "d.log", "e.log"};
  for (const auto& name : names) append(name, "x\n");
  auto tailer = make({glob("*.log")});
  tailer->poll(t_);
  EXPECT_LE(tailer->files_open(), 2u);
  for (int round = 0; round < 3; ++round) {
    take();
    for (const auto& name : names) append(name, name + " " + std::to_string(round) + "\n");
    ASSERT_TRUE(poll_returns(*tailer));
    EXPECT_LE(tailer->files_open(), 2u);
    std::string want = "bytes ";  // (the journal joins the bytes of streams read one after another)
    for (const auto& name : names) want += name + " " + std::to_string(round) + "\n";
    Entries got = take();
    std::erase_if(got, [](const std::string& e) { return e.starts_with("begin"); });
    EXPECT_EQ(got, Entries{want}) << "round " << round;
  }
  EXPECT_GT(self_.files_parked.Value(), 0.0);
  EXPECT_EQ(self_.files_vanished.Value(), 0.0);
  EXPECT_EQ(self_.files_waiting.Value(), 0.0);
}

#ifndef _WIN32  // a FIFO
TEST_F(FileTailerBudgetTest, AClosedFileRewrittenOrReplacedIsNotReadOnAsTheSame) {
  append("a.log", "a\n");
  append("b.log", "b\n");
  append("c.log", "c\n");
  auto tailer = make({glob("*.log")});
  tailer->poll(t_);  // one of the three is closed
  take();
  write("a.log", "rewritten a, longer than before\n");
  make_fifo("b.log");
  append("c.log", "c more\n");
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(poll_returns(*tailer));
  EXPECT_EQ(take(),
            (Entries{"begin a.log first", "bytes rewritten a, longer than before\nc more\n"}));
  EXPECT_EQ(self_.truncations.Value(), 1.0);
  EXPECT_EQ(metric("tserver_exporter_file_errors_total{reason=\"not_regular\"}"), "0");
}
#endif

TEST_F(FileTailerBudgetTest, AClosedFileRenamedAwayIsFoundInItsDirectoryAndDrained) {
  append("a.log", "a\n");
  append("b.log", "b\n");
  append("c.log", "c\n");
  auto tailer = make({glob("*.log")});
  tailer->poll(t_);  // a.log is closed for c.log
  take();
  append("a.log", "written before the rename\n");
  fs::rename(path("a.log"), path("a.log.1"));  // out of the glob, as rename-and-create does
  append("a.log", "new a\n");
  tailer->poll(t_ += 250ms);
  tailer->poll(t_ += 250ms);
  EXPECT_EQ(take(),
            (Entries{"bytes written before the rename\n", "begin a.log first", "bytes new a\n"}));
}

// A reload adds a glob: its files are new files, read from their first byte, once; the glob
// that stays keeps its stream exactly where it was.
TEST_F(FileTailerTest, AGlobAddedByAReloadIsReadFromItsFirstByteOnce) {
  two_directories();
  auto tailer = make({glob("a/*.log")});
  tailer->poll(t_);
  EXPECT_EQ(take(), Entries{"begin ts.log end @3 [a1\n]"});
  tailer->set_globs({glob("a/*.log"), glob("b/*.log")});
  append("a/ts.log", "a2\n");
  tailer->poll(t_ += 250ms);
  EXPECT_EQ(take(), (Entries{"bytes a2\n", "begin other.log first", "bytes b1\n"}));
  append("b/other.log", "b2\n");
  tailer->poll(t_ += 250ms);
  tailer->poll(t_ += 250ms);
  EXPECT_EQ(take(), Entries{"bytes b2\n"});
  EXPECT_EQ(metric("tserver_exporter_backlog_bytes{glob=\"" + label(glob("b/*.log")) + "\"}"), "0");
}

// A reload removes a glob: its stream stops at once (told idle, descriptor closed), keeps its
// position, and resumes exactly there when the glob comes back: nothing read twice or lost.
TEST_F(FileTailerTest, ARemovedGlobStopsItsStreamAndResumesWhereItStoppedWhenAddedBack) {
  two_directories();
  auto tailer = make({glob("a/*.log"), glob("b/*.log")});
  tailer->poll(t_);
  take();
  EXPECT_EQ(tailer->files_open(), 2u);
  tailer->set_globs({glob("a/*.log")});
  EXPECT_EQ(take(), Entries{"idle"});  // b's reader: what a quiet stream is told
  EXPECT_EQ(tailer->files_open(), 1u);
  EXPECT_EQ(metric("tserver_exporter_backlog_bytes{glob=\"" + glob("b/*.log") + "\"}"), "");
  const auto positions = tailer->positions();
  ASSERT_EQ(positions.size(), 2u);
  EXPECT_EQ(fs::path(positions[1].path).filename(), "other.log");
  EXPECT_EQ(positions[1].offset, 3u);

  append("b/other.log", "b2 written while not followed\n");
  append("a/ts.log", "a2\n");
  tailer->poll(t_ += 250ms);
  tailer->poll(t_ += 250ms);
  EXPECT_EQ(take(), Entries{"bytes a2\n"});

  tailer->set_globs({glob("b/*.log"), glob("a/*.log")});  // back, in another order
  append("a/ts.log", "a3\n");
  tailer->poll(t_ += 250ms);
  EXPECT_EQ(take(), (Entries{"bytes a3\n", "begin other.log resume @3 ctx=ctx [b1\n]",
                             "bytes b2 written while not followed\n"}));
  EXPECT_EQ(tailer->files_open(), 2u);
  EXPECT_EQ(metric("tserver_exporter_backlog_bytes{glob=\"" + label(glob("b/*.log")) + "\"}"), "0");
}

// A glob removed, a restart, the glob added back: the position stopped at before the restart
// is in the state file and used, so the file's bytes are not counted a second time.
TEST_F(FileTailerTest, AGlobRemovedBeforeARestartResumesWhenAddedBackAfterIt) {
  two_directories();
  auto tailer = make({glob("a/*.log"), glob("b/*.log")});
  tailer->poll(t_);
  tailer->set_globs({glob("a/*.log")});
  const auto saved = tailer->positions();
  tailer.reset();
  take();

  append("b/other.log", "b2\n");
  TailerOptions options{.globs = {glob("a/*.log")}, .resume = saved, .resumed = true};
  FileTailer restarted(
      options, [](std::string_view name) { return std::string(name.substr(0, name.find('.'))); },
      [](std::string_view) { return false; },
      [this] { return std::make_unique<JournalReader>(journal_); }, self_);
  restarted.poll(t_ += 250ms);
  EXPECT_EQ(take(), Entries{"begin ts.log resume @3 ctx=ctx [a1\n]"});
  EXPECT_EQ(restarted.positions().size(), 2u);  // b's is still saved
  restarted.set_globs({glob("a/*.log"), glob("b/*.log")});
  restarted.poll(t_ += 250ms);
  EXPECT_EQ(take(), (Entries{"begin other.log resume @3 ctx=ctx [b1\n]", "bytes b2\n"}));
}

// The same with the real reader: the EventErrors of a log under a glob added by a reload are
// counted exactly once, and removing and adding the glob again counts nothing twice.
TEST_F(FileTailerTest, EventErrorsOfAGlobAddedByAReloadAreCountedOnce) {
  two_directories(/*with_other=*/false);
  fs::copy_file(TSE_TEST_DATA "/logs/shape_a.log", dir_ / "b" / "ts_shape_a.log");
  ErrorMetrics errors(registry_);
  FileTailer tailer(
      TailerOptions{.globs = {glob("a/*.log")}},
      [](std::string_view name) { return std::string(name.substr(0, name.find('.'))); },
      [](std::string_view) { return false; },
      [&] { return std::make_unique<TServerLogReader>(errors, self_); }, self_);
  const auto count = [&](const std::string& code) -> std::uint64_t {
    for (const auto& v : errors.values()) {
      if (v.family == "event_errors" && v.tserver == "ts_shape_a" && v.error_code == code) {
        return v.value;
      }
    }
    return 0;
  };
  tailer.poll(t_);
  tailer.set_globs({glob("a/*.log"), glob("b/*.log")});
  for (int i = 0; i < 10; ++i) tailer.poll(t_ += 250ms);  // past the idle interval
  EXPECT_EQ(count("57"), 2u);
  EXPECT_EQ(count("236"), 1u);
  tailer.set_globs({glob("a/*.log")});
  tailer.set_globs({glob("a/*.log"), glob("b/*.log")});
  for (int i = 0; i < 10; ++i) tailer.poll(t_ += 250ms);
  EXPECT_EQ(count("57"), 2u);
  EXPECT_EQ(count("236"), 1u);
}

// The landing page's files: each followed file with its position and the bytes beyond it.
TEST_F(FileTailerTest, FollowedFilesShowTheirOffsetAndBacklog) {
  append("ts.20250101_010000_000.log", "0123456789");
  append("ts.20250101_020000_000.log", "abcdef");
  auto tailer = make({glob("*.log")}, /*from_beginning=*/true, /*budget=*/4);
  tailer->poll(t_);
  const auto files = tailer->followed_files();
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].path, path("ts.20250101_010000_000.log"));
  EXPECT_EQ(files[0].offset, 4u);
  EXPECT_EQ(files[0].backlog, 6u);
  EXPECT_EQ(files[1].path, path("ts.20250101_020000_000.log"));
  EXPECT_EQ(files[1].offset, 0u);
  EXPECT_EQ(files[1].backlog, 6u);
  EXPECT_EQ(self_.backlog_bytes.Add({{"glob", glob("*.log")}}).Value(), 12.0);
}

}  // namespace
}  // namespace tse
