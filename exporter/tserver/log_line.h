#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

// The grammar of one T-Server log line (contract section 2). Every rule about what a line looks
// like lives here, so that a real log from the field changes this file and its test only.
// All functions are pure and allocation-free; views point into the caller's line.
namespace tse::tserver {

/// Record ids that matter (contract section 2).
inline constexpr std::uint32_t kRequestReceivedId = 4541;  // "<Request> received from [n] (...)"
inline constexpr std::uint32_t kEventSentId = 4542;        // "<Event> sent to [n] (...)"
inline constexpr std::uint32_t kCheckPointId = 4120;       // "Check point <date>"
/// Interaction-level traces (contract section 6): `Interaction message "<Request>" received from
/// <n> ("<application>")` and `Interaction message "<Event>" sent to <n> ("<application>")`.
inline constexpr std::uint32_t kRequestInteractionId = 4543;
inline constexpr std::uint32_t kEventInteractionId = 4545;

/// `<time> <level> <id> <text>` in short or full message_format, any time_format.
struct StandardRecord {
  std::uint32_t id = 0;   // the 5-digit message id, e.g. 4542
  std::string_view text;  // after the id, leading spaces removed
};

/// Parses a standard record; nullopt when the line is not one.
std::optional<StandardRecord> parse_standard_record(std::string_view line);

/// For 04541/04542 texts: the first word, the TLib message name ("EventError").
std::string_view first_word(std::string_view text);

/// True when a 04542 text is `EventError sent to ...` (exact name; not ISCCEventError etc.).
bool is_event_error_sent(std::string_view text);

/// A client, as the records name it: `[724] (0000002a WDE_01 10.1.2.3:51234)` in 04541/04542
/// records, `724 ("WDE_01")` in 04543/04545 records. `number` is the T-Server's client number,
/// `application` a hash of the application name (0 when the record does not print it). Two
/// records name the same client when their numbers are equal and their applications do not
/// disagree (see same_client).
struct ClientId {
  std::uint64_t number = 0;
  std::uint64_t application = 0;
  bool known = false;  // false when the record names no client
  bool operator==(const ClientId&) const = default;
};

/// True when `a` and `b` can be the same client: both known, same number, and applications equal
/// or one of them unknown.
inline bool same_client(const ClientId& a, const ClientId& b) {
  return a.known && b.known && a.number == b.number &&
         (a.application == 0 || b.application == 0 || a.application == b.application);
}

/// The client a 04541/04542 text names: `[n] (<client-id> <application> <ip:port>)`.
ClientId record_client_id(std::string_view text);

/// An interaction-level record's text: `Interaction message "<Name>" sent to <n> ("<app>")`
/// (04545) or `... received from <n> ("<app>")` (04543).
struct InteractionMessage {
  std::string_view name;  // the TLib message name, between the quotes
  ClientId client;
};
/// Parses the text of a 04543 (`received`) or 04545 (`sent`) record; nullopt when it is not an
/// interaction message of that direction.
std::optional<InteractionMessage> parse_interaction(std::string_view text, bool sent);

/// Lines of other kinds that SIP Server logs interleave with the T-Server's (contract section 6).
/// None is a record; they are recognised only so that `unrecognized` keeps meaning "unknown".
enum class OtherLineKind {
  kUnknown,
  kSipStack,    // `13:54:59.856: SIPCM: id=1`, `17:16:49.569 SIPCONN(1003): ...`
  kTrigger,     // `13:54:59.873: $+CTI:PRM:START:1:564` (`$+`, `$-`, `$*`)
  kSipMessage,  // a raw SIP message: start line, header fields, SDP body lines
};
/// Classifies a column-0 line that is neither a record, an `@` line nor a `message` line.
OtherLineKind classify_other_line(std::string_view line);

/// What an `@`-prefixed line opens.
enum class AtLineKind { kNone, kMessage, kBackupCopy };
struct AtLine {
  AtLineKind kind = AtLineKind::kNone;
  std::string_view message_name;  // for kMessage
};

/// Classifies `@HH:MM:SS.ffff [thread] ... : message <Name>` and `@... [BSYNC] ...` lines.
AtLine parse_at_line(std::string_view line);

/// `message <Name>` at column 0; returns the name or an empty view.
std::string_view parse_column0_message(std::string_view line);

/// True for a line that starts with a space or a TAB (a dump body line).
inline bool is_indented(std::string_view line) {
  return !line.empty() && (line.front() == '\t' || line.front() == ' ');
}

/// A `<indent>Attribute<Name><ws><value>` dump body line.
struct AttributeLine {
  std::uint32_t indent_columns = 0;  // TAB stops every 8 columns
  std::string_view name;             // without the "Attribute" prefix: "ErrorCode"
  std::string_view value;            // trimmed
};

/// Parses an indented attribute line; nullopt for nested pairs (`'key' value`), `(text)` lines,
/// hex continuation lines and anything else that is not `Attribute<Name>`.
std::optional<AttributeLine> parse_attribute_line(std::string_view line);

/// Indentation of an indented line in columns (TAB stops every 8).
std::uint32_t indent_columns(std::string_view line);

/// A decimal integer value (`236`, `-1`, `'57'`); nullopt when malformed or out of range.
std::optional<std::int64_t> parse_decimal(std::string_view value);

/// A hex value such as `00000000000a1b2c` (at most 16 digits); nullopt when malformed.
std::optional<std::uint64_t> parse_hex(std::string_view value);

/// A segment header line `Key:<TAB or spaces>value` (contract section 1).
struct HeaderLine {
  std::string_view key;
  std::string_view value;
};
std::optional<HeaderLine> parse_header_line(std::string_view line);

}  // namespace tse::tserver
