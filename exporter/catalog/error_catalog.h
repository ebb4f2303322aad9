#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace tse {

/// The known T-Server error codes with their symbolic names and descriptions: the built-in SfB
/// table, under it the codes of catalog tables (config/tlib-error-codes.yml), over both the
/// configuration's own codes. Where a table and the SfB table disagree the SfB entry stays: its
/// names are verbatim from the vendor's SfB documentation and the alerts are written on them.
///
/// Pure and immutable once built: no I/O (catalog/catalog_table.h reads the table files), safe
/// to read from any thread. A reload builds a new one and hands it to ErrorMetrics.
class ErrorCatalog {
 public:
  struct Entry {
    std::int64_t code = 0;
    std::string name;
    std::string description;
    bool operator==(const Entry&) const = default;
  };

  /// The name given to codes that are not in the table, and to EventErrors with no code.
  static constexpr std::string_view kUnknownName = "UNKNOWN";

  /// The built-in SfB table alone.
  static const ErrorCatalog& builtin();

  /// The built-in table over `tables` (a later table over an earlier one), `codes` over all (a
  /// later entry over an earlier one).
  ErrorCatalog(std::span<const std::vector<CatalogEntryConfig>> tables,
               std::span<const CatalogEntryConfig> codes);

  /// Every known code, sorted by code.
  [[nodiscard]] std::span<const Entry> entries() const { return entries_; }

  /// The entry for `code`, or nullptr when the code is not in the table. A binary search over a
  /// plain sorted array of codes: as cheap as the constant table it replaced.
  [[nodiscard]] const Entry* find(std::int64_t code) const;

  bool operator==(const ErrorCatalog& other) const { return entries_ == other.entries_; }

 private:
  std::vector<Entry> entries_;       // sorted by code
  std::vector<std::int64_t> codes_;  // entries_[i].code, searched without touching the strings
};

}  // namespace tse
