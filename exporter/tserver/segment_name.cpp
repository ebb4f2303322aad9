#include "tserver/segment_name.h"

namespace tse::tserver {
namespace {

// `.YYYYMMDD_HHMMSS_mmm`
bool is_segment_stamp(std::string_view s) {
  constexpr std::string_view kShape = ".dddddddd_dddddd_ddd";
  if (s.size() != kShape.size()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const bool digit = s[i] >= '0' && s[i] <= '9';
    if (kShape[i] == 'd' ? !digit : s[i] != kShape[i]) return false;
  }
  return true;
}

}  // namespace

std::string_view segment_base_name(std::string_view file_name) {
  if (file_name.ends_with(".log")) file_name.remove_suffix(4);
  constexpr std::size_t kStamp = 20;
  if (file_name.size() > kStamp && is_segment_stamp(file_name.substr(file_name.size() - kStamp))) {
    file_name.remove_suffix(kStamp);
  }
  return file_name;
}

bool is_duplicate_output(std::string_view file_name) {
  return file_name.ends_with(".snapshot.log") || file_name.ends_with(".memory.log") ||
         file_name.ends_with(".qsp");
}

}  // namespace tse::tserver
