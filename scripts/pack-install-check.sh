#!/usr/bin/env bash
# Packs the package as npm would publish it, installs the tarball globally
# into a throwaway prefix, and runs the installed binary: `--version` and
# `demo --once`. Fails on any npm warning, a source map in the tarball, or a
# file the package must ship that is missing. Used by .ci/run and by
# test/integration/package.test.ts (which passes --no-build: dist/ is fresh).
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# --ignore-scripts when dist/ was just built (prepack would rebuild it under running tests).
pack_flags=()
[ "${1:-}" = "--no-build" ] && pack_flags+=(--ignore-scripts)
npm pack "${pack_flags[@]}" --pack-destination "$work" --json >"$work/pack.json" 2>"$work/pack.err"
tarball="$work/$(node -e 'console.log(JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"))[0].filename)' "$work/pack.json")"
node -e '
  const files = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"))[0].files.map((f) => f.path);
  const maps = files.filter((f) => f.endsWith(".map"));
  const missing = ["LICENSE", "README.md", "bin/mcp-auth-proxy.js", "dist/cli/main.js", "mcp-auth-proxy.config.example.json", "mcp-auth-proxy.team.example.json", "package.json"].filter((f) => !files.includes(f));
  const stray = files.filter((f) => !/^(bin|dist)\//.test(f) && !["LICENSE", "README.md", "mcp-auth-proxy.config.example.json", "mcp-auth-proxy.team.example.json", "package.json"].includes(f));
  if (maps.length || missing.length || stray.length) {
    console.error(`packed files wrong: source maps ${JSON.stringify(maps)}, missing ${JSON.stringify(missing)}, not meant to ship ${JSON.stringify(stray)}`);
    process.exit(1);
  }
  console.log(`packed ${files.length} files`);
' "$work/pack.json"

npm install -g --no-audit --no-fund --prefer-offline --prefix "$work/prefix" "$tarball" >"$work/install.out" 2>"$work/install.err"
if grep -qi 'warn' "$work/pack.err" "$work/install.out" "$work/install.err"; then
  echo "npm warned while packing or installing:" >&2
  cat "$work/pack.err" "$work/install.out" "$work/install.err" >&2
  exit 1
fi
bin="$work/prefix/bin/mcp-auth-proxy"
[ -x "$bin" ] || { echo "no executable at $bin" >&2; exit 1; }
version="$("$bin" --version)"
[ "$version" = "$(node -p 'require("./package.json").version')" ] || { echo "installed --version says $version" >&2; exit 1; }
# A clean home: the demo needs no config, keychain or daemon.
HOME="$work/home" XDG_CONFIG_HOME="$work/home/config" XDG_STATE_HOME="$work/home/state" "$bin" demo --once
echo "installed from $(basename "$tarball"): --version $version, demo --once passed"
