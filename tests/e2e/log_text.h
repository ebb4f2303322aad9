#pragma once
// T-Server log text for the end-to-end tests: headers, EventError records of both shapes, and
// the exposition line of one counter.
#include <string>

namespace tse::e2e {

// A segment's header block, ended by its empty line. Without `app`, no `Application name`.
inline std::string header(const std::string& app, const std::string& file, const char* eol = "\n") {
  std::string h;
  if (!app.empty()) h += "Application name:\t" + app + eol;
  h += std::string("Application type:\tTServer") + eol;
  h += std::string("Application version:\t8.5.001.23") + eol;
  h += std::string("Host name:\tSFBTS01") + eol;
  h += std::string("Host type:\tWindows") + eol;
  h += std::string("Local time:\t2025-12-17T10:00:00.000") + eol;
  h += std::string("Start time (UTC):\t2025-12-17T09:00:00.000") + eol;
  h += std::string("Running in:\tprimary mode") + eol;
  h += "File: (1) D:\\Logs\\" + file + eol;
  h += eol;
  return h;
}

inline const std::string kTrailer =
    "2025-12-17T10:15:24.807 Trc 04542 EventError sent to [724] (0000002a WDE_01 10.1.2.3:51234)";

// Shape A: the `@... message EventError` dump, then its 04542 trailer.
inline std::string shape_a(int code, const std::string& seq, const char* eol = "\n") {
  std::string s;
  s += std::string("@10:15:24.8070 [0] 8.5.001.23 send_to_client: message EventError") + eol;
  s += "\tAttributeEventSequenceNumber\t" + seq + eol;
  s += std::string("\tAttributeTimeinuSecs\t807000") + eol;
  s += std::string("\tAttributeTimeinSecs\t1765966524 (10:15:24)") + eol;
  s += std::string("\tAttributeErrorMessage\t'Some error'") + eol;
  s += "\tAttributeErrorCode\t" + std::to_string(code) + eol;
  s += std::string("\tAttributeReferenceID\t17") + eol;
  s += std::string("\tAttributeThisDN\t'sip:agent1@contoso.com'") + eol;
  s += kTrailer + eol;
  return s;
}

// Shape B: the 04542 record, then the column-0 `message EventError` dump. Its user data holds
// a nested 'ErrorCode' 57, which is never a code. Needs a following column-0 line to close it.
inline std::string shape_b(int code, const std::string& seq, const char* eol = "\n") {
  std::string s;
  s += "2025-12-17T11:00:01.100 Trc 04542 EventError sent to [724] (0000002a WDE_01 "
       "10.1.2.3:51234)" +
       std::string(eol);
  s += std::string("message EventError") + eol;
  s += "\tAttributeEventSequenceNumber\t" + seq + eol;
  s += std::string("\tAttributeErrorMessage\t'Timeout performing operation'") + eol;
  s += "\tAttributeErrorCode\t" + std::to_string(code) + eol;
  s += std::string("\tAttributeReferenceID\t18") + eol;
  s += std::string("\tAttributeUserData\t[40] 00 02 00 00..") + eol;
  s += std::string("\t\t'ErrorCode'\t57") + eol;
  s += std::string("\t\t'Note'\t'message EventError'") + eol;
  return s;
}

inline std::string check_point(const char* eol = "\n") {
  return std::string("2025-12-17T11:00:00.000 Std 04120 Check point 2025-12-17T11:00:00") + eol;
}

// The exact line of one series of tserver_event_errors_total.
inline std::string errors_line(const std::string& tserver, const std::string& code,
                               const std::string& name, int value) {
  return "tserver_event_errors_total{error_code=\"" + code + "\",error_name=\"" + name +
         "\",tserver=\"" + tserver + "\"} " + std::to_string(value);
}

constexpr int kSeriesPerTServer = 35;  // the 34 catalog codes and "unknown"

}  // namespace tse::e2e
