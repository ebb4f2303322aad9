#pragma once

#include <string>
#include <string_view>

namespace tse {

/// Whether an `Accept-Encoding` header value accepts gzip (RFC 9110 12.5.3): a `gzip`
/// (or `x-gzip`, or `*`) coding whose q-value is not 0. Prometheus sends `gzip`.
[[nodiscard]] bool accepts_gzip(std::string_view accept_encoding);

/// `text` compressed in the gzip format (RFC 1952), at zlib's fastest level: the exposition is
/// repetitive, and this level already shrinks it about tenfold at a fraction of a render's cost.
[[nodiscard]] std::string gzip_compress(std::string_view text);

}  // namespace tse
