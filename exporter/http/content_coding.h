#pragma once

#include <string>
#include <string_view>

namespace tse {

/// Whether an `Accept-Encoding` header value accepts gzip (RFC 9110 12.5.3): a `gzip`
/// (or `x-gzip`, or `*`) coding whose q-value is not 0. Prometheus sends `gzip`.
[[nodiscard]] bool accepts_gzip(std::string_view accept_encoding);

/// `text` compressed in the gzip format (RFC 1952) at zlib's default level (6, as Go's gzip and
/// so Prometheus's own exporters): 1,168 series, 146 KB of text, become 10.5 KB in about 1 ms,
/// once per rendering; level 1 gave 14.2 KB, and 50 busy clients' p99 was higher with it.
[[nodiscard]] std::string gzip_compress(std::string_view text);

}  // namespace tse
