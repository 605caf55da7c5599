#!/usr/bin/env bash
# The one command that passes the tests on a fresh machine (CI runs it through .ci/run):
#
# 1. installs, as root and only when missing, the Debian packages the tests run or build with
#    (redis-server, redis-tools, prometheus, prometheus-alertmanager, dnsmasq-base, python3-venv,
#    g++, chromium), leaving none of their services enabled or running: the tests start their own
#    servers;
# 2. installs the local language-model server into .venv-llm/ in the background
#    (scripts/install-llm.sh: a one-time llama.cpp compile of about ten minutes);
# 3. checks formatting, lints and docs, builds the tests and runs them.
#
# It prints one line per phase with how long it took. What apt and pip print goes to
# target/test-logs/ and its end is shown when they fail; failing checks and tests print in full,
# while a test binary that passes prints one line.
set -euo pipefail
cd "$(dirname "$0")/.."

logs=target/test-logs
mkdir -p "$logs"
started=$SECONDS

# --- Phases: one line each, and on failure the end of the phase's log ---------------------------

phase=""      # the phase running now, named in the failure line
phase_log=""  # its log, whose end is shown if it fails
phase_started=0
llm_pid=""    # the background model-server install, stopped if the script ends early

duration() {
  local seconds=$1
  if ((seconds >= 60)); then
    printf '%d min %02d s' $((seconds / 60)) $((seconds % 60))
  else
    printf '%d s' "$seconds"
  fi
}

begin() {
  phase=$1
  phase_log=${2:-}
  phase_started=$SECONDS
}

# Ends the phase: "NAME  ok  DURATION  [NOTE]".
end() {
  local took
  took=$(duration $((SECONDS - phase_started)))
  if [ -n "${1:-}" ]; then
    printf '%-13s ok  %-13s %s\n' "$phase" "$took" "$1"
  else
    printf '%-13s ok  %s\n' "$phase" "$took"
  fi
  phase=""
  phase_log=""
}

on_exit() {
  local status=$?
  if [ -n "$llm_pid" ]; then
    # The install runs in its own process group (setsid): stop pip and the compiler with it.
    kill -- -"$llm_pid" 2>/dev/null || true
  fi
  if [ "$status" -ne 0 ] && [ -n "$phase" ]; then
    if [ -n "$phase_log" ] && [ -s "$phase_log" ]; then
      echo "--- the last 60 lines of $phase_log ---" >&2
      tail -n 60 "$phase_log" >&2
      echo "---" >&2
    fi
    printf '%-13s FAILED after %s\n' "$phase" "$(duration $((SECONDS - phase_started)))" >&2
  fi
}
trap on_exit EXIT

# --- 1. System packages -------------------------------------------------------------------------

# The packages' units, which their maintainer scripts enable even when policy-rc.d forbids
# starting them (templates such as redis-server@.service are never enabled by default).
units_of() {
  dpkg -L "$@" 2>/dev/null |
    sed -n 's#^/\(usr/\)\{0,1\}lib/systemd/system/\([^/@]*\.\(service\|socket\|timer\)\)$#\2#p' | sort -u
}

