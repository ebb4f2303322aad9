#include "tserver/log_line.h"

#include <gtest/gtest.h>

namespace tse::tserver {
namespace {

struct RecordCase {
  const char* line;
  std::uint32_t id;
  const char* text;
};

class StandardRecordTest : public ::testing::TestWithParam<RecordCase> {};

TEST_P(StandardRecordTest, ParsesIdAndText) {
  const auto record = parse_standard_record(GetParam().line);
  ASSERT_TRUE(record) << GetParam().line;
  EXPECT_EQ(record->id, GetParam().id);
  EXPECT_EQ(record->text, GetParam().text);
}

INSTANTIATE_TEST_SUITE_P(
    TimeAndMessageFormats, StandardRecordTest,
    ::testing::Values(
        RecordCase{"10:15:24.807 Trc 04542 EventError sent to [724] (x)", 4542,
                   "EventError sent to [724] (x)"},
        RecordCase{"2025-12-17T10:15:24.807 Trc 04542 EventError sent to [724]", 4542,
                   "EventError sent to [724]"},
        RecordCase{"2025/12/17 10:15:24.807 Std 04541 RequestMakeCall received from [7]", 4541,
                   "RequestMakeCall received from [7]"},
        RecordCase{"12/17/2025 10:15:24.807 Int 04120 Check point 2025-12-17T10:00:00", 4120,
                   "Check point 2025-12-17T10:00:00"},
        RecordCase{"17.12.2025 10:15:24.807 Dbg 04542 EventRinging sent to [1]", 4542,
                   "EventRinging sent to [1]"},
        RecordCase{"2025-12-17 10:15:24.807 Alr 04542 EventError sent to [1]", 4542,
                   "EventError sent to [1]"},
        RecordCase{"10:15:24 Trc 04542 EventError sent to [1]", 4542, "EventError sent to [1]"},
        RecordCase{"2025-12-17T10:15:24.807 Trace SFBTS01 TServer_SfB_01 GCTI-04-04542  "
                   "EventError sent to [724] (0000002a WDE_01 10.1.2.3:51234)",
                   4542, "EventError sent to [724] (0000002a WDE_01 10.1.2.3:51234)"},
        RecordCase{"10:15:24.807 Standard SFBTS01 TServer_SfB_01 GCTI-01-04541 RequestX received",
                   4541, "RequestX received"},
        RecordCase{"10:15:24.807 Renamed 04542  EventError sent to [1]", 4542,
                   "EventError sent to [1]"}));

// The tokenizer reads 8 bytes a step: at every offset of a space or a TAB, with bytes around it
// that are near ' ' and '\t' in value (0x08, 0x0a, 0x1f, 0x21, 0x29 = ' ' ^ '\t') or have the
// high bit set, the first word ends exactly where a byte-by-byte reading ends it.
TEST(FirstWord, EndsAtTheFirstSpaceOrTabWhateverTheBytesAround) {
  const std::string alphabet = std::string("a\x08\x0a\x1f\x21\x29\x80\xa0\xff\x89", 10);
  std::uint32_t seed = 12345;
  const auto next = [&seed] { return seed = seed * 1103515245u + 12345u, seed >> 16; };
  for (int round = 0; round < 20000; ++round) {
    std::string text(1 + next() % 40, 'a');
    for (char& c : text) c = alphabet[next() % alphabet.size()];
    if (next() % 4 != 0) text[next() % text.size()] = next() % 2 ? ' ' : '\t';
    if (next() % 3 == 0) text.insert(0, next() % 2 ? " \t" : " ");
    std::size_t begin = 0;
    while (begin < text.size() && (text[begin] == ' ' || text[begin] == '\t')) ++begin;
    std::size_t end = begin;
    while (end < text.size() && text[end] != ' ' && text[end] != '\t') ++end;
    ASSERT_EQ(first_word(text), std::string_view(text).substr(begin, end - begin)) << round;
  }
}

TEST(StandardRecord, RejectsWhatIsNotARecord) {
  for (const char* line : {"", "message EventError", "\tAttributeErrorCode\t57",
                           "@10:15:24.8070 [0] 8.5 send_to_client: message EventError",
                           "10:15 Trc 04542 EventError sent", "10:15:24.807 Trc 4542 EventError",
                           "10:15:24.807 Trc 045420 EventError", "2025-12-17X10:15:24 Trc 04542 x",
                           "12345 EventError sent to", "10:15:24.807", "10:15:24.807 Trc"}) {
    EXPECT_FALSE(parse_standard_record(line)) << line;
  }
}

TEST(EventErrorSent, NeedsTheExactName) {
  EXPECT_TRUE(is_event_error_sent("EventError sent to [724] (0000002a WDE_01 1.2.3.4:5)"));
  EXPECT_FALSE(is_event_error_sent("ISCCEventError sent to [724]"));
  EXPECT_FALSE(is_event_error_sent("EventErrorX sent to [724]"));
  EXPECT_FALSE(is_event_error_sent("EventError received from [724]"));
  EXPECT_FALSE(is_event_error_sent("EventLinkDisconnected sent to [724]"));
}

TEST(AtLine, FindsTheMessageNameWhateverTheFunction) {
  const auto a = parse_at_line("@10:15:24.8070 [0] 8.5.001.23 send_to_client: message EventError");
  EXPECT_EQ(a.kind, AtLineKind::kMessage);
  EXPECT_EQ(a.message_name, "EventError");
  const auto c = parse_at_line(
      "@10:15:24.8070 [0] 8.5.001.23 distribute call/party event: message EventEstablished ");
  EXPECT_EQ(c.kind, AtLineKind::kMessage);
  EXPECT_EQ(c.message_name, "EventEstablished");
}

TEST(AtLine, RecognisesBackupCopies) {
  EXPECT_EQ(parse_at_line("@10:15:24.8070 [BSYNC] Trace: Send to backup (TServer_SfB_02) "
                          ": message EventError")
                .kind,
            AtLineKind::kBackupCopy);
}

TEST(AtLine, RejectsLookAlikes) {
  EXPECT_EQ(parse_at_line("@10:15:24.8070 [0] 8.5 send_to_client: message").kind,
            AtLineKind::kNone);
  EXPECT_EQ(parse_at_line("@10:15:24.8070 [0] note: messages EventError").kind, AtLineKind::kNone);
  EXPECT_EQ(parse_at_line("@user: message EventError").kind, AtLineKind::kNone);
  EXPECT_EQ(parse_at_line("10:15:24.8070 [0] x: message EventError").kind, AtLineKind::kNone);
}

TEST(Column0Message, IsOneNameAfterMessage) {
  EXPECT_EQ(parse_column0_message("message EventError"), "EventError");
  EXPECT_EQ(parse_column0_message("message\tRequestMakeCall "), "RequestMakeCall");
  EXPECT_EQ(parse_column0_message("message"), "");
  EXPECT_EQ(parse_column0_message("messages EventError"), "");
  EXPECT_EQ(parse_column0_message("message EventError sent"), "");
  EXPECT_EQ(parse_column0_message(" message EventError"), "");
}

TEST(AttributeLine, SplitsNameValueAndIndent) {
  const auto tab = parse_attribute_line("\tAttributeErrorCode\t236");
  ASSERT_TRUE(tab);
  EXPECT_EQ(tab->name, "ErrorCode");
  EXPECT_EQ(tab->value, "236");
  EXPECT_EQ(tab->indent_columns, 8u);
  const auto spaces = parse_attribute_line("    AttributeThisDN    'sip:a@b.com'  ");
  ASSERT_TRUE(spaces);
  EXPECT_EQ(spaces->name, "ThisDN");
  EXPECT_EQ(spaces->value, "'sip:a@b.com'");
  EXPECT_EQ(spaces->indent_columns, 4u);
  EXPECT_EQ(parse_attribute_line("\t\tAttributeErrorCode\t57")->indent_columns, 16u);
  EXPECT_FALSE(parse_attribute_line("\t\t'ErrorCode'\t57"));
  EXPECT_FALSE(parse_attribute_line("\t(Timeout performing operation)"));
  EXPECT_FALSE(parse_attribute_line("\tAttribute\t57"));
}

TEST(Values, DecimalAndHex) {
  EXPECT_EQ(parse_decimal("236"), 236);
  EXPECT_EQ(parse_decimal("057"), 57);
  EXPECT_EQ(parse_decimal("-1"), -1);
  EXPECT_EQ(parse_decimal("'57'"), 57);
  EXPECT_EQ(parse_decimal("57 (TERR_TIMEOUT)"), 57);
  EXPECT_EQ(parse_decimal("9223372036854775807"), 9223372036854775807LL);
  EXPECT_FALSE(parse_decimal("9223372036854775808"));
  EXPECT_FALSE(parse_decimal("'Timeout'"));
  EXPECT_FALSE(parse_decimal(""));
  EXPECT_FALSE(parse_decimal("57x"));
  EXPECT_EQ(parse_hex("00000000000a1b2c"), 0xa1b2cu);
  EXPECT_EQ(parse_hex("FFFFFFFFFFFFFFFF"), 0xFFFFFFFFFFFFFFFFu);
  EXPECT_FALSE(parse_hex("10000000000000000"));
  EXPECT_FALSE(parse_hex("xyz"));
}

TEST(HeaderLine, KeyAndValue) {
  const auto a = parse_header_line("Application name:\tTServer_SfB_01");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->key, "Application name");
  EXPECT_EQ(a->value, "TServer_SfB_01");
  const auto b = parse_header_line("Start time (UTC):    2025-12-17T10:15:00.123");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->key, "Start time (UTC)");
  EXPECT_EQ(b->value, "2025-12-17T10:15:00.123");
  EXPECT_TRUE(parse_header_line("File: (1) TServer_SfB_01.20251217_101500_123.log"));
  EXPECT_FALSE(parse_header_line("10:15:24.807 Trc 04542 EventError sent"));
  EXPECT_FALSE(parse_header_line("or sent to [724] (0000002a WDE_01 10.1.2.3:51234)"));
  EXPECT_FALSE(parse_header_line("message EventError"));
  EXPECT_FALSE(parse_header_line("\tAttributeErrorCode:57"));
}

