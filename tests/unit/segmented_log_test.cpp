#include "tserver/segmented_log.h"
#include "tserver/log_line.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <set>
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

// Counts EventErrors by code and by the request they answer, the requests (a 04543 trace after a
// restart must still join its 04541 record), and each answer time and unanswered request (the
// pending requests and the log's clock are saved with the checkpoint).
class Tally : public SegmentSink {
 public:
  void on_segment_header(std::string_view) override {}
  void on_event_error(const EventErrorReport& report) override {
    const std::string code = report.code ? std::to_string(*report.code) : "unknown";
    ++codes[code];
    ++codes[code + " for " + std::string(report.request.empty() ? "-" : report.request)];
  }
  void on_request(std::string_view name) override { ++codes["request " + std::string(name)]; }
  void on_answer(const AnswerReport& answer) override {
    ++codes["answer " + std::string(answer.request) + " " + std::to_string(answer.micros)];
  }
  void on_unanswered(std::string_view request) override {
    ++codes["unanswered " + std::string(request)];
  }
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
    // Through the state file's text form, as the daemon saves it.
    const auto context = RecordAssembler::Context::parse(checkpoint.context.serialize());
    EXPECT_EQ(context, checkpoint.context);
    second.resume(checkpoint.offset, context.value_or(RecordAssembler::Context{}),
                  checkpoint.pairing);
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
                                           "sip_server_85.log", "request_match.log", "sip_segments",
                                           "split", "split_partial", "durations.log",
                                           "durations_midnight.log", "durations_timeout.log"),
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

// Random logs built from the contract's building blocks (sections 2, 3 and 6), each with the
// counts it must give: EventErrors in shape A (with repeats and traces, the SIP Server 8.1
// order), shape B (with repeats), trace-only, interaction-only and dump-only; requests with and
// without their Int 04543 trace; SIP Server lines, blank lines and [BSYNC] copies between the
// forms; EventLinkDisconnected and ISCCEventError dumps; any time format, short or full
// message_format, LF, CRLF or CR CR LF. Adjacent events and requests name different clients,
// and an event without a 04542 record is followed by another record first: otherwise which
// forms belong together is ambiguous under the contract.
class LogGenerator {
 public:
  explicit LogGenerator(std::uint32_t seed) : rng_(seed) {}

  std::vector<std::string> lines;
  std::map<std::string, int> expected;   // as Tally counts them
  std::set<std::size_t> no_flush_after;  // lines after which an idle flush changes the count

  void generate(int blocks) {
    for (int i = 0; i < blocks; ++i) {
      noise(3);
      switch (pick(9)) {
        case 0:
        case 1:
          request();
          break;
        case 2:
          other_event();
          break;
        default:
          event();
          break;
      }
    }
    noise(3);
  }

  std::string joined(std::string_view eol, bool header) const {
    std::string out;
    if (header) out = "Application name:\tTServer_SfB_01\r\nApplication type:\tTServer\r\n\r\n";
    for (const auto& line : lines) out.append(line).append(eol);
    return out;
  }

 private:
  int pick(int n) { return static_cast<int>(rng_() % static_cast<std::uint32_t>(n)); }
  bool maybe(int percent) { return pick(100) < percent; }

  std::string time() {
    static constexpr std::string_view kTimes[] = {"10:15:24.807", "2025-12-17T10:15:24.807",
                                                  "2025/12/17 10:15:24.807",
                                                  "12/17/2025 10:15:24.807"};
    return std::string(kTimes[pick(4)]);
  }
  void record(std::string_view id, const std::string& text) {
    static constexpr std::string_view kLevels[] = {"Trc", "Int", "Std"};
    if (maybe(20)) {
      lines.push_back(time() + " Trace SFBTS01 TServer_SfB_01 GCTI-04-" + std::string(id) + "  " +
                      text);
    } else {
      lines.push_back(time() + " " + std::string(kLevels[pick(3)]) + " " + std::string(id) + " " +
                      text);
    }
  }
  static std::string client(int n) {
    return "[" + std::to_string(n) + "] (0000002" + std::to_string(n) + " WDE_0" +
           std::to_string(n) + " 10.1.2.3:5123" + std::to_string(n) + ")";
  }
  static std::string interaction_client(int n) {
    return std::to_string(n) + " (\"WDE_0" + std::to_string(n) + "\")";
  }