install_packages() {
  begin packages "$logs/packages.log"
  local need=()
  command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
  command -v redis-cli >/dev/null 2>&1 || need+=(redis-tools)
  command -v prometheus >/dev/null 2>&1 || need+=(prometheus)
  command -v prometheus-alertmanager >/dev/null 2>&1 || command -v alertmanager >/dev/null 2>&1 ||
    need+=(prometheus-alertmanager)
  # dnsmasq without its service, for the DNS diagnostics tests; /usr/sbin is not on every PATH.
  [ -x /usr/sbin/dnsmasq ] || need+=(dnsmasq-base)
  # The model server's virtual environment, and the C++ compiler llama.cpp builds with.
  python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || need+=(python3-venv)
  command -v g++ >/dev/null 2>&1 || need+=(g++)
  # Headless Chromium, which lays out the evaluation report the way a reader's browser does.
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  if [ ${#need[@]} -eq 0 ]; then
    end "(all installed)"
    return
  fi
  if [ "$(id -u)" -ne 0 ]; then
    phase=""
    echo "missing: ${need[*]}; install them as root:" >&2
    echo "  apt-get install -y --no-install-recommends ${need[*]}" >&2
    echo "then stop and disable the services they add (the tests start their own servers):" >&2
    echo "  systemctl disable --now redis-server prometheus prometheus-alertmanager" >&2
    exit 1
  fi

  : >"$phase_log"
  # No service may start while installing: the tests run their own Redis, Prometheus and
  # Alertmanager on free ports. A policy already in place (Docker images have one) is kept.
  local policy=/usr/sbin/policy-rc.d added_policy="" status=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# Added by scripts/test.sh while it installs packages.\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    added_policy=1
  fi
  {
    DEBIAN_FRONTEND=noninteractive apt-get update &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}"
  } >>"$phase_log" 2>&1 || status=$?
  [ -z "$added_policy" ] || rm -f "$policy"
  [ "$status" -eq 0 ] || exit "$status"

  local unit
  for unit in $(units_of "${need[@]}"); do
    if command -v systemctl >/dev/null 2>&1; then
      systemctl disable "$unit" >>"$phase_log" 2>&1 || true
      if [ -d /run/systemd/system ]; then
        systemctl stop "$unit" >>"$phase_log" 2>&1 || true
      fi
    fi
  done
  end "(installed ${need[*]}; no service enabled)"
}

# --- 2. The local model server, in the background -----------------------------------------------

start_model_install() {
  llm_started=$SECONDS
  rm -f "$logs/llm.took"
  # Its own session, so the whole install (pip, cmake, the compiler) can be stopped as a group;
  # it notes how long it took, since it may end long before anything waits for it.
  setsid bash -c 'start=$SECONDS; bash scripts/install-llm.sh; status=$?; echo $((SECONDS - start)) >"$1"; exit $status' \
    _ "$logs/llm.took" >"$logs/llm.log" 2>&1 &
  llm_pid=$!
}

# Waits for the background install, saying every few minutes that it is still building.
wait_for_model() {
  begin "model server" "$logs/llm.log"
  local wait_started=$SECONDS next_note=0 elapsed every=180
  phase_started=$llm_started
  while kill -0 "$llm_pid" 2>/dev/null; do
    elapsed=$((SECONDS - llm_started))
    if ((elapsed >= next_note)); then
      echo "model server still building ($((elapsed / 60)) min so far; it takes about 10 on 2 cores)"
      next_note=$(((elapsed / every + 1) * every))
    fi
    sleep 1
  done
  local pid=$llm_pid waited=$((SECONDS - wait_started))
  llm_pid=""
  wait "$pid"
  phase_started=$((SECONDS - $(cat "$logs/llm.took")))
  if grep -q '^installed ' "$phase_log"; then
    end "(built into .venv-llm/; waited $(duration "$waited") for it)"
  else
    end "(already in .venv-llm/)"
  fi
}

# --- 3. Checks and tests ------------------------------------------------------------------------

# Condenses `cargo test` output: a test binary that passes becomes one line; a failing or
# crashing one, and anything else cargo says, is printed as it came.
condense() {
  awk '
    function flush() { if (held != "") printf "%s", held; held = "" }
    /^ *Running / || /^ *Doc-tests / {
      flush()
      if ($1 == "Doc-tests") { name = $2 " doc-tests" }
      else if ($2 == "unittests") {
        # The crate, from the name of the binary: every crate has its own src/lib.rs.
        crate = $NF; gsub(/^\(.*\/|-[0-9a-f]+\)$/, "", crate)
        name = crate " " $3
      } else { name = $2 }
      held = $0 "\n"
      next
    }
    held != "" {
      held = held $0 "\n"
      if ($0 ~ /^test result: ok\./) {
        # test result: ok. N passed; N failed; N ignored; N measured; N filtered out; finished in Ts
        passed = $4; ignored = $8; time = $NF
        printf "  %-44s %4d passed%s (%s)\n", name, passed, (ignored > 0 ? ", " ignored " ignored" : ""), time
        held = ""
      } else if ($0 ~ /^test result: /) {
        flush()
      }
      next
    }
    /^ *Finished / || /^[[:space:]]*$/ { next }
    { print }
    END { flush() }
  '
}

install_packages
start_model_install

begin fmt
cargo fmt --all --check
end

begin clippy
cargo clippy --workspace --all-targets --locked -q -- -D warnings
end

begin doc
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --workspace --locked -q
end

begin "test build"
cargo test --workspace --locked --no-run -q
end

wait_for_model
export FIREBREAK_LLM_PYTHON=$PWD/.venv-llm/bin/python3

begin tests
cargo test --workspace --locked --no-fail-fast -- --quiet 2>&1 | condense
end

echo "all checks passed in $(duration $((SECONDS - started)))"