TEST(LogLine, ClientsInBothShapes) {
  const ClientId record = record_client_id("EventError sent to [724] (0000002a WDE_01 10.1.2.3:5)");
  EXPECT_TRUE(record.known);
  EXPECT_EQ(record.number, 724u);
  EXPECT_NE(record.application, 0u);
  const auto trace =
      parse_interaction("Interaction message \"EventError\" sent to 724 (\"WDE_01\")", true);
  ASSERT_TRUE(trace);
  EXPECT_EQ(trace->name, "EventError");
  EXPECT_EQ(trace->client, record);
  EXPECT_TRUE(same_client(record, record_client_id("x [724]")));  // application not printed
  EXPECT_FALSE(same_client(record, record_client_id("x [724] (1 WDE_02 2)")));
  EXPECT_FALSE(same_client(record, record_client_id("x [725] (0000002a WDE_01 10.1.2.3:5)")));
  // A configured application name with spaces.
  EXPECT_EQ(record_client_id("x [9] (00000001 My App 10.0.0.1:1)").application,
            parse_interaction("Interaction message \"E\" sent to 9 (\"My App\")", true)
                ->client.application);
  EXPECT_FALSE(record_client_id("x [abc] (1 A 2)").known);
  EXPECT_FALSE(record_client_id("no client").known);
  EXPECT_FALSE(record_client_id("x [99999999999999999999] (1 A 2)").known);
}