  // Lines that are no record: between blocks and between the forms of an event.
  // With `sip_only`, only blank and SIP Server lines: what may stand between a record and its
  // column-0 dump.
  void noise(int most, bool sip_only = false) {
    // Groups of lines; the first seven are blank or SIP Server lines.
    static const std::vector<std::vector<std::string_view>> kGroups = {
        {""},
        {"08:24:59.856: SIPCM: id=1"},
        {"08:24:59.873: $+CTI:PRM:START:1:564"},
        {"$-CTI:PRM:START:1:774"},
        {"08:24:59.884: Sending  [0,UDP] 494 bytes to 192.168.210.82:5060 >>>>>",
         "INVITE sip:1003@192.168.210.82:5060 SIP/2.0", "Call-ID: 640476ED@192.168.210.81", "",
         "v=0", "a=rtpmap:0 pcmu/8000"},
        {"SIP/2.0 200 OK"},
        {"17:16:49.569 SIPCONN(1003): connected"},
        {"@10:50:00.5010 [BSYNC] Trace: Send to backup (ts_B) [20]:", "message RequestMakeCall",
         "\tAttributeErrorCode\t57", "\tAttributeReferenceID\t9"},
        {"\tAOR: \tsip:agent1@contoso.com"},  // stray, or in a dump body
        {""},
    };
    for (int n = pick(most + 1); n > 0; --n)
      for (const std::string_view line : kGroups[pick(sip_only ? 7 : 10)]) lines.emplace_back(line);
  }

  void dump(bool shape_b, int code, std::uint64_t sequence, bool text_first) {
    lines.emplace_back(shape_b
                           ? "message EventError"
                           : "@10:15:24.8070 [0] 8.5.001.23 send_to_client: message EventError");
    if (text_first) lines.emplace_back("\t(Timeout performing operation)");
    char seq[64];
    std::snprintf(seq, sizeof seq, "\tAttributeEventSequenceNumber\t%016llx",
                  static_cast<unsigned long long>(sequence));
    lines.emplace_back(seq);
    if (maybe(30)) {
      lines.emplace_back("\tAttributeUserData\t[34] 00 01 00 00..");
      lines.emplace_back("\t\t'ErrorCode'\t99");
      lines.emplace_back("\t\t'Note'\t'message EventError'");
    }
    lines.emplace_back("\tAttributeErrorCode\t" + std::to_string(code));
    lines.emplace_back("\tAttributeReferenceID\t" + std::to_string(pick(5)));
  }
  void sent(int c) {
    last_sent_ = lines.size();
    record("04542", "EventError sent to " + client(c) + (maybe(30) ? "   " : ""));
  }
  void trace(int c) {
    record("04545", "Interaction message \"EventError\" sent to " + interaction_client(c));
  }
  void blank() { noise(1, true); }

  void event() {
    const int c = 1 + (events_++ % 2);
    const int code = maybe(50) ? 57 : (maybe(50) ? 236 : 50 + pick(200));
    const std::uint64_t seq = ++sequence_;
    std::string key = std::to_string(code);
    switch (pick(6)) {
      case 0: {  // shape A: repeats and the trace in any of their positions
        const auto print = [&](bool twice) {  // the dump (maybe twice), its trace, its trailer
          dump(false, code, seq, false);
          noise(2);
          if (twice && maybe(30)) {
            dump(false, code, seq, false);
            noise(2);
          }
          if (maybe(40)) {
            trace(c);
            noise(2);
          }
          sent(c);
        };
        print(true);
        if (maybe(30)) {  // printed again with its trailer
          noise(2);
          print(false);
        }
        break;
      }
      case 1:  // the SIP Server 8.1 order
        dump(false, code, seq, true);
        trace(c);
        sent(c);
        break;
      case 2: {  // shape B, its trace before or after it
        const int traced = pick(3);
        if (traced == 1) {
          trace(c);
          noise(2);
        }
        sent(c);
        blank();
        dump(true, code, seq, maybe(20));
        if (traced == 2) {
          noise(2);
          trace(c);
        }
        if (maybe(30)) {
          noise(2);
          sent(c);
          blank();
          // A flush here counts the copy's 04542 record as an event of its own: a lone 04542
          // is one in trace-only logs, and the repeat is known only from the dump after it.
          for (std::size_t i = first_unsafe(); i < lines.size(); ++i) no_flush_after.insert(i);
          dump(true, code, seq, false);
        }
        break;
      }
      case 3: {  // trace-only: the 04542 record, maybe with its 04545 trace
        key = "unknown";
        const int traced = pick(3);
        if (traced == 1) {
          trace(c);
          noise(2);
        }
        sent(c);
        if (traced == 2) {
          noise(2);
          trace(c);
        }
        break;
      }
      case 4:  // interaction-only
        key = "unknown";
        trace(c);
        separator();
        break;
      default:  // a dump without its 04542 record
        dump(false, code, seq, false);
        separator();
        break;
    }
    ++expected[key];
  }

