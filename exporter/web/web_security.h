#pragma once

#include <functional>
#include <memory>
#include <string>

#include "web/basic_auth.h"
#include "web/tls_context.h"
#include "web/web_config.h"

namespace tse {

/// Told of what the web security turns away or fails at, for the self-metrics. Each may be
/// called on any thread (the HTTP thread, the listeners' thread, the bcrypt worker).
struct WebSecurityEvents {
  std::function<void()> certificate_reload_failed;
  std::function<void()> auth_cache_dropped;
};

/// A web configuration made ready to serve with: the TLS context source (null: plain), the
/// users (null: no authentication), the extra response headers formatted once, the rate limit.
/// Immutable once made, shared by the HTTP server's connections and the TLS listeners; a
/// reload makes a new one.
struct WebSecurity {
  WebSecurityConfig config;
  std::shared_ptr<TlsContextSource> tls;
  std::shared_ptr<const BasicAuth> auth;
  /// `Name: value\r\n` for each configured header with a value.
  std::string extra_headers;
};

/// Makes a WebSecurity from a parsed configuration, reading its certificate, key and client CA
/// files now. Throws WebConfigError (`FILE: reason`). Any thread.
std::shared_ptr<const WebSecurity> make_web_security(const WebSecurityConfig& config,
                                                     const std::string& file_name,
                                                     const WebSecurityEvents& events = {});

/// load_web_config() then make_web_security(): what `--web.config.file` does at start and at a
/// reload. Throws WebConfigError.
std::shared_ptr<const WebSecurity> load_web_security(const std::string& file_name,
                                                     const WebSecurityEvents& events = {});

}  // namespace tse
