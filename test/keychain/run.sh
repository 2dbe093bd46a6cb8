#!/usr/bin/env bash
# Runs the keychain suite against a real Secret Service: a private D-Bus
# session with gnome-keyring-daemon (secrets component) unlocked with a
# throwaway password, all state in a temp dir, the daemon killed on exit.
# Needs Debian's dbus, gnome-keyring and libsecret-tools (.ci/run installs them).
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ] || [ "${KEYCHAIN_SUITE_INNER:-}" != 1 ]; then
  exec env KEYCHAIN_SUITE_INNER=1 dbus-run-session -- "$0" "$@"
fi

scratch="$(mktemp -d)"
export XDG_DATA_HOME="$scratch/data" XDG_RUNTIME_DIR="$scratch/run" XDG_CONFIG_HOME="$scratch/config" XDG_STATE_HOME="$scratch/state"
mkdir -p "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR" "$XDG_CONFIG_HOME" "$XDG_STATE_HOME"
chmod 700 "$XDG_RUNTIME_DIR"
printf 'keychain-suite-password' | gnome-keyring-daemon --foreground --unlock --components=secrets >"$scratch/keyring.log" 2>&1 &
keyring=$!
trap 'kill "$keyring" 2>/dev/null || true; rm -rf "$scratch"' EXIT
# Wait until our daemon owns the Secret Service name on the bus, asking in a way that does not start one:
# a client call made before that makes D-Bus activate a second, locked gnome-keyring-daemon, which then
# owns the name and fails every store (it would prompt for a password, with no display to prompt on).
for _ in $(seq 1 150); do
  if gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
    --method org.freedesktop.DBus.NameHasOwner org.freedesktop.secrets 2>/dev/null | grep -q true; then break; fi
  sleep 0.1
done
# Then until it takes and gives back an item (bounded): its login collection may still be on its way.
ready=""
for _ in $(seq 1 150); do
  if printf 'probe' | secret-tool store --label='mcp-auth-proxy probe' service mcp-auth-proxy-probe account ready >/dev/null 2>&1 \
    && [ "$(secret-tool lookup service mcp-auth-proxy-probe account ready 2>/dev/null)" = "probe" ]; then
    secret-tool clear service mcp-auth-proxy-probe account ready >/dev/null 2>&1 || true
    ready=1
    break
  fi
  sleep 0.1
done
if [ -z "$ready" ]; then
  echo "the Secret Service did not become ready; gnome-keyring-daemon said:" >&2
  cat "$scratch/keyring.log" >&2
  exit 1
fi
node --experimental-vm-modules node_modules/jest/bin/jest.js --config jest.keychain.config.js "$@"