  // A record that is no form of an event, after an event that has no 04542 record.
  void separator() {
    noise(2);
    if (maybe(50)) {
      record("04120", "Check point 2025-12-17T11:00:00");
    } else {
      request();
    }
  }

  void request() {
    const int c = 3 + (requests_++ % 2);
    const std::string name = maybe(50) ? "RequestMakeCall" : "RequestAnswerCall";
    const std::string traced =
        "Interaction message \"" + name + "\" received from " + interaction_client(c);
    const int shape = pick(4);
    if (shape == 0) {
      record("04543", traced);
    } else {
      if (shape == 1) {
        record("04543", traced);
        noise(2);
      }
      record("04541", name + " received from " + client(c));
      blank();
      lines.push_back("message " + name);
      lines.emplace_back("\tAttributeThisDN\t'sip:agent1@contoso.com'");
      lines.emplace_back("\tAttributeReferenceID\t" + std::to_string(pick(5)));
      if (shape == 2) {
        noise(2);
        record("04543", traced);
      }
    }
    ++expected["request " + name];
  }

  // Not EventErrors: an EventLinkDisconnected or ISCCEventError dump, and its 04542 record.
  void other_event() {
    const std::string name = maybe(50) ? "EventLinkDisconnected" : "ISCCEventError";
    lines.push_back("@10:15:24.8070 [0] 8.5.001.23 distribute_event: message " + name);
    lines.emplace_back("\tAttributeEventSequenceNumber\t" + std::to_string(++sequence_ + 1000));
    lines.emplace_back("\tAttributeErrorCode\t57");
    if (maybe(50)) record("04542", name + " sent to " + client(1));
  }

  std::size_t first_unsafe() const { return last_sent_; }

  std::mt19937 rng_;
  std::size_t last_sent_ = 0;
  int events_ = 0;
  int requests_ = 0;
  std::uint64_t sequence_ = 0;
};

// The counts the generator knows: by code and the requests (it writes no times or ReferenceIDs
// that pair them, so its answers and their attribution are not compared).
std::map<std::string, int> by_code(std::map<std::string, int> counts) {
  std::erase_if(counts, [](const auto& entry) {
    return entry.first.find(" for ") != std::string::npos || entry.first.starts_with("answer ") ||
           entry.first.starts_with("unanswered ");
  });
  return counts;
}

int total_errors(const std::map<std::string, int>& counts) {
  int n = 0;
  for (const auto& [key, count] : counts)
    if (!key.starts_with("request ")) n += count;
  return n;
}

// The assembler line by line, with flush() after the lines `flush_after` picks.
std::map<std::string, int> assemble(const std::vector<std::string>& lines,
                                    const std::vector<bool>& flush_after) {
  Tally tally;
  RecordAssembler assembler(tally);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    assembler.on_line(lines[i]);
    if (flush_after[i]) assembler.flush();
  }
  assembler.flush();
  return tally.codes;
}

