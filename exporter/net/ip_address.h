#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/ip/address.hpp>

namespace tse::net {

/// `text` as an IP address, or nullopt, by the same rules on every system: an IPv4 address is
/// four decimal numbers 0-255 without leading zeros, as glibc's inet_pton takes them (Windows'
/// parser also takes "1.2.3" and "1.2.3.04", which would make a typo listen somewhere else).
inline std::optional<boost::asio::ip::address> parse_ip_address(std::string_view text) {
  if (text.find(':') == std::string_view::npos) {
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
