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
# Wait until the Secret Service answers on the bus (bounded).
for _ in $(seq 1 100); do
  if secret-tool search --all service mcp-auth-proxy-probe >/dev/null 2>&1; then break; fi
  sleep 0.1
done
node --experimental-vm-modules node_modules/jest/bin/jest.js --config jest.keychain.config.js "$@"
