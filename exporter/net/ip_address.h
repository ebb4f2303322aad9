#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/ip/address.hpp>

namespace tse::net {

/// `text` as an IP address, or nullopt, by the same rules on every system: an IPv4 address is
/// four decimal numbers 0-255 without leading zeros, as glibc's inet_pton takes them; an IPv6
/// one has hex digits, ':' and '.' only (then a scope, `%eth0`). Windows' parser also takes
/// "1.2.3", "1.2.3.04" and "[::1]", which would make a typo listen somewhere else.
inline std::optional<boost::asio::ip::address> parse_ip_address(std::string_view text) {
  if (text.find(':') != std::string_view::npos) {
    const std::string_view address = text.substr(0, text.find('%'));
    for (const char c : address) {
      const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
      if (!hex && c != ':' && c != '.') return std::nullopt;
    }
  } else {
    int parts = 0;
    std::size_t at = 0;
    while (true) {
      std::size_t end = at;
      while (end < text.size() && text[end] >= '0' && text[end] <= '9') ++end;
      const std::string_view part = text.substr(at, end - at);
      if (part.empty() || part.size() > 3 || (part.size() > 1 && part[0] == '0') ||
          std::stoi(std::string(part)) > 255) {
        return std::nullopt;
      }
      ++parts;
      if (end == text.size()) break;
      if (text[end] != '.') return std::nullopt;
      at = end + 1;
    }
    if (parts != 4) return std::nullopt;
  }
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(std::string(text), ec);
  if (ec) return std::nullopt;
  return address;
}

}  // namespace tse::net
