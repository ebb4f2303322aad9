#include "web/web_security.h"

namespace tse {

std::shared_ptr<const WebSecurity> make_web_security(const WebSecurityConfig& config,
                                                     const std::string& file_name,
                                                     const WebSecurityEvents& events) {
  auto security = std::make_shared<WebSecurity>();
  security->config = config;
  if (config.tls.enabled()) {
    security->tls =
        std::make_shared<TlsContextSource>(config.tls, file_name, events.certificate_reload_failed);
  }
  if (!config.basic_auth_users.empty()) {
    security->auth =
        std::make_shared<const BasicAuth>(config.basic_auth_users, events.auth_cache_dropped);
  }
  for (const auto& [name, value] : config.http.headers) {
    if (!value.empty()) security->extra_headers += name + ": " + value + "\r\n";
  }
  return security;
}

std::shared_ptr<const WebSecurity> load_web_security(const std::string& file_name,
                                                     const WebSecurityEvents& events) {
  return make_web_security(load_web_config(file_name), file_name, events);
}

}  // namespace tse
