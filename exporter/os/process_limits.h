#pragma once

#include <cstdint>
#include <optional>

namespace tse::os {

/// Raises this process's soft limit on open descriptors to its hard limit, and returns the
/// limit now in force. nullopt where the system has no such per-process limit (Windows: handles
/// are limited by memory alone) or does not say.
std::optional<std::uint64_t> raise_open_file_limit();

}  // namespace tse::os
