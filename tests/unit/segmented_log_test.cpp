#include "tserver/segmented_log.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace tse::tserver {
namespace {

// Records what a SegmentedLog reports, as "header:NAME" and "error:CODE" entries.
class Recorder : public SegmentSink {
 public:
  void on_segment_header(std::string_view name) override {
    events.push_back("header:" + std::string(name));
  }
  void on_event_error(const EventErrorReport& report) override {
    events.push_back("error:" + (report.code ? std::to_string(*report.code) : "unknown"));
  }
  std::vector<std::string> events;
};
using Events = std::vector<std::string>;

constexpr std::string_view kHeader =
    "Application name:\tTServer_SfB_01\r\n"
    "Application type:\tTServer\r\n"
    "Application version:    8.5.001.23\r\n"
    "Host name:\tSFBTS01\r\n"
    "Start time (UTC):\t2025-12-17T10:15:00.123\r\n"
    "File: (1) TServer_SfB_01.20251217_101500_123.log\r\n"
    "\r\n";

constexpr std::string_view kShapeA =
    "@10:15:24.8070 [0] 8.5.001.23 send_to_client: message EventError\r\n"
    "\tAttributeEventSequenceNumber\t00000000000a1b2c\r\n"
    "\tAttributeErrorCode\t236\r\n"
    "2025-12-17T10:15:24.807 Trc 04542 EventError sent to [724] (0000002a WDE_01 "
    "10.1.2.3:51234)\r\n";

TEST(SegmentedLog, HeaderIsReadForTheNameAndNeverParsed) {
  Recorder sink;
  SegmentedLog log(sink);
  log.begin_segment();
  log.feed(std::string(kHeader) + std::string(kShapeA));
  log.finish();
  EXPECT_EQ(sink.events, (Events{"header:TServer_SfB_01", "error:236"}));
  EXPECT_EQ(log.header_lines(), 7u);
  EXPECT_EQ(log.stats().unrecognized, 0u);
}

TEST(SegmentedLog, SegmentWithoutHeaderStartsWithRecords) {
  Recorder sink;
  SegmentedLog log(sink);
  log.begin_segment();
  log.feed(kShapeA);
  log.finish();
  EXPECT_EQ(sink.events, (Events{"header:", "error:236"}));
  EXPECT_EQ(log.header_lines(), 0u);
}

TEST(SegmentedLog, DumpSplitAcrossSegmentsIsAssembled) {
  Recorder sink;
  SegmentedLog log(sink);
  log.begin_segment();
  log.feed(std::string(kHeader) +
           "@10:15:24.8070 [0] 8.5.001.23 send_to_client: message EventError\r\n"
           "\tAttributeEventSequenceNumber\t00000000000a1b2c\r\n");
  log.begin_segment();
  log.feed(std::string(kHeader) + "\tAttributeErrorCode\t57\r\n" +
           "2025-12-17T10:15:24.807 Trc 04542 EventError sent to [724] (x)\r\n");
  log.finish();
  EXPECT_EQ(sink.events, (Events{"header:TServer_SfB_01", "header:TServer_SfB_01", "error:57"}));
}

TEST(SegmentedLog, LineSplitAcrossSegmentsIsJoinedAfterTheHeader) {
  Recorder sink;
  SegmentedLog log(sink);
  log.begin_segment();
  log.feed(std::string(kHeader) +
           "@10:15:24.8070 [0] 8.5.001.23 send_to_client: message EventError\r\n"
           "\tAttributeErrorCo");
  log.begin_segment();
  log.feed(std::string(kHeader) + "de\t71\r\n" + "2025-12-17T10:15:24.807 Trc 04542 EventErr");
  log.begin_segment();
  log.feed(std::string(kHeader) + "or sent to [724] (0000002a WDE_01 10.1.2.3:51234)\r\n" +
           "2025-12-17T10:15:25.807 Trc 04542 EventError sent to [724] (x)\r\n");
  log.finish();
  EXPECT_EQ(sink.events, (Events{"header:TServer_SfB_01", "header:TServer_SfB_01",
                                 "header:TServer_SfB_01", "error:71", "error:unknown"}));
  EXPECT_EQ(log.stats().unrecognized, 0u);
}

TEST(SegmentedLog, ALineCutBetweenItsCrAndLfAcrossSegments) {
  Recorder sink;
  SegmentedLog log(sink);
  log.begin_segment();
  log.feed(std::string(kHeader) +
           "@10:15:24.8070 [0] 8.5.001.23 send_to_client: message EventError\r\n"
           "\tAttributeErrorCode\t291\r");
  log.begin_segment();
  log.feed(std::string(kHeader) +
           "\n2025-12-17T10:15:24.807 Trc 04542 EventError sent to [7] (x)\r\n");
  log.finish();
  EXPECT_EQ(sink.events, (Events{"header:TServer_SfB_01", "header:TServer_SfB_01", "error:291"}));
  EXPECT_EQ(log.stats().malformed, 0u);
}

// A segment tail without LF, again and again, is held only up to the line limit: past it the
// line is counted too long once, its rest after the next header dropped, and the lines after
// it counted as usual.
TEST(SegmentedLog, HeldTailsNeverExceedTheLineLimit) {
  constexpr std::size_t kLimit = 200;
  Recorder sink;
  SegmentedLog log(sink, kLimit);
  log.begin_segment();
  log.feed(std::string(kHeader) + std::string(kShapeA) + std::string(150, 'x'));
  for (int i = 0; i < 300; ++i) {
    log.begin_segment();
    log.feed(std::string(kHeader) + std::string(150, 'y'));
    ASSERT_LE(log.held_bytes(), kLimit);
  }
  log.begin_segment();
  log.feed(std::string(kHeader) + "end of the long line\r\n" +
           "2025-12-17T10:15:25.807 Trc 04542 EventError sent to [7] (x)\r\n");
  log.finish();
  EXPECT_EQ(log.lines_too_long(), 1u);
  EXPECT_EQ(log.held_bytes(), 0u);
  EXPECT_EQ(log.stats().unrecognized, 0u);
  EXPECT_EQ(std::count(sink.events.begin(), sink.events.end(), "error:236"), 1);
  EXPECT_EQ(std::count(sink.events.begin(), sink.events.end(), "error:unknown"), 1);
}

// A held tail that fits, whose rest makes the line too long: one line too long, nothing parsed.
TEST(SegmentedLog, AHeldTailAndItsRestOverTheLimitAreOneLineTooLong) {
  Recorder sink;
  SegmentedLog log(sink, 200);
  log.begin_segment();
  log.feed(std::string(kHeader) + std::string(150, 'x'));
  log.begin_segment();
  log.feed(std::string(kHeader) + std::string(150, 'y') + "\r\n" + std::string(kShapeA));
  log.finish();
  EXPECT_EQ(log.lines_too_long(), 1u);
  EXPECT_EQ(log.stats().unrecognized, 0u);
  EXPECT_EQ(sink.events, (Events{"header:TServer_SfB_01", "header:TServer_SfB_01", "error:236"}));
}

// A line the framer already skipped as too long at a segment's end: its rest after the next
// header is dropped too (never parsed as a line of its own), and it is counted once.
TEST(SegmentedLog, TheRestOfALineSkippedAtASegmentEndIsDroppedAndCountedOnce) {
  Recorder sink;
  SegmentedLog log(sink, 200);
  log.begin_segment();
  log.feed(std::string(kHeader) + std::string(300, 'x'));
  log.begin_segment();
  log.feed(std::string(kHeader) + std::string(300, 'y'));  // still the same line
  log.begin_segment();
  // The line ends here: what looks like a record is its end, never counted.
  log.feed(std::string(kHeader) +
           "2025-12-17T10:15:25.807 Trc 04542 EventError sent to [7] (x)\r\n" +
           std::string(kShapeA));
  log.finish();
  EXPECT_EQ(log.lines_too_long(), 1u);
  EXPECT_EQ(log.stats().unrecognized, 0u);
  EXPECT_EQ(std::count(sink.events.begin(), sink.events.end(), "error:236"), 1);
  EXPECT_EQ(std::count(sink.events.begin(), sink.events.end(), "error:unknown"), 0);
}

TEST(SegmentedLog, ByteByByteFeedingGivesTheSameResult) {
  const std::string segment = std::string(kHeader) + std::string(kShapeA) +
                              "10:15:26.000 Trc 04542 EventError sent to [724] (x)\r\r\n"
                              "message EventError\r\r\n"
                              "\tAttributeErrorCode\t57\r\r\n";
  Recorder whole;
  SegmentedLog a(whole);
  a.begin_segment();
  a.feed(segment);
  a.finish();
  Recorder bytes;
  SegmentedLog b(bytes);
  b.begin_segment();
  for (char c : segment) b.feed(std::string_view(&c, 1));
  b.finish();
  EXPECT_EQ(whole.events, (Events{"header:TServer_SfB_01", "error:236", "error:57"}));
  EXPECT_EQ(bytes.events, whole.events);
}

TEST(SegmentedLog, UnterminatedLastLineIsKeptUntilFinish) {
  Recorder sink;
  SegmentedLog log(sink);
  log.begin_segment();
  log.feed(std::string(kHeader) + "10:15:26.000 Trc 04542 EventError sent to [724] (x)");
  log.flush_if_idle();
  EXPECT_EQ(sink.events, (Events{"header:TServer_SfB_01"}));
  EXPECT_FALSE(log.at_line_boundary());
  log.finish();
  EXPECT_EQ(sink.events, (Events{"header:TServer_SfB_01", "error:unknown"}));
}

TEST(SegmentedLog, IdleFlushClosesADumpAtALineBoundary) {
  Recorder sink;
  SegmentedLog log(sink);
  log.begin_midway(500);
  log.feed(
      "10:15:26.000 Trc 04542 EventError sent to [724] (x)\nmessage EventError\n"
      "\tAttributeErrorCode\t57\n");
  EXPECT_EQ(log.checkpoint().offset, 500u);  // the open record's first line
  EXPECT_EQ(sink.events, Events{});
  EXPECT_TRUE(log.has_open_record());
  log.flush_if_idle();
  EXPECT_EQ(sink.events, Events{"error:57"});
}

TEST(SegmentedLog, JoiningMidLineDropsTheRestOfThatLine) {
  Recorder sink;
  SegmentedLog log(sink);
  log.begin_midway(1000, /*mid_line=*/true);
  log.feed("or sent to [724] (x)\n10:15:26.000 Trc 04542 EventError sent to [1] (y)\n");
  log.finish();
  EXPECT_EQ(sink.events, Events{"error:unknown"});
  EXPECT_EQ(log.stats().unrecognized, 0u);
  EXPECT_EQ(log.checkpoint().offset, 1000u + 21u + 50u);  // past everything, the skipped part too
}

TEST(SegmentedLog, ApplicationNameInAHead) {
  EXPECT_EQ(SegmentedLog::application_name_in(kHeader), "TServer_SfB_01");
  EXPECT_EQ(SegmentedLog::application_name_in("Application type: TServer\nApplication name: A\n"),
            "A");
  EXPECT_EQ(SegmentedLog::application_name_in(kShapeA), "");
  EXPECT_EQ(SegmentedLog::application_name_in("Application name: cut"), "");
}

}  // namespace
}  // namespace tse::tserver

