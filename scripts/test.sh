#!/usr/bin/env bash
# The one command that passes the tests on a fresh machine: installs the system packages the
# tests start (redis-server, prometheus, dnsmasq) when they are missing, then runs format, lint
# and test checks.
set -euo pipefail
cd "$(dirname "$0")/.."

need_packages=()
command -v redis-server >/dev/null 2>&1 || need_packages+=(redis-server)
# The diagnostics tests run a real Prometheus and a real DNS server (dnsmasq, without its service).
command -v prometheus >/dev/null 2>&1 || need_packages+=(prometheus)
[ -x /usr/sbin/dnsmasq ] || need_packages+=(dnsmasq-base)

if [ ${#need_packages[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing: ${need_packages[*]}; install them (apt-get install -y ${need_packages[*]}) or run as root" >&2
    exit 1
  fi
  echo "installing ${need_packages[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_packages[@]}"
fi

# The local model's server compiles llama.cpp on a fresh machine (minutes): it builds while the
# Rust checks and the test build run, and the tests wait for it.
llm_log=$(mktemp)
bash scripts/install-llm.sh >"$llm_log" 2>&1 &
llm_install=$!
trap 'kill "$llm_install" 2>/dev/null || true; rm -f "$llm_log"' EXIT

cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked --no-run
if ! wait "$llm_install"; then
  cat "$llm_log" >&2
  echo "installing the local language-model server failed" >&2
  exit 1
fi
cat "$llm_log"
cargo test --workspace --locked
