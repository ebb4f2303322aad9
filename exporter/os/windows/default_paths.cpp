// Windows implementation of os/default_paths.h.
#include "os/default_paths.h"

#include <windows.h>

#include <knownfolders.h>
#include <shlobj.h>

#include "os/windows/wide_path.h"

namespace tse::os {

std::string program_data_directory() {
  // Asked once: every Config{} takes its default from here.
  static const std::string directory = [] {
    PWSTR path = nullptr;
    std::string found;
    if (::SHGetKnownFolderPath(FOLDERID_ProgramData, 0, nullptr, &path) == S_OK) {
      found = to_utf8(path) + "\\tserver_exporter";
    }
    ::CoTaskMemFree(path);  // owed even when the call fails
    return found;
  }();
  return directory;
}

std::string default_state_directory() {
  const std::string base = program_data_directory();
  return base.empty() ? "data" : base + "\\data";
}

}  // namespace tse::os
