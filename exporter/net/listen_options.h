#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/socket_base.hpp>

namespace tse::net {

/// Makes `acceptor` (open, not yet bound) refuse to share its port with another process, and
/// lets it bind again at once after a restart.
///
/// POSIX: SO_REUSEADDR only allows binding over connections of a previous run in TIME_WAIT; a
/// second process still gets "address in use". Windows: SO_REUSEADDR would let a second process
/// take the same port (a port thief gets the scrapes), so SO_EXCLUSIVEADDRUSE is set instead,
/// which also refuses any later binder. Wine maps sockets to Linux, so this only shows on Windows.
template <typename Acceptor>
void set_exclusive_listen(Acceptor& acceptor) {
#ifdef _WIN32
  using exclusive_address_use =
      boost::asio::detail::socket_option::boolean<SOL_SOCKET, SO_EXCLUSIVEADDRUSE>;
  acceptor.set_option(exclusive_address_use(true));
#else
  acceptor.set_option(boost::asio::socket_base::reuse_address(true));
#endif
}

}  // namespace tse::net
