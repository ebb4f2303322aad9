#!/usr/bin/env bash
# A real Prometheus scraping the exporter over HTTPS, with the exporter's --web.config.file
# asking for a client certificate (RequireAndVerifyClientCert) and basic auth, and Prometheus
# giving both from its own configuration (tls_config, basic_auth), in < 60 s.
#   prometheus-https-e2e.sh EXPORTER PROMETHEUS
#
# A test CA, the server's certificate and Prometheus's client certificate are made by openssl in
# the temp dir. The segment holds two EventErrors 57; Prometheus must see up == 1 and read the
# counter back as 2.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

exporter=$1 prometheus=$2
[ -x "$prometheus" ] || skip "prometheus not found (Debian package prometheus; deploy/install-deps.sh installs it)"
command -v jq >/dev/null || skip "jq not found (deploy/install-deps.sh installs it)"
command -v openssl >/dev/null || skip "openssl not found (deploy/install-deps.sh installs it)"

tserver=TServer_SfB_TLS
segment_name=TServer_SfB_TLS.20251217_101500_123.log
pki=$tse_tmp/pki
mkdir -p "$tse_tmp/logs" "$tse_tmp/state" "$tse_tmp/tsdb" "$pki"
(
  cd "$pki"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj '/CN=tse test CA'
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >server.ext
  openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj '/CN=localhost'
  openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -set_serial 11 -out server.crt -days 2 \
    -extfile server.ext
  openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj '/CN=prometheus'
  openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -set_serial 12 -out client.crt -days 2
) >"$tse_tmp/openssl.log" 2>&1 || fail "openssl could not make the test PKI: $(cat "$tse_tmp/openssl.log")"

# The password "dave123", hashed by Go's bcrypt (exporter-toolkit's web/testdata).
cat >"$pki/web.yml" <<'EOF'
tls_server_config:
  cert_file: server.crt
  key_file: server.key
  client_auth_type: RequireAndVerifyClientCert
  client_ca_file: ca.crt
basic_auth_users:
  dave: $2y$10$2UXri9cIDdgeKjBo4Rlpx.U3ZLDV8X1IxKmsfOvhcM5oXQt/mLmXq
EOF

segment=$tse_tmp/logs/$segment_name
{
  segment_header "$tserver" "$segment_name"
  event_error 1 57 'Switch or T-Server did not respond in time' RequestMakeCall
  event_error 2 57 'Switch or T-Server did not respond in time' RequestMakeCall
} >"$segment"

start_exporter "$exporter" --source.file="$tse_tmp/logs/*.log" --source.from-beginning \
  --storage.path="$tse_tmp/state" --web.config.file="$pki/web.yml"
exporter_serves() {
  local text
  text=$(curl -fsS --max-time 3 --cacert "$pki/ca.crt" --resolve "localhost:$EXPORTER_PORT:127.0.0.1" \
    --cert "$pki/client.crt" --key "$pki/client.key" -u dave:dave123 \
    "https://localhost:$EXPORTER_PORT/metrics" 2>/dev/null) || return 1
  grep -q '^tserver_event_errors_total{error_code="57".*} 2$' <<<"$text"
}
wait_until 10 "the exporter serving code 57 at 2 over HTTPS" exporter_serves

cat >"$tse_tmp/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: tserver_https
    scheme: https
    basic_auth:
      username: dave
      password: dave123
    tls_config:
      ca_file: $pki/ca.crt
      cert_file: $pki/client.crt
      key_file: $pki/client.key
      server_name: localhost
    static_configs:
      - targets: ["127.0.0.1:$EXPORTER_PORT"]
EOF
start_prometheus "$prometheus" "$tse_tmp/prometheus.yml"

scraped() {
  [ "$(scalar 'up{job="tserver_https"}')" = 1 ] &&
    [ "$(scalar "tserver_event_errors_total{job=\"tserver_https\",tserver=\"$tserver\",error_code=\"57\"}")" = 2 ]
}
wait_until 20 "Prometheus reading up == 1 and the counter 2 over HTTPS" scraped
# Every scrape so far passed authentication: the exporter counted no 401.
unauthorized=$(scalar 'tserver_exporter_http_unauthorized_total{job="tserver_https"}')
[ "$unauthorized" = 0 ] || fail "the exporter answered $unauthorized scrapes with 401"
pass "Prometheus scraped over HTTPS with a client certificate and basic auth: up 1, code 57 at 2"