// One segment read with an idle flush once `flush_at` bytes are in (a line boundary), and a
// restart from the checkpoint after `cut` bytes (never, past the end).
std::map<std::string, int> count_with_flush_and_restart(std::string_view log, std::size_t flush_at,
                                                        std::size_t cut) {
  Tally tally;
  auto reader = std::make_unique<SegmentedLog>(tally);
  reader->begin_segment();
  std::size_t fed = 0;
  const auto feed_to = [&](std::size_t end) {
    if (end > fed) reader->feed(log.substr(fed, end - fed));
    fed = std::max(fed, end);
  };
  for (const std::size_t event : {std::min(flush_at, cut), std::max(flush_at, cut)}) {
    feed_to(std::min(event, log.size()));
    if (event == flush_at) reader->flush_if_idle();
    if (event == cut && cut <= log.size()) {
      const auto checkpoint = reader->checkpoint();
      const auto context = RecordAssembler::Context::parse(checkpoint.context.serialize());
      reader = std::make_unique<SegmentedLog>(tally);
      reader->resume(checkpoint.offset, context.value_or(RecordAssembler::Context{}),
                     checkpoint.pairing);
      fed = checkpoint.offset;
    }
  }
  feed_to(log.size());
  reader->finish();
  return tally.codes;
}

TEST(SegmentedLog, GeneratedLogsCountWhatTheyHoldAcrossFlushesAndRestarts) {
  for (std::uint32_t seed = 1; seed <= 2000; ++seed) {
    LogGenerator gen(seed);
    gen.generate(10);
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937 rng(seed);
    std::vector<bool> never(gen.lines.size(), false);
    ASSERT_EQ(by_code(assemble(gen.lines, never)), gen.expected);
    // An idle flush at line boundaries: no count is lost or repeated (a code can become unknown
    // when the flush falls inside an event, as documented).
    std::vector<bool> flushes(gen.lines.size());
    for (std::size_t i = 0; i < flushes.size(); ++i) {
      // Not inside a dump: a flush there ends it before its sequence number, and a repeat
      // of it counts again (a T-Server writes a dump at once; see the report).
      const bool in_dump = i + 1 < flushes.size() && is_indented(gen.lines[i + 1]);
      flushes[i] = !in_dump && gen.no_flush_after.count(i) == 0 && rng() % 4 == 0;
    }
    const auto flushed = by_code(assemble(gen.lines, flushes));
    ASSERT_EQ(total_errors(flushed), total_errors(gen.expected));
    for (const auto& [key, count] : gen.expected) {
      if (key.starts_with("request ")) {
        ASSERT_EQ(flushed.at(key), count) << key;
      }
    }
    // A restart at a random byte, in any line ending.
    static constexpr std::string_view kEols[] = {"\n", "\r\n", "\r\r\n"};
    // Split into two segments at a random byte (a line, a dump, an event cut in two), each
    // with its header.
    const std::string body = gen.joined(kEols[rng() % 3], false);
    const std::string header = "Application name:\tTServer_SfB_01\r\n\r\n";
    const std::size_t split = rng() % (body.size() + 1);
    const std::vector<std::string> segments{header + body.substr(0, split),
                                            header + body.substr(split)};
    const std::size_t total = segments[0].size() + segments[1].size();
    ASSERT_EQ(by_code(count_with_restart(segments, total + 1)), gen.expected);
    for (int i = 0; i < 4; ++i) {
      const std::size_t cut = rng() % (total + 1);
      ASSERT_EQ(by_code(count_with_restart(segments, cut)), gen.expected)
          << "split at " << split << ", cut at byte " << cut;
    }
    // An idle flush at any line boundary, even inside a dump, and a restart before or after
    // it: the same counts as a reader that never stopped.
    const std::string one = header + body;
    std::vector<std::size_t> boundaries;
    for (std::size_t i = 0; i < one.size(); ++i)
      if (one[i] == '\n') boundaries.push_back(i + 1);
    for (int i = 0; i < 4; ++i) {
      const std::size_t flush_at = boundaries[rng() % boundaries.size()];
      const auto uninterrupted = count_with_flush_and_restart(one, flush_at, one.size() + 1);
      const std::size_t cut = rng() % (one.size() + 1);
      ASSERT_EQ(count_with_flush_and_restart(one, flush_at, cut), uninterrupted)
          << "flush at " << flush_at << ", cut at byte " << cut;
    }
  }
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
