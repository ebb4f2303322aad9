// Fuzzes what the T-Server part reads outside the record stream: segment file names
// (tserver/segment_name.h), a segment's header block (SegmentedLog::application_name_in), and
// every rule of the log line grammar (tserver/log_line.h), line by line.
//
// Invariants: every view returned points into the bytes given; a base name is a prefix of the
// file name; the Application name is a substring of the head.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.h"
#include "tserver/log_line.h"
#include "tserver/segment_name.h"
#include "tserver/segmented_log.h"

namespace {

namespace ts = tse::tserver;

bool inside(std::string_view part, std::string_view whole) {
  return part.empty() ||
         (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

void check_line(std::string_view line) {
  if (const auto record = ts::parse_standard_record(line)) {
    TSE_FUZZ_CHECK(inside(record->text, line));
    TSE_FUZZ_CHECK(inside(ts::first_word(record->text), line));
    (void)ts::record_client_id(record->text);
    (void)ts::is_event_error_sent(record->text);
    for (const bool sent : {true, false}) {
      if (const auto trace = ts::parse_interaction(record->text, sent)) {
        TSE_FUZZ_CHECK(inside(trace->name, line) && !trace->name.empty());
      }
    }
  }
  TSE_FUZZ_CHECK(inside(ts::first_word(line), line));
  (void)ts::record_client_id(line);
  (void)ts::is_event_error_sent(line);
  (void)ts::classify_other_line(line);
  const auto at = ts::parse_at_line(line);
  TSE_FUZZ_CHECK(inside(at.message_name, line));
  TSE_FUZZ_CHECK(inside(ts::parse_column0_message(line), line));
  if (ts::is_indented(line)) (void)ts::indent_columns(line);
  if (const auto attribute = ts::parse_attribute_line(line)) {
    TSE_FUZZ_CHECK(inside(attribute->name, line));
    TSE_FUZZ_CHECK(inside(attribute->value, line));
    (void)ts::parse_decimal(attribute->value);
    (void)ts::parse_hex(attribute->value);
  }
  (void)ts::parse_decimal(line);
  (void)ts::parse_hex(line);
  if (const auto header = ts::parse_header_line(line)) {
    TSE_FUZZ_CHECK(inside(header->key, line));
    TSE_FUZZ_CHECK(inside(header->value, line));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  const std::string_view base = ts::segment_base_name(input);
  TSE_FUZZ_CHECK(input.starts_with(base));
  (void)ts::is_duplicate_output(input);

  const std::string name = ts::SegmentedLog::application_name_in(input);
  TSE_FUZZ_CHECK(input.find(name) != std::string_view::npos);

  for (std::size_t pos = 0; pos <= input.size();) {
    std::size_t nl = input.find('\n', pos);
    if (nl == std::string_view::npos) nl = input.size();
    check_line(input.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return 0;
}
