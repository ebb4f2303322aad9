#pragma once

#include <string_view>

// What a T-Server's log file names say (contract section 1).
namespace tse::tserver {

/// The T-Server's log base name of a segment file name: `TServer_SfB_01` for
/// `TServer_SfB_01.20251217_101500_123.log`; `app` for `app.log`; the name itself otherwise.
std::string_view segment_base_name(std::string_view file_name);

/// True for files that duplicate records written elsewhere and must never be read:
/// `*.snapshot.log`, `*.memory.log`, `*.qsp`.
bool is_duplicate_output(std::string_view file_name);

}  // namespace tse::tserver
