#!/usr/bin/env bash
# Runs "$@" inside the current D-Bus session against a fresh gnome-keyring
# whose login collection has been locked (headless: no prompt can unlock it).
# Called under its own dbus-run-session by locked-keyring.test.ts.
set -euo pipefail
scratch="$(mktemp -d)"
export XDG_DATA_HOME="$scratch/data" XDG_RUNTIME_DIR="$scratch/run"
mkdir -p "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
printf 'locked-suite-password' | gnome-keyring-daemon --foreground --unlock --components=secrets >"$scratch/keyring.log" 2>&1 &
keyring=$!
trap 'kill "$keyring" 2>/dev/null || true; rm -rf "$scratch"' EXIT
# First until our daemon owns the name (asked without activating another, locked one; see run.sh).
for _ in $(seq 1 300); do
  if gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
    --method org.freedesktop.DBus.NameHasOwner org.freedesktop.secrets 2>/dev/null | grep -q true; then break; fi
  sleep 0.1
done
ready=0
for _ in $(seq 1 300); do
  if printf 'x' | secret-tool store --label=probe service mcp-auth-proxy-probe username probe 2>/dev/null; then ready=1; break; fi
  sleep 0.1
done
if [ "$ready" != 1 ]; then
  echo "with-locked-keyring: gnome-keyring did not answer within 30 s; see $scratch/keyring.log" >&2
  cat "$scratch/keyring.log" >&2
  exit 3
fi
gdbus call --session --dest org.freedesktop.secrets --object-path /org/freedesktop/secrets \
  --method org.freedesktop.Secret.Service.Lock "['/org/freedesktop/secrets/collection/login']" >/dev/null
"$@"