namespace tse::tserver {
namespace {

// Counts EventErrors by code.
class Tally : public SegmentSink {
 public:
  void on_segment_header(std::string_view) override {}
  // By code, and the requests (a 04543 trace after a restart must still join its 04541 record).
  // Which request an error answers is not compared: pending requests are not saved (yet).
  void on_event_error(const EventErrorReport& report) override {
    ++codes[report.code ? std::to_string(*report.code) : "unknown"];
  }
  void on_request(std::string_view name) override { ++codes["request " + std::string(name)]; }
  std::map<std::string, int> codes;
};

std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The segments of a golden case, in name order.
std::vector<std::string> segments_of(const std::filesystem::path& path) {
  std::vector<std::filesystem::path> files;
  if (std::filesystem::is_directory(path)) {
    for (const auto& e : std::filesystem::directory_iterator(path))
      if (e.path().extension() == ".log") files.push_back(e.path());
    std::sort(files.begin(), files.end());
  } else {
    files.push_back(path);
  }
  std::vector<std::string> out;
  for (const auto& f : files) out.push_back(read_bytes(f));
  return out;
}

// Kills the parser after `cut` bytes of the concatenated segments, resumes a new one from its
// checkpoint, and returns the counts of both runs added up.
std::map<std::string, int> count_with_restart(const std::vector<std::string>& segments,
                                              std::size_t cut) {
  Tally before;
  SegmentedLog first(before);
  std::size_t fed = 0;
  for (const auto& segment : segments) {
    if (fed >= cut) break;
    first.begin_segment();
    const std::size_t n = std::min(segment.size(), cut - fed);
    first.feed(std::string_view(segment).substr(0, n));
    fed += n;
  }
  if (cut > fed) {  // never cut: the uninterrupted run
    first.finish();
    return before.codes;
  }
  const auto checkpoint = first.checkpoint();
  Tally after;
  SegmentedLog second(after);
  if (checkpoint.segment == 0) {  // nothing was fed
    for (const auto& segment : segments) {
      second.begin_segment();
      second.feed(segment);
    }
  } else {
    const std::size_t index = checkpoint.segment - 1;  // one begin_segment per segment above
    second.resume(checkpoint.offset, checkpoint.context);
    second.feed(std::string_view(segments[index]).substr(checkpoint.offset));
    for (std::size_t i = index + 1; i < segments.size(); ++i) {
      second.begin_segment();
      second.feed(segments[i]);
    }
  }
  second.finish();
  for (const auto& [code, n] : after.codes) before.codes[code] += n;
  return before.codes;
}

class RestartAnywhere : public ::testing::TestWithParam<std::string> {};

TEST_P(RestartAnywhere, CountsEqualAnUninterruptedRunAtEveryCut) {
  const auto segments = segments_of(std::filesystem::path(TSE_TEST_DATA) / "logs" / GetParam());
  std::size_t total = 0;
  for (const auto& s : segments) total += s.size();
  const auto whole = count_with_restart(segments, total + 1);  // never cut
  ASSERT_FALSE(whole.empty());
  for (std::size_t cut = 0; cut <= total; ++cut) {
    ASSERT_EQ(count_with_restart(segments, cut), whole) << GetParam() << " cut at byte " << cut;
  }
}

INSTANTIATE_TEST_SUITE_P(GoldenLogs, RestartAnywhere,
                         ::testing::Values("shape_a.log", "shape_b.log", "trace_only.log",
                                           "mixed_shapes.log", "duplicate_seq.log",
                                           "nested_decoys.log", "bsync.log", "full_format.log",
                                           "line_endings_crcrlf.log", "interaction_04545.log",
                                           "interaction_only.log", "repeat_pairing.log",
                                           "sip_server_85.log", "request_match.log", "split",
                                           "split_partial"),
                         [](const auto& test_info) {
                           std::string name = test_info.param;
                           for (char& c : name)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

// count_with_restart at every byte of one literal segment; true when all cuts agree.
void expect_restart_anywhere(const std::string& log) {
  const std::vector<std::string> segments{log};
  const auto whole = count_with_restart(segments, log.size() + 1);
  ASSERT_FALSE(whole.empty());
  for (std::size_t cut = 0; cut <= log.size(); ++cut) {
    ASSERT_EQ(count_with_restart(segments, cut), whole) << "cut at byte " << cut;
  }
}

// A trace-only 04542 record, then a shape-A dump whose end is the next dump's first line: the
// line that ends the first dump reports the 04542's event and moves the open record to the
// first dump. The checkpoint must resume there, not at the 04542 record (counted already).
TEST(SegmentedLog, RestartAfterADumpEndedByTheNextDump) {
  expect_restart_anywhere(
      "10:15:20.000 Trc 04542 EventError sent to [1] (0000002a WDE_01 10.1.2.3:51234)\n"
      "@10:15:24.8070 [0] 8.5.001.23 send_to_client: message EventError\n"
      "\tAttributeEventSequenceNumber\t000000000000000a\n"
      "\tAttributeErrorCode\t57\n"
      "@10:15:24.8071 [0] 8.5.001.23 send_to_client: message EventError\n"
      "\tAttributeEventSequenceNumber\t000000000000000b\n"
      "\tAttributeErrorCode\t236\n"
      "10:15:24.807 Trc 04542 EventError sent to [2] (0000002b WDE_02 10.1.2.3:51235)\n");
}

TEST(SegmentedLog, ContextSurvivesItsTextForm) {
  RecordAssembler::Context a;
  a.last_sequence = 0xa1b2cu;
  a.previous = 2;
  a.event_forms = RecordAssembler::kDumpForm;
  EXPECT_EQ(a.serialize(), "1:a1b2c:2");  // what earlier versions wrote for a counted dump
  EXPECT_EQ(RecordAssembler::Context::parse(a.serialize()), a);
  RecordAssembler::Context b{};
  EXPECT_EQ(b.serialize(), "0:-:0");
  EXPECT_EQ(RecordAssembler::Context::parse("0:-:0"), b);
  RecordAssembler::Context c;
  c.event_forms = RecordAssembler::kSentForm | RecordAssembler::kTraceForm;
  c.event_client = ClientId{724, 0x9f3e, true};
  c.request_forms = RecordAssembler::kRecordForm;
  c.request_client = ClientId{731, 0, true};
  c.request_name = 0x77aa;
  EXPECT_EQ(c.serialize(), "6:-:0:2d4.9f3e:1:2db.0:77aa");
  EXPECT_EQ(RecordAssembler::Context::parse(c.serialize()), c);
  EXPECT_FALSE(RecordAssembler::Context::parse("8:-:0"));
  EXPECT_FALSE(RecordAssembler::Context::parse("1:zz:0"));
  EXPECT_FALSE(RecordAssembler::Context::parse("1:-:9"));
  EXPECT_FALSE(RecordAssembler::Context::parse("1:-:0:-:4:-:0"));
  EXPECT_FALSE(RecordAssembler::Context::parse("1:-:0:x.1:0:-:0"));
  EXPECT_FALSE(RecordAssembler::Context::parse("1:-:0:-:0:-:0:0"));
  EXPECT_FALSE(RecordAssembler::Context::parse("1:-:0:-"));
  EXPECT_FALSE(RecordAssembler::Context::parse("garbage"));
}

}  // namespace
}  // namespace tse::tserver
