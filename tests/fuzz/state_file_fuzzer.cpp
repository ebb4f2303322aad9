// Fuzzes the state file loader (state/state_file.h) four ways, chosen by the first byte:
// the bytes as a file; the bytes with a valid checksum line put in place of theirs, so that the
// line parser is reached past the checksum; a state built from the bytes, serialized; and the
// bytes as a stream's saved pairing of requests and answers (RecordAssembler::restore_pairing).
//
// Invariant: whatever parses serializes and parses again to the same state.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.h"
#include "hashing/fnv1a.h"
#include "state/state_file.h"
#include "tserver/record_assembler.h"

namespace {

using tse::fuzz::Choices;

void check_round_trip(const tse::SavedState& state) {
  std::string error;
  const auto again = tse::parse_state(tse::serialize_state(state), error);
  TSE_FUZZ_CHECK(again.has_value());
  TSE_FUZZ_CHECK(*again == state);
}

std::string take(std::string_view& bytes, Choices& choices) {
  const std::size_t n = std::min<std::size_t>(bytes.size(), choices.below(24));
  std::string out(bytes.substr(0, n));
  bytes.remove_prefix(n);
  return out;
}

std::uint64_t number(Choices& choices) {
  return (std::uint64_t{choices.next()} << 32) | choices.next();
}

tse::SavedState build(std::string_view bytes, Choices& choices) {
  tse::SavedState state;
  for (std::uint32_t n = choices.below(8); n > 0; --n) {
    tse::SavedCounter c;
    c.family = take(bytes, choices);
    c.tserver = take(bytes, choices);
    c.request = take(bytes, choices);
    c.error_code = take(bytes, choices);
    c.value = number(choices);
    state.counters.push_back(std::move(c));
  }
  for (std::uint32_t n = choices.below(8); n > 0; --n) {
    tse::StreamPosition p;
    p.stream = take(bytes, choices);
    p.path = take(bytes, choices);
    p.device = number(choices);
    p.inode = number(choices);
    p.fingerprint_size = choices.next();
    p.fingerprint = number(choices);
    p.offset = number(choices);
    p.context = take(bytes, choices);
    state.positions.push_back(std::move(p));
  }
  return state;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t mode = data[0] % 4;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string error;
  switch (mode) {
    case 0:
      if (const auto state = tse::parse_state(input, error)) check_round_trip(*state);
      break;
    case 1: {
      std::string text(input.substr(0, input.rfind("checksum\t")));
      if (!text.empty() && text.back() != '\n') text += '\n';
      char line[40];
      std::snprintf(line, sizeof line, "checksum\t%016llx\n",
                    static_cast<unsigned long long>(tse::fnv1a(text)));
      text += line;
      if (const auto state = tse::parse_state(text, error)) check_round_trip(*state);
      break;
    }
    case 2: {
      Choices choices(input);
      check_round_trip(build(input, choices));
      break;
    }
    default: {
      struct Sink : tse::tserver::RecordSink {
        void on_event_error(const tse::tserver::EventErrorReport&) override {}
      } sink;
      tse::tserver::RecordAssembler first(sink);
      const std::string before = first.pairing_state();
      if (!first.restore_pairing(input)) {
        TSE_FUZZ_CHECK(first.pairing_state() == before);  // refused: nothing changed
        break;
      }
      const std::string text = first.pairing_state();
      tse::tserver::RecordAssembler second(sink);
      TSE_FUZZ_CHECK(second.restore_pairing(text));
      TSE_FUZZ_CHECK(second.pairing_state() == text);
    }
  }
  return 0;
}
