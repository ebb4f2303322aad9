#!/usr/bin/env bash
# Installs the Debian 12 packages tserver_exporter needs to build and test, if any is missing.
# Used by the README's commands, by .ci/run and by the container build. Run as root.
#   deploy/install-deps.sh               everything: build, unit tests and the deployment tests
#   deploy/install-deps.sh --build-only  what building the exporter and its .deb needs (the image)
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config git ca-certificates
  libboost-dev libssl-dev zlib1g-dev prometheus-cpp-dev libspdlog-dev libyaml-cpp-dev libcrypt-dev
)
if [ "${1:-}" != "--build-only" ]; then
  packages+=(
    libgtest-dev libgmock-dev libbenchmark-dev
    curl openssl
    prometheus jq rsyslog  # the real Prometheus, promtool and logger in tests/deploy
    chromium  # the landing page in a headless browser (tests/deploy/chromium-landing.sh)
  )
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}; run this script as root" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