TEST(LogLine, InteractionTraces) {
  const auto request = parse_interaction(
      "Interaction message \"RequestMakeCall\" received from 724 (\"WDE_01\")", false);
  ASSERT_TRUE(request);
  EXPECT_EQ(request->name, "RequestMakeCall");
  EXPECT_EQ(request->client.number, 724u);
  EXPECT_FALSE(parse_interaction(
      "Interaction message \"RequestMakeCall\" received from 724 (\"WDE_01\")", true));
  EXPECT_FALSE(parse_interaction("Interaction message \"\" sent to 1", true));
  EXPECT_FALSE(parse_interaction("Interaction message \"EventError sent to 1", true));
  EXPECT_FALSE(parse_interaction("EventError sent to [1]", true));
  const auto bare = parse_interaction("Interaction message \"EventError\" sent to", true);
  ASSERT_TRUE(bare);
  EXPECT_FALSE(bare->client.known);
}

TEST(LogLine, OtherKindsOfLines) {
  EXPECT_EQ(classify_other_line("13:54:59.856: SIPCM: id=1"), OtherLineKind::kSipStack);
  EXPECT_EQ(classify_other_line("17:16:49.569 SIPCONN(1003): DetachMediaPeer"),
            OtherLineKind::kSipStack);
  EXPECT_EQ(classify_other_line("13:54:59.873: $+CTI:PRM:START:1:564"), OtherLineKind::kTrigger);
  EXPECT_EQ(classify_other_line("13:55:38.502: $*:SIP:CTI:DN_IN_SERVICE:3"),
            OtherLineKind::kTrigger);
  EXPECT_EQ(classify_other_line("$-CTI:PRM:START:1:774"), OtherLineKind::kTrigger);
  EXPECT_EQ(classify_other_line("SIP/2.0 200 OK"), OtherLineKind::kSipMessage);
  EXPECT_EQ(classify_other_line("SUBSCRIBE sip:Environment@192.168.210.82:5060 SIP/2.0"),
            OtherLineKind::kSipMessage);
  EXPECT_EQ(classify_other_line("Call-ID: 640476ED-F320@192.168.210.81"),
            OtherLineKind::kSipMessage);
  EXPECT_EQ(classify_other_line("v=0"), OtherLineKind::kSipMessage);
  EXPECT_EQ(classify_other_line("a=rtpmap:0 pcmu/8000"), OtherLineKind::kSipMessage);
  EXPECT_EQ(classify_other_line("Session value of the SDP is [1]"), OtherLineKind::kUnknown);
  EXPECT_EQ(classify_other_line("message EventError"), OtherLineKind::kUnknown);
  EXPECT_EQ(classify_other_line("99:99: nonsense"), OtherLineKind::kUnknown);
  EXPECT_EQ(classify_other_line("-- text --"), OtherLineKind::kUnknown);
  EXPECT_EQ(classify_other_line(""), OtherLineKind::kUnknown);
}

}  // namespace
}  // namespace tse::tserver
