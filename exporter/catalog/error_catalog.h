#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace tse {

/// The known T-Server error codes with their symbolic names and descriptions. Immutable data:
/// safe to call from any thread.
class ErrorCatalog {
 public:
  struct Entry {
    std::int64_t code;
    std::string_view name;
    std::string_view description;
  };

  /// The name given to codes that are not in the table, and to EventErrors with no code.
  static constexpr std::string_view kUnknownName = "UNKNOWN";

  /// Every known code, sorted by code.
  static std::span<const Entry> entries();

  /// The entry for `code`, or nullptr when the code is not in the table.
  static const Entry* find(std::int64_t code);
};

}  // namespace tse
