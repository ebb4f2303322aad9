#pragma once

#include <string>

namespace tse::os {

/// The state directory when the configuration names none (`storage.path`): "data", relative to
/// the working directory, on POSIX; on Windows `%ProgramData%\tserver_exporter\data`, because a
/// service starts in C:\Windows\System32.
std::string default_state_directory();

#ifdef _WIN32
/// `%ProgramData%\tserver_exporter` (SHGetKnownFolderPath(FOLDERID_ProgramData)): the
/// service's configuration, state and logs, which an uninstall leaves. Empty if Windows does not
/// say.
std::string program_data_directory();
#endif

}  // namespace tse::os
