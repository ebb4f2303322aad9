#include "tserver/record_assembler.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace tse::tserver {
namespace {

using Codes = std::vector<std::string>;

// Collects reports as "236" or "unknown", and "236 RequestMakeCall" attributions.
class Collect : public RecordSink {
 public:
  void on_event_error(const EventErrorReport& report) override {
    const std::string code = report.code ? std::to_string(*report.code) : "unknown";
    codes.push_back(code);
    attributed.push_back(code + " " +
                         (report.request.empty() ? "unknown" : std::string(report.request)));
  }
  void on_request(std::string_view name) override { requests.emplace_back(name); }
  void on_link_disconnected() override { ++links; }
  void on_iscc_error(std::optional<std::int64_t> code) override {
    iscc.push_back(code ? std::to_string(*code) : "unknown");
  }
  std::vector<std::string> codes;
  std::vector<std::string> attributed;
  std::vector<std::string> requests;
  std::vector<std::string> iscc;
  int links = 0;
};

// Feeds `text` line by line (LF-separated, no CRs), then flushes; returns the collector.
Collect run(std::string_view text, AssemblerStats* stats = nullptr) {
  Collect sink;
  RecordAssembler assembler(sink);
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    assembler.on_line(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  assembler.flush();
  if (stats != nullptr) *stats = assembler.stats();
  return sink;
}

// The codes reported, in order.
Codes count(std::string_view text, AssemblerStats* stats = nullptr) {
  return run(text, stats).codes;
}

constexpr std::string_view kRequest =
    "2025-12-17T10:15:20.412 Trc 04541 RequestMakeCall received from [724] (0000002a WDE_01 "
    "10.1.2.3:51234)\n"
    "message RequestMakeCall\n"
    "\tAttributeThisDN\t'sip:agent1@contoso.com'\n"
    "\tAttributeReferenceID\t17\n";

constexpr std::string_view kShapeA =
    "@10:15:24.8070 [0] 8.5.001.23 send_to_client: message EventError\n"
    "\tAttributeEventSequenceNumber\t00000000000a1b2c\n"
    "\tAttributeErrorMessage\t'Timeout performing operation'\n"
    "\tAttributeErrorCode\t236\n"
    "\tAttributeReferenceID\t17\n"
    "2025-12-17T10:15:24.807 Trc 04542 EventError sent to [724] (0000002a WDE_01 "
    "10.1.2.3:51234)\n";

TEST(RecordAssembler, ContractWorkedExampleCountsOnce) {
  AssemblerStats stats;
  EXPECT_EQ(count(std::string(kRequest) + std::string(kShapeA), &stats), Codes{"236"});
  EXPECT_EQ(stats.records, 4u);  // 04541, its dump, the EventError dump, the 04542 trailer
  EXPECT_EQ(stats.event_errors, 1u);
}

TEST(RecordAssembler, ShapeADumpWithoutTrailerCounts) {
  EXPECT_EQ(count("@10:15:24.8070 [0] 8.5.001.23 send_to_client: message EventError\n"
                  "\tAttributeErrorCode\t57\n"
                  "10:15:25.000 Trc 04542 EventRinging sent to [1] (x)\n"),
            Codes{"57"});
}

TEST(RecordAssembler, ShapeBRecordThenColumn0Dump) {
  EXPECT_EQ(count("10:15:24.807 Trc 04542 EventError sent to [724] (0000002a WDE_01 1.2.3.4:5)\n"
                  "message EventError\n"
                  "\tAttributeEventSequenceNumber\t0000000000000001\n"
                  "\tAttributeErrorCode\t57\n"
                  "\tAttributeReferenceID\t3\n"
                  "10:15:24.900 Trc 04541 RequestAnswerCall received from [724] (x)\n"),
            Codes{"57"});
}

TEST(RecordAssembler, ShapeBDumpClosedByEndOfInput) {
  EXPECT_EQ(count("10:15:24.807 Trc 04542 EventError sent to [724] (x)\n"
                  "message EventError\n"
                  "\tAttributeErrorCode\t1707\n"),
            Codes{"1707"});
}

TEST(RecordAssembler, TraceOnlyRecordCountsAsUnknown) {
  EXPECT_EQ(count("10:15:24.807 Trc 04542 EventError sent to [724] (x)\n"
                  "10:15:24.808 Trc 04542 EventError sent to [725] (y)\n"
                  "10:15:24.809 Trc 04541 RequestMakeCall received from [724] (x)\n"
                  "10:15:24.810 Trc 04542 EventError sent to [726] (z)\n"),
            (Codes{"unknown", "unknown", "unknown"}));
}

TEST(RecordAssembler, TraceOnlyRecordAfterAPairedDumpIsNotATrailer) {
  EXPECT_EQ(count(std::string(kShapeA) + "10:15:30.000 Trc 04542 EventError sent to [724] (x)\n"),
            (Codes{"236", "unknown"}));
}

TEST(RecordAssembler, BothShapesAndTraceOnlyMixed) {
  const std::string log = std::string(kShapeA) +
                          "10:15:25.000 Trc 04542 EventError sent to [724] (x)\n"
                          "message EventError\n"
                          "\tAttributeErrorCode\t56\n"
                          "10:15:26.000 Trc 04542 EventError sent to [724] (x)\n"
                          "@10:15:27.0000 [0] 8.5.001.23 send_to_client: message EventError\n"
                          "\tAttributeErrorCode\t71\n"
                          "10:15:27.000 Trc 04542 EventError sent to [724] (x)\n";
  EXPECT_EQ(count(log), (Codes{"236", "56", "unknown", "71"}));
}

TEST(RecordAssembler, TheInteractionTraceOfTheSameEventStandsBetweenDumpAndTrailer) {
  EXPECT_EQ(count("@10:15:24.8070 [0] 8.5.001.23 send_to_client: message EventError\n"
                  "\tAttributeErrorCode\t57\n"
                  "10:15:24.807 Int 04545 Interaction message \"EventError\" sent to 724 (\"W\")\n"
                  "10:15:24.807 Trc 04542 EventError sent to [724] (x)\n"
                  "10:15:25.807 Int 04545 Interaction message \"EventError\" sent to 724 (\"W\")\n"
                  "10:15:25.807 Trc 04542 EventError sent to [724] (x)\n"),
            (Codes{"57", "unknown"}));
}

TEST(RecordAssembler, TheTrailerIsTheRecordRightAfterItsDump) {
  EXPECT_EQ(count("@10:15:24.8070 [0] 8.5.001.23 send_to_client: message EventError\n"
                  "\tAttributeErrorCode\t57\n"
                  "10:15:24.807 Int 04543 Interaction message \"EventRinging\" sent to 724\n"
                  "10:15:24.807 Trc 04542 EventError sent to [724] (x)\n"),
            (Codes{"57", "unknown"}));
  EXPECT_EQ(count("@10:15:24.8070 [0] 8.5.001.23 distribute_event: message EventError\n"
                  "\tAttributeErrorCode\t57\n"
                  "10:15:24.900 Std 04120 Check point 2025-12-17T10:15:24\n"
                  "10:15:25.000 Trc 04542 EventError sent to [725] (x)\n"),
            (Codes{"57", "unknown"}));
  EXPECT_EQ(count("@10:15:24.8070 [0] 8.5.001.23 distribute_event: message EventError\n"
                  "\tAttributeErrorCode\t57\n"
                  "@10:15:24.9000 [0] 8.5.001.23 distribute_event: message EventRinging\n"
                  "\tAttributeThisDN\t'1'\n"
                  "10:15:25.000 Trc 04542 EventError sent to [725] (x)\n"),
            (Codes{"57", "unknown"}));
}

TEST(RecordAssembler, BlankAndUnrecognisedLinesDoNotSeparateDumpAndTrailer) {
  EXPECT_EQ(count("@10:15:24.8070 [0] 8.5.001.23 send_to_client: message EventError\n"
                  "\tAttributeErrorCode\t57\n"
                  "\n"
                  "-- some text the T-Server printed --\n"
                  "10:15:24.807 Trc 04542 EventError sent to [724] (x)\n"),
            Codes{"57"});
}

TEST(RecordAssembler, AShapeBDumpAfterAnIdleFlushIsNotCountedAgain) {
  Collect sink;
  RecordAssembler assembler(sink);
  assembler.on_line("10:15:24.807 Trc 04542 EventError sent to [724] (x)");
  assembler.flush();
  assembler.on_line("message EventError");
  assembler.on_line("\tAttributeErrorCode\t236");
  assembler.on_line("10:15:30.000 Trc 04541 RequestMakeCall received from [724] (x)");
  assembler.flush();
  EXPECT_EQ(sink.codes, Codes{"unknown"});
}

// The T-Server paused between a 04542 record and its shape-B dump, then printed the event again
// (the same AttributeEventSequenceNumber): the README promises `unknown`, never twice. The late
// dump must still be read, so that its copy is known as a repeat.
TEST(RecordAssembler, AShapeBEventPrintedTwiceAfterAnIdleFlushCountsOnce) {
  Collect sink;
  RecordAssembler assembler(sink);
  const std::string_view lines[] = {
      "10:15:24.807 Trc 04542 EventError sent to [724] (0000002a WDE_01 10.1.2.3:51234)",
      "message EventError",
      "\tAttributeEventSequenceNumber\t0000000000000004",
      "\tAttributeErrorCode\t57",
      "10:15:24.807 Trc 04542 EventError sent to [724] (0000002a WDE_01 10.1.2.3:51234)",
      "message EventError",
      "\tAttributeEventSequenceNumber\t0000000000000004",
      "\tAttributeErrorCode\t57"};
  for (std::size_t i = 0; i < std::size(lines); ++i) {
    assembler.on_line(lines[i]);
    if (i == 0) assembler.flush();  // idle after the first 04542 record
  }
  assembler.flush();
  EXPECT_EQ(sink.codes, Codes{"unknown"});
}

// SIP Server prints its own lines between the T-Server's (contract section 6): none is a record,
// so a 04542 record and its column-0 dump still belong together across them, as across a blank
// line, and a 04541 record keeps its dump (and so its ReferenceID).
TEST(RecordAssembler, SipServerLinesBetweenARecordAndItsColumn0DumpKeepThemTogether) {
  EXPECT_EQ(run("10:00:00.000 Trc 04541 RequestMakeCall received from [724] (x)\n"
                "08:24:59.856: SIPCM: id=1\n"
                "message RequestMakeCall\n"
                "\tAttributeReferenceID\t17\n"
                "10:00:04.807 Trc 04542 EventError sent to [724] (x)\n"
                "08:24:59.856: SIPCM: id=1\n"
                "08:24:59.873: $+CTI:PRM:START:1:564\n"
                "SIP/2.0 200 OK\n"
                "v=0\n"
                "message EventError\n"
                "\tAttributeErrorCode\t57\n"
                "\tAttributeReferenceID\t17\n")
                .attributed,
            Codes{"57 RequestMakeCall"});
}

TEST(RecordAssembler, RepeatedSequenceNumberCountsOnce) {
  const std::string dump =
      "@10:15:24.8070 [0] 8.5.001.23 send_to_client: message EventError\n"
      "\tAttributeEventSequenceNumber\t00000000000000ff\n"
      "\tAttributeErrorCode\t57\n";
  const std::string trailer = "10:15:24.807 Trc 04542 EventError sent to [724] (x)\n";
  AssemblerStats stats;
  EXPECT_EQ(count(dump + dump + trailer, &stats), Codes{"57"});
  EXPECT_EQ(stats.duplicates, 1u);
  EXPECT_EQ(count(dump + trailer + dump + trailer), Codes{"57"});
}

TEST(RecordAssembler, RepeatedShapeBCountsOnce) {
  const std::string event =
      "10:15:24.807 Trc 04542 EventError sent to [724] (x)\n"
      "message EventError\n"
      "\tAttributeEventSequenceNumber\t0000000000000010\n"
      "\tAttributeErrorCode\t236\n";
  EXPECT_EQ(count(event + event), Codes{"236"});
}

TEST(RecordAssembler, DifferentSequenceNumbersCountTwice) {
  EXPECT_EQ(count("@10:15:24.8070 [0] 8.5 send_to_client: message EventError\n"
                  "\tAttributeEventSequenceNumber\t0000000000000001\n"
                  "\tAttributeErrorCode\t57\n"
                  "@10:15:24.8070 [0] 8.5 send_to_client: message EventError\n"
                  "\tAttributeEventSequenceNumber\t0000000000000002\n"
                  "\tAttributeErrorCode\t57\n"),
            (Codes{"57", "57"}));
}

TEST(RecordAssembler, NestedPairsAndTextsNeverCount) {
  AssemblerStats stats;
  EXPECT_EQ(count("@10:15:24.8070 [0] 8.5 distribute_event: message EventAttachedDataChanged\n"
                  "\tAttributeUserData\t[64] 00 03 00 00..\n"
                  "\t\t'ErrorCode'\t57\n"
                  "\t\t'Note'\t'message EventError'\n"
                  "\t\tAttributeErrorCode\t57\n"
                  "10:15:24.807 Trc 04542 EventAttachedDataChanged sent to [724] (x)\n"
                  "@10:15:25.0000 [0] 8.5 send_to_client: message EventError\n"
                  "\tAttributeUserData\t[64] 00 03 00 00..\n"
                  "\t\t'ErrorCode'\t57\n"
                  "\t\tAttributeErrorCode\t58\n"
                  "\tAttributeErrorMessage\t'code 57 from 236'\n"
                  "\t(TERR_TIMEOUT 57)\n"
                  "\tAttributeErrorCode\t223\n"
                  "10:15:25.000 Trc 04542 EventError sent to [724] (x)\n",
                  &stats),
            Codes{"223"});
}

TEST(RecordAssembler, OtherErrorEventsAreNotEventErrors) {
  EXPECT_EQ(count("@10:15:24.8070 [0] 8.5 send_to_client: message ISCCEventError\n"
                  "\tAttributeErrorCode\t57\n"
                  "10:15:24.807 Trc 04542 ISCCEventError sent to [724] (x)\n"
                  "@10:15:24.8070 [0] 8.5 send_to_client: message EventLinkDisconnected\n"
                  "\tAttributeErrorCode\t57\n"
                  "@10:15:24.8070 [0] 8.5 send_to_client: message EventHardwareError\n"
                  "\tAttributeErrorCode\t57\n"
                  "@10:15:24.8070 [0] 8.5 send_to_client: message EventErrorX\n"
                  "\tAttributeErrorCode\t57\n"
                  "10:15:24.807 Trc 04541 EventError received from [724] (x)\n"
                  "10:15:24.807 Trc 04543 EventError sent to [724] (x)\n"),
            Codes{});
}

TEST(RecordAssembler, Column0MessageCountsOnlyRightAfterItsRecord) {
  EXPECT_EQ(count("10:15:24.807 Trc 04120 Check point 2025-12-17T10:00:00\n"
                  "message EventError\n"
                  "\tAttributeErrorCode\t57\n"
                  "message EventError\n"
                  "\tAttributeErrorCode\t58\n"),
            Codes{});
}

TEST(RecordAssembler, BlankLinesBetweenRecordAndItsDumpAreAllowed) {
  EXPECT_EQ(count("10:15:24.807 Trc 04542 EventError sent to [724] (x)\n"
                  "\n"
                  "message EventError\n"
                  "\tAttributeErrorCode\t57\n"),
            Codes{"57"});
}

TEST(RecordAssembler, BackupCopiesAreSkippedWithTheirBodies) {
  AssemblerStats stats;
  EXPECT_EQ(count("@10:15:24.8070 [BSYNC] Trace: Send to backup (TServer_SfB_02) [724]:\n"
                  "message EventError\n"
                  "\tAttributeErrorCode\t57\n"
                  "@10:15:24.8070 [BSYNC] Trace: Send to backup (x) : message EventError\n"
                  "\tAttributeErrorCode\t57\n"
                  "10:15:25.000 Trc 04541 RequestMakeCall received from [724] (x)\n",
                  &stats),
            Codes{});
  EXPECT_EQ(stats.backup_copies, 2u);
  EXPECT_EQ(stats.unrecognized, 0u);
}

TEST(RecordAssembler, SpaceIndentedDumps) {
  EXPECT_EQ(count("@10:15:24.8070 [0] 8.5 send_to_client: message EventError\n"
                  "    AttributeUserData    [64] 00 03 00 00..\n"
                  "        'ErrorCode'    57\n"
                  "        AttributeErrorCode    58\n"
                  "    AttributeErrorCode    1140\n"
                  "10:15:24.807 Trc 04542 EventError sent to [724] (x)\n"),
            Codes{"1140"});
}

TEST(RecordAssembler, MissingOrMalformedCodeCountsAsUnknown) {
  AssemblerStats stats;
  EXPECT_EQ(count("@10:15:24.8070 [0] 8.5 send_to_client: message EventError\n"
                  "\tAttributeErrorMessage\t'no code'\n"
                  "@10:15:25.8070 [0] 8.5 send_to_client: message EventError\n"
                  "\tAttributeErrorCode\t'****'\n"
                  "\tAttributeErrorCode\t57\n",
                  &stats),
            (Codes{"unknown", "unknown"}));
  EXPECT_EQ(stats.malformed, 2u);
}

TEST(RecordAssembler, UnlistedCodesKeepTheirNumber) {
  EXPECT_EQ(count("@10:15:24.8070 [0] 8.5 send_to_client: message EventError\n"
                  "\tAttributeErrorCode\t9999\n"
                  "@10:15:24.8070 [0] 8.5 send_to_client: message EventError\n"
                  "\tAttributeErrorCode\t0\n"),
            (Codes{"9999", "0"}));
}

TEST(RecordAssembler, ADumpEndsAtTheFirstLineNotStartingWithWhitespace) {
  EXPECT_EQ(count("@10:15:24.8070 [0] 8.5 send_to_client: message EventError\n"
                  "\tAttributeErrorCode\t57\n"
                  "\n"
                  "\tAttributeErrorCode\t58\n"),
            Codes{"57"});
}

TEST(RecordAssembler, FullFormatRecords) {
  EXPECT_EQ(count("2025-12-17T10:15:24.807 Trace SFBTS01 TServer_SfB_01 GCTI-04-04542  "
                  "EventError sent to [724] (0000002a WDE_01 10.1.2.3:51234)\n"
                  "message EventError\n"
                  "\tAttributeErrorCode\t565\n"
                  "2025-12-17T10:15:25.807 Trace SFBTS01 TServer_SfB_01 GCTI-04-04542  "
                  "EventError sent to [724] (0000002a WDE_01 10.1.2.3:51234)\n"),
            (Codes{"565", "unknown"}));
}

TEST(RecordAssembler, FlushClosesAnOpenDumpOnceAndKeepsTheTrailerPairing) {
  Collect sink;
  RecordAssembler assembler(sink);
  assembler.on_line("@10:15:24.8070 [0] 8.5 send_to_client: message EventError");
  assembler.on_line("\tAttributeErrorCode\t57");
  EXPECT_TRUE(assembler.has_open_record());
  assembler.flush();
  EXPECT_EQ(sink.codes, Codes{"57"});
  EXPECT_FALSE(assembler.has_open_record());
  assembler.on_line("10:15:24.807 Trc 04542 EventError sent to [724] (x)");
  assembler.flush();
  EXPECT_EQ(sink.codes, Codes{"57"});
}

std::string request(const std::string& client, const std::string& name, int reference) {
  return "10:00:00.000 Trc 04541 " + name + " received from " + client + "\nmessage " + name +
         "\n\tAttributeThisDN\t'1'\n\tAttributeReferenceID\t" + std::to_string(reference) + "\n";
}

std::string error_a(const std::string& client, int code, int reference) {
  return "@10:00:01.0000 [0] 8.5 send_to_client: message EventError\n\tAttributeErrorCode\t" +
         std::to_string(code) + "\n\tAttributeReferenceID\t" + std::to_string(reference) +
         "\n10:00:01.000 Trc 04542 EventError sent to " + client + "\n";
}

std::string error_b(const std::string& client, int code, int reference) {
  return "10:00:01.000 Trc 04542 EventError sent to " + client +
         "\nmessage EventError\n\tAttributeErrorCode\t" + std::to_string(code) +
         "\n\tAttributeReferenceID\t" + std::to_string(reference) + "\n";
}

TEST(RecordAssemblerRequests, SameReferenceFromTwoClientsIsToldApart) {
  const std::string a = "[724] (0000002a WDE_01 10.1.2.3:51234)";
  const std::string b = "[731] (0000002f WDE_02 10.1.2.4:50110)";
  const Collect sink =
      run(request(a, "RequestMakeCall", 17) + request(b, "RequestAnswerCall", 17) +
          error_a(b, 56, 17) + error_b(a, 236, 17) + "10:00:02.000 Std 04120 Check point\n");
  EXPECT_EQ(sink.requests, (std::vector<std::string>{"RequestMakeCall", "RequestAnswerCall"}));
  EXPECT_EQ(sink.attributed,
            (std::vector<std::string>{"56 RequestAnswerCall", "236 RequestMakeCall"}));
}

TEST(RecordAssemblerRequests, ErrorsWithoutTheirRequestAreUnknown) {
  const Collect sink = run(error_a("[1]", 57, 99) + request("[1]", "RequestHoldCall", 5) +
                           "10:00:01.000 Trc 04542 EventError sent to [1]\n" +
                           "10:00:02.000 Std 04120 Check point\n");
  EXPECT_EQ(sink.attributed, (std::vector<std::string>{"57 unknown", "unknown unknown"}));
}

TEST(RecordAssemblerRequests, ADumpWithoutTrailerFallsBackToTheReferenceAlone) {
  const Collect sink = run(request("[1]", "RequestHoldCall", 5) +
                           "@10:00:01.0000 [0] 8.5 distribute_event: message EventError\n"
                           "\tAttributeErrorCode\t57\n\tAttributeReferenceID\t5\n"
                           "10:00:02.000 Std 04120 Check point\n");
  EXPECT_EQ(sink.attributed, (std::vector<std::string>{"57 RequestHoldCall"}));
}

TEST(RecordAssemblerRequests, BackupCopiesAreNotRequests) {
  const Collect sink =
      run("@10:15:24.8070 [BSYNC] Trace: Send to backup (B) [724]:\n"
          "message RequestMakeCall\n\tAttributeReferenceID\t17\n" +
          error_a("[724]", 57, 17));
  EXPECT_TRUE(sink.requests.empty());
  EXPECT_EQ(sink.attributed, (std::vector<std::string>{"57 unknown"}));
}

TEST(RecordAssemblerRequests, LinkDisconnectedAndIsccErrorsHaveTheirOwnReports) {
  const Collect sink =
      run("@10:00:00.0000 [0] 8.5 distribute_event: message EventLinkDisconnected\n"
          "\tAttributeEventSequenceNumber\t0000000000000001\n"
          "10:00:00.000 Trc 04542 EventLinkDisconnected sent to [1]\n"
          "10:00:00.000 Trc 04542 EventLinkDisconnected sent to [2]\n"
          "@10:00:00.0000 [0] 8.5 distribute_event: message EventLinkDisconnected\n"
          "\tAttributeEventSequenceNumber\t0000000000000001\n"
          "@10:00:01.0000 [0] 8.5 send_to_client: message ISCCEventError\n"
          "\tAttributeErrorCode\t57\n"
          "10:00:01.000 Trc 04542 ISCCEventError sent to [1]\n");
  EXPECT_EQ(sink.links, 1);
  EXPECT_EQ(sink.iscc, std::vector<std::string>{"57"});
  EXPECT_TRUE(sink.codes.empty());
}

// Contract section 6: interaction-level records.

TEST(RecordAssemblerInteraction, ALone04545EventErrorCountsAsUnknown) {
  EXPECT_EQ(
      count("10:00:00.000 Int 04545 Interaction message \"EventError\" sent to 724 (\"W\")\n"
            "10:00:01.000 Int 04545 Interaction message \"EventError\" sent to 724 (\"W\")\n"
            "10:00:02.000 Int 04545 Interaction message \"EventACK\" sent to 724 (\"W\")\n"
            "10:00:03.000 Int 04545 Interaction message \"ISCCEventError\" sent to 1 (\"U\")\n"
            "10:00:04.000 Trc 04545 Interaction message \"EventErrorX\" sent to 1 (\"U\")\n"),
      (Codes{"unknown", "unknown"}));
}

TEST(RecordAssemblerInteraction, The04545TraceJoinsItsDumpAndRecordInAnyOrder) {
  const std::string dump =
      "@10:00:00.0000 [0] 8.5 send_to_client: message EventError\n\tAttributeErrorCode\t57\n";
  const std::string trace =
      "10:00:00.000 Int 04545 Interaction message \"EventError\" sent to 724 (\"WDE_01\")\n";
  const std::string sent =
      "10:00:00.000 Trc 04542 EventError sent to [724] (0000002a WDE_01 10.1.2.3:51234)\n";
  const std::string end = "10:00:09.000 Std 04120 Check point 2025-12-17T10:00:09\n";
  EXPECT_EQ(count(dump + trace + sent + end), Codes{"57"});
  EXPECT_EQ(count(dump + sent + trace + end), Codes{"57"});
  EXPECT_EQ(count(trace + dump + sent + end), Codes{"57"});
  EXPECT_EQ(count(trace + sent + end), Codes{"unknown"});
  EXPECT_EQ(count(sent + trace + end), Codes{"unknown"});
  EXPECT_EQ(count(sent + "message EventError\n\tAttributeErrorCode\t236\n" + trace + end),
            Codes{"236"});
  EXPECT_EQ(count(dump + trace + end), Codes{"57"});
}

TEST(RecordAssemblerInteraction, ATraceNamingAnotherClientIsAnotherEvent) {
  EXPECT_EQ(count("@10:00:00.0000 [0] 8.5 send_to_client: message EventError\n"
                  "\tAttributeErrorCode\t57\n"
                  "10:00:00.000 Int 04545 Interaction message \"EventError\" sent to 725 (\"B\")\n"
                  "10:00:00.000 Trc 04542 EventError sent to [724] (0000002a A 10.1.2.3:5)\n"),
            (Codes{"57", "unknown"}));
  // The same number, another application: a reused client number is another client.
  EXPECT_EQ(
      count("10:00:00.000 Trc 04542 EventError sent to [724] (0000002a A 10.1.2.3:5)\n"
            "10:00:00.000 Int 04545 Interaction message \"EventError\" sent to 724 (\"B\")\n"),
      (Codes{"unknown", "unknown"}));
}

TEST(RecordAssemblerInteraction, The04543TraceOfARequestCountsOnce) {
  const Collect sink = run(
      "10:00:00.000 Trc 04541 RequestMakeCall received from [724] (0000002a WDE_01 1.2.3.4:5)\n"
      "message RequestMakeCall\n\tAttributeReferenceID\t17\n"
      "10:00:00.000 Int 04543 Interaction message \"RequestMakeCall\" received from 724 "
      "(\"WDE_01\")\n"
      "10:00:01.000 Int 04543 Interaction message \"RequestMakeCall\" received from 724 "
      "(\"WDE_01\")\n"
      "10:00:02.000 Int 04543 Interaction message \"RequestHoldCall\" received from 731 "
      "(\"WDE_02\")\n"
      "10:00:02.000 Trc 04541 RequestHoldCall received from [731] (0000002f WDE_02 1.2.3.5:6)\n"
      "10:00:03.000 Trc 04541 RequestHoldCall received from [731] (0000002f WDE_02 1.2.3.5:6)\n"
      "10:00:03.100 Trc 04541 RequestAgentLogin received from [731] (0000002f WDE_02 1.2.3.5:6)\n"
      "10:00:03.100 Int 04543 Interaction message \"RequestAgentLogout\" received from 731 "
      "(\"WDE_02\")\n" +
      error_b("[724] (0000002a WDE_01 1.2.3.4:5)", 57, 17));
  EXPECT_EQ(sink.requests, (std::vector<std::string>{"RequestMakeCall", "RequestMakeCall",
                                                     "RequestHoldCall", "RequestHoldCall",
                                                     "RequestAgentLogin", "RequestAgentLogout"}));
  EXPECT_EQ(sink.attributed, (std::vector<std::string>{"57 RequestMakeCall"}));
}

TEST(RecordAssemblerInteraction, AnErrorTracedByItsClientFindsTheRequest) {
  const std::string a = "[724] (0000002a WDE_01 10.1.2.3:51234)";
  const std::string b = "[731] (0000002f WDE_02 10.1.2.4:50110)";
  const Collect sink =
      run(request(a, "RequestMakeCall", 17) + request(b, "RequestAnswerCall", 17) +
          "@10:00:01.0000 [0] 8.5 send_to_client: message EventError\n\tAttributeErrorCode\t236\n"
          "\tAttributeReferenceID\t17\n"
          "10:00:01.000 Int 04545 Interaction message \"EventError\" sent to 731 (\"WDE_02\")\n"
          "10:00:02.000 Std 04120 Check point\n");
  EXPECT_EQ(sink.attributed, (std::vector<std::string>{"236 RequestAnswerCall"}));
}

// Issue 15, part 2: a repeat must not end the pairing; the trailer still names the client.
TEST(RecordAssemblerRequests, ADumpPrintedTwiceBeforeItsTrailerKeepsItsClient) {
  const std::string a = "[724] (0000002a WDE_01 10.1.2.3:51234)";
  const std::string b = "[731] (0000002f WDE_02 10.1.2.4:50110)";
  const std::string dump =
      "@10:00:01.0000 [0] 8.5 send_to_client: message EventError\n"
      "\tAttributeEventSequenceNumber\t00000000000000aa\n\tAttributeErrorCode\t236\n"
      "\tAttributeReferenceID\t17\n";
  AssemblerStats stats;
  const Collect sink = run(request(a, "RequestMakeCall", 17) + request(b, "RequestAnswerCall", 17) +
                               dump + dump + "10:00:01.000 Trc 04542 EventError sent to " + b +
                               "\n" + "10:00:02.000 Std 04120 Check point\n",
                           &stats);
  EXPECT_EQ(sink.attributed, (std::vector<std::string>{"236 RequestAnswerCall"}));
  EXPECT_EQ(stats.duplicates, 1u);
}

TEST(RecordAssemblerRequests, ABackupCopyBetweenADumpAndItsTrailerKeepsItsClient) {
  const std::string a = "[724] (0000002a WDE_01 10.1.2.3:51234)";
  const std::string b = "[731] (0000002f WDE_02 10.1.2.4:50110)";
  const Collect sink =
      run(request(a, "RequestMakeCall", 17) + request(b, "RequestAnswerCall", 17) +
          "@10:00:01.0000 [0] 8.5 send_to_client: message EventError\n\tAttributeErrorCode\t57\n"
          "\tAttributeReferenceID\t17\n"
          "@10:00:01.0001 [BSYNC] Trace: Send to backup (TS_B) [724]:\n"
          "message RequestSetCallInfo\n\tAttributeReferenceID\t17\n"
          "10:00:01.000 Trc 04542 EventError sent to " +
          a + "\n");
  EXPECT_EQ(sink.attributed, (std::vector<std::string>{"57 RequestMakeCall"}));
}

TEST(RecordAssemblerLines, SipServerLinesAreKnownKindsAndNeverRecords) {
  AssemblerStats stats;
  EXPECT_EQ(count("@10:00:00.0000 [0] 8.5 send_to_client: message EventError\n"
                  "\tAttributeErrorCode\t57\n"
                  "10:00:00.001: SIPCM: id=1\n"
                  "10:00:00.001 SIPCONN(1003): Attach mediaPeer: 1002\n"
                  "10:00:00.001: $+CTI:PRM:START:1:564\n"
                  "$-CTI:PRM:START:1:774\n"
                  "SIP/2.0 200 OK\n"
                  "INVITE sip:1003@192.168.210.81:5060 SIP/2.0\n"
                  "Call-ID: f676c68a@192.168.210.81\n"
                  "a=rtpmap:0 pcmu/8000\n"
                  "\tAOR: \tsip:5002@192.168.210.81\n"
                  "\tAttributeErrorCode\t58\n"
                  "Session value of the SDP is [1]\n"
                  "10:00:00.000 Trc 04542 EventError sent to [724] (x)\n",
                  &stats),
            Codes{"57"});
  EXPECT_EQ(stats.sip_stack_lines, 2u);
  EXPECT_EQ(stats.trigger_lines, 2u);
  EXPECT_EQ(stats.sip_message_lines, 4u);
  EXPECT_EQ(stats.stray_indented, 2u);
  EXPECT_EQ(stats.unrecognized, 1u);
}

}  // namespace
}  // namespace tse::tserver

