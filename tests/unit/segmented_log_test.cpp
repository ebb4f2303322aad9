#include "tserver/segmented_log.h"

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
  log.feed(std::string(kHeader) + "de\t71\r\n" +
           "2025-12-17T10:15:24.807 Trc 04542 EventErr");
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
  log.feed(std::string(kHeader) + "\n2025-12-17T10:15:24.807 Trc 04542 EventError sent to [7] (x)\r\n");
  log.finish();
  EXPECT_EQ(sink.events, (Events{"header:TServer_SfB_01", "header:TServer_SfB_01", "error:291"}));
  EXPECT_EQ(log.stats().malformed, 0u);
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
  log.begin_midway();
  log.feed("10:15:26.000 Trc 04542 EventError sent to [724] (x)\nmessage EventError\n"
           "\tAttributeErrorCode\t57\n");
  EXPECT_EQ(sink.events, Events{});
  EXPECT_TRUE(log.has_open_record());
  log.flush_if_idle();
  EXPECT_EQ(sink.events, Events{"error:57"});
}

TEST(SegmentedLog, JoiningMidLineDropsTheRestOfThatLine) {
  Recorder sink;
  SegmentedLog log(sink);
  log.begin_midway(/*mid_line=*/true);
  log.feed("or sent to [724] (x)\n10:15:26.000 Trc 04542 EventError sent to [1] (y)\n");
  log.finish();
  EXPECT_EQ(sink.events, Events{"error:unknown"});
  EXPECT_EQ(log.stats().unrecognized, 0u);
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
