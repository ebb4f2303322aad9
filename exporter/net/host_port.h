#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace tse {

/// `HOST:PORT`, `:PORT` or `[V6]:PORT`, split: the host without its brackets (empty for
/// `:PORT`), the port as written (for a resolver) and as a number.
struct HostPort {
  std::string host;
  std::string port_text;
  unsigned short port = 0;
};

/// Splits `value` at its last colon. Throws std::invalid_argument with a one-line reason that
/// begins with `subject`, the value as the user should recognise it (`listen address "x"`).
inline HostPort split_host_port(std::string_view value, const std::string& subject) {
  const std::size_t colon = value.rfind(':');
  if (colon == std::string_view::npos) {
    throw std::invalid_argument(subject + " has no port; use HOST:PORT or :PORT");
  }
  HostPort out{.host = std::string(value.substr(0, colon)),
               .port_text = std::string(value.substr(colon + 1))};
  try {
    std::size_t used = 0;
    const unsigned long port = std::stoul(out.port_text, &used);
    if (used != out.port_text.size() || port > 65535) throw std::out_of_range("port");
    out.port = static_cast<unsigned short>(port);
  } catch (const std::exception&) {
    throw std::invalid_argument(subject + " has a bad port \"" + out.port_text + "\"");
  }
  if (out.host.size() >= 2 && out.host.front() == '[' && out.host.back() == ']') {
    out.host = out.host.substr(1, out.host.size() - 2);
  }
  return out;
}

}  // namespace tse