// Issue 14: requests paired with their answers, durations in log time.
namespace tse::tserver {
namespace {

class Timings : public RecordSink {
 public:
  void on_event_error(const EventErrorReport& report) override {
    errors.push_back(report.request.empty() ? "unknown" : std::string(report.request));
  }
  void on_answer(const AnswerReport& answer) override {
    answers.push_back(std::string(answer.request) + " " + std::to_string(answer.micros));
  }
  void on_unanswered(std::string_view request) override { unanswered.emplace_back(request); }
  std::vector<std::string> errors, answers, unanswered;
  AssemblerStats stats;
};

// Feeds `text` line by line into `assembler` (no flush: the stream goes on).
void feed_lines(RecordAssembler& assembler, std::string_view text) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    assembler.on_line(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
}

Timings timings(std::string_view text, AssemblerOptions options = {}) {
  Timings sink;
  RecordAssembler assembler(sink, options);
  feed_lines(assembler, text);
  assembler.flush();
  sink.stats = assembler.stats();
  return sink;
}

constexpr std::string_view kClient = "[724] (0000002a WDE_01 10.1.2.3:51234)";

std::string timed_request(const std::string& time, const std::string& name, int reference,
                          std::string_view client = kClient) {
  return time + " Trc 04541 " + name + " received from " + std::string(client) + "\nmessage " +
         name + "\n\tAttributeThisDN\t'1'\n\tAttributeReferenceID\t" + std::to_string(reference) +
         "\n";
}

TEST(RecordAssemblerAnswers, AnEventErrorAnswersItsRequest) {
  const Timings t = timings(timed_request("2025-12-17T10:15:20.412", "RequestMakeCall", 17) +
                            "@10:15:24.8070 [0] 8.5.001.23 send_to_client: message EventError\n"
                            "\tAttributeErrorCode\t236\n\tAttributeReferenceID\t17\n"
                            "2025-12-17T10:15:24.807 Trc 04542 EventError sent to " +
                            std::string(kClient) + "\n");
  EXPECT_EQ(t.answers, std::vector<std::string>{"RequestMakeCall 4395000"});
  EXPECT_EQ(t.errors, std::vector<std::string>{"RequestMakeCall"});
}

TEST(RecordAssemblerAnswers, AnyEventCarryingTheReferenceBackToTheClientAnswers) {
  // Shape A: the dump, then its 04542 record names the client.
  const Timings a = timings(timed_request("10:00:00.000", "RequestAgentReady", 5) +
                            "@10:00:00.0250 [0] 8.5 send_to_client: message EventAgentReady\n"
                            "\tAttributeThisDN\t'1'\n\tAttributeReferenceID\t5\n"
                            "10:00:00.025 Trc 04542 EventAgentReady sent to " +
                            std::string(kClient) + "\n");
  EXPECT_EQ(a.answers, std::vector<std::string>{"RequestAgentReady 25000"});
  // Shape B: the 04542 record, then the column-0 dump: the record's time.
  const Timings b = timings(timed_request("10:00:00.000", "RequestMakeCall", 6) +
                            "10:00:00.120 Trc 04542 EventDialing sent to " + std::string(kClient) +
                            "\nmessage EventDialing\n\tAttributeReferenceID\t6\n"
                            "10:00:01.000 Std 04120 Check point 2025-12-17T10:00:01\n");
  EXPECT_EQ(b.answers, std::vector<std::string>{"RequestMakeCall 120000"});
  // An event with the ReferenceID sent to another client answers nothing.
  const Timings other = timings(timed_request("10:00:00.000", "RequestMakeCall", 6) +
                                "@10:00:00.1000 [0] 8.5 send_to_client: message EventDialing\n"
                                "\tAttributeReferenceID\t6\n"
                                "10:00:00.100 Trc 04542 EventDialing sent to [731] (1 WDE_02 2)\n");
  EXPECT_TRUE(other.answers.empty());
  // A dump whose 04542 record does not follow names no client: no answer.
  const Timings lost = timings(timed_request("10:00:00.000", "RequestMakeCall", 6) +
                               "@10:00:00.1000 [0] 8.5 send_to_client: message EventDialing\n"
                               "\tAttributeReferenceID\t6\n"
                               "10:00:00.100 Std 04120 Check point 2025-12-17T10:00:00\n"
                               "10:00:00.100 Trc 04542 EventDialing sent to " +
                               std::string(kClient) + "\n");
  EXPECT_TRUE(lost.answers.empty());
}

TEST(RecordAssemblerAnswers, OnlyTheFirstAnswerCounts) {
  const Timings t = timings(timed_request("10:00:00.000", "RequestMakeCall", 6) +
                            "@10:00:00.1000 [0] 8.5 send_to_client: message EventDialing\n"
                            "\tAttributeReferenceID\t6\n"
                            "10:00:00.100 Trc 04542 EventDialing sent to " +
                            std::string(kClient) +
                            "\n@10:00:00.2000 [0] 8.5 send_to_client: message EventError\n"
                            "\tAttributeErrorCode\t57\n\tAttributeReferenceID\t6\n"
                            "10:00:00.200 Trc 04542 EventError sent to " +
                            std::string(kClient) + "\n");
  EXPECT_EQ(t.answers, std::vector<std::string>{"RequestMakeCall 100000"});
  EXPECT_EQ(t.errors, std::vector<std::string>{"unknown"});  // answered already
}

TEST(RecordAssemblerAnswers, MidnightWrapsAndAStepBackIsSkipped) {
  const Timings wrap = timings(timed_request("23:59:59.900", "RequestMakeCall", 1) +
                               "@00:00:00.1000 [0] 8.5 send_to_client: message EventError\n"
                               "\tAttributeErrorCode\t57\n\tAttributeReferenceID\t1\n"
                               "00:00:00.100 Trc 04542 EventError sent to " +
                               std::string(kClient) + "\n");
  EXPECT_EQ(wrap.answers, std::vector<std::string>{"RequestMakeCall 200000"});
  const Timings back = timings(timed_request("10:00:00.000", "RequestMakeCall", 1) +
                               "09:00:00.000 Std 04120 Check point\n"  // the clock went back
                               "@09:00:00.5000 [0] 8.5 send_to_client: message EventError\n"
                               "\tAttributeErrorCode\t57\n\tAttributeReferenceID\t1\n"
                               "09:00:00.500 Trc 04542 EventError sent to " +
                               std::string(kClient) + "\n");
  EXPECT_TRUE(back.answers.empty());
  EXPECT_EQ(back.errors, std::vector<std::string>{"RequestMakeCall"});  // still attributed
  EXPECT_EQ(back.stats.durations_skipped, 1u);
  EXPECT_EQ(back.stats.clock_steps_back, 1u);
}

TEST(RecordAssemblerAnswers, RequestsWithoutAnAnswerInTimeAreUnanswered) {
  AssemblerOptions options;
  options.request_timeout = 30 * kMicrosPerSecond;
  const Timings t = timings(timed_request("10:00:00.000", "RequestMakeCall", 1) +
                                timed_request("10:00:30.000", "RequestHoldCall", 2) +
                                timed_request("10:00:30.001", "RequestRetrieveCall", 3) +
                                "@10:00:30.5000 [0] 8.5 send_to_client: message EventError\n"
                                "\tAttributeErrorCode\t57\n\tAttributeReferenceID\t1\n"
                                "10:00:30.500 Trc 04542 EventError sent to " +
                                std::string(kClient) + "\n",
                            options);
  EXPECT_EQ(t.unanswered, std::vector<std::string>{"RequestMakeCall"});
  EXPECT_EQ(t.errors, std::vector<std::string>{"unknown"});  // never both
  EXPECT_TRUE(t.answers.empty());
  EXPECT_EQ(t.stats.requests_unanswered, 1u);
  EXPECT_EQ(t.stats.requests_evicted, 0u);
}

// The state file's form of the pairing: what one assembler was waiting for, another restored from
// its text waits for the same way, and gives it back as the same text; names with separators and
// bytes of any value survive it.
TEST(RecordAssemblerPairingState, SurvivesItsTextForm) {
  Timings before;
  RecordAssembler first(before);
  const std::string odd = "Request%;,\xff";
  feed_lines(first, timed_request("2025-12-17T10:00:00.000", "RequestMakeCall", 7) +
                        timed_request("2025-12-17T10:00:00.500", odd, 8) +
                        "2025-12-17T10:00:01.000 Trc 04542 EventRinging sent to " +
                        std::string(kClient) + "\n");
  const std::string text = first.pairing_state();
  EXPECT_TRUE(text.starts_with("p1;c"));
  EXPECT_EQ(text.find_first_of("\t\n\\ "), std::string::npos);

  Timings after;
  RecordAssembler second(after);
  second.restore(first.context());  // as a checkpoint resumes: the context, then the pairing
  ASSERT_TRUE(second.restore_pairing(text));
  EXPECT_EQ(second.pairing_state(), text);
  // The shape-B dump under the 04542 record read before the restart answers request 8, and a
  // later EventError answers request 7, each with its time from before the restart.
  feed_lines(second,
             "message EventRinging\n\tAttributeReferenceID\t8\n"
             "@10:00:02.0000 [0] 8.5 send_to_client: message EventError\n"
             "\tAttributeErrorCode\t57\n\tAttributeReferenceID\t7\n"
             "2025-12-17T10:00:02.000 Trc 04542 EventError sent to " +
                 std::string(kClient) + "\n");
  second.flush();
  EXPECT_EQ(after.answers,
            (std::vector<std::string>{"Request%;,\xff 500000", "RequestMakeCall 2000000"}));
  EXPECT_EQ(after.errors, std::vector<std::string>{"RequestMakeCall"});
}

TEST(RecordAssemblerPairingState, AMalformedTextChangesNothing) {
  Timings sink;
  RecordAssembler assembler(sink);
  const std::string empty = assembler.pairing_state();
  EXPECT_EQ(empty, "p1;c-;h-;q-;s,");
  for (const char* bad :
       {"", "p2;c-", "p1;x", "p1;c5", "p1;c5@0", "p1;c5@0,", "p1;h7,Event%4", "p1;q1@", "p1;s%zz,",
        "p1;r1.2,7,RequestX", "p1;r1.2,7,,-", "p1;rz.2,7,RequestX,-", "p1;r1.2,-7,RequestX,-",
        "p1;r1.2,7,RequestX,-;"}) {
    EXPECT_FALSE(assembler.restore_pairing(bad)) << bad;
    EXPECT_EQ(assembler.pairing_state(), empty) << bad;
  }
  EXPECT_TRUE(assembler.restore_pairing("p1;r1.2,7,RequestX,-"));
  EXPECT_EQ(assembler.pairing_state(), "p1;c-;h-;q-;s,;r1.2,7,RequestX,-");
}

}  // namespace
}  // namespace tse::tserver
