// Fuzzes the syslog side of the network sources: a TCP byte stream cut into chunks at random
// through SyslogFramer, and every frame through parse_syslog.
//
// Invariants: the frames and the framing verdict do not depend on how the stream was cut;
// the parsed fields are views into the frame.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.h"
#include "source/syslog_message.h"

namespace {

using tse::fuzz::Choices;

bool inside(std::string_view part, std::string_view whole) {
  return part.empty() ||
         (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

void check_parse(std::string_view frame) {
  const auto message = tse::parse_syslog(frame);
  if (!message) return;
  TSE_FUZZ_CHECK(inside(message->hostname, frame));
  TSE_FUZZ_CHECK(inside(message->app_name, frame));
  TSE_FUZZ_CHECK(inside(message->message, frame));
}

struct Framed {
  std::vector<std::string> frames;
  bool ok = true;
  std::uint64_t oversize = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  Choices choices(input);
  // A small frame limit now and then, so that oversize frames are reached.
  const std::size_t max_frame = choices.below(4) == 0 ? 1 + choices.below(64) : 64 * 1024;

  check_parse(input);

  const auto on_frame = [](Framed& out) {
    return [&out](std::string_view frame) {
      check_parse(frame);
      out.frames.emplace_back(frame);
    };
  };

  Framed whole;
  tse::SyslogFramer whole_framer(max_frame);
  whole.ok = whole_framer.feed(input, on_frame(whole));
  whole.oversize = whole_framer.oversize();

  Framed cut;
  tse::SyslogFramer cut_framer(max_frame);
  for (std::string_view rest = input; !rest.empty() && cut.ok;) {
    const std::size_t n = std::min<std::size_t>(rest.size(), 1 + choices.below(32));
    cut.ok = cut_framer.feed(rest.substr(0, n), on_frame(cut));
    rest.remove_prefix(n);
  }
  cut.oversize = cut_framer.oversize();

  TSE_FUZZ_CHECK(cut.ok == whole.ok);
  TSE_FUZZ_CHECK(cut.frames == whole.frames);
  if (whole.ok) TSE_FUZZ_CHECK(cut.oversize == whole.oversize);
  return 0;
}
