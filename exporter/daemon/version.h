#pragma once

#include <string_view>

namespace tse {

/// The release version (CMake's project version) and the git revision it was configured from.
std::string_view version();
std::string_view revision();

}  // namespace tse
