#!/usr/bin/env bash
# Installs the @vx packages the way a user would (from `pnpm pack` tarballs, with npm, in a fresh copy of this
# example outside the workspace), typechecks the example against their declarations and runs it: ESM on embedded
# PGlite and, when DATABASE_URL or TEST_DATABASE_URL is set, on Postgres; then the CommonJS file.
# VX_SKIP_BUILD=1 packs the dist/ folders as they are (scripts/check-packages.sh has just built them).
set -euo pipefail
example="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$example/../.." && pwd)"
packages=(api-keys compliance db ivr webhooks)

work="$(mktemp -d "${TMPDIR:-/tmp}/vx-consumer.XXXXXX")"
trap '[ -n "${VX_KEEP:-}" ] || rm -rf "$work"' EXIT

# Linked into the workspace, the example would resolve the packages' sources instead of what users install.
(cd "$root" && pnpm -r ls --depth -1 --json) >"$work/workspace.json"
if grep -q '"name": "vx-example-consumer"' "$work/workspace.json"; then
  echo "examples/consumer must not be a workspace package (check pnpm-workspace.yaml)"
  exit 1
fi

if [ "${VX_SKIP_BUILD:-}" != "1" ]; then
  echo "building the packages"
  (cd "$root" && pnpm -r --filter "./packages/*" build >"$work/build.log" 2>&1) || { cat "$work/build.log"; exit 1; }
fi

echo "packing into $work/tarballs"
mkdir -p "$work/tarballs" "$work/app"
for pkg in "${packages[@]}"; do
  (cd "$root/packages/$pkg" && pnpm pack --pack-destination "$work/tarballs" >/dev/null)
done

# A fresh copy of the example: its @vx dependencies point at the tarballs, and `overrides` make the packages'
# dependencies on each other use the same tarballs, so nothing named @vx/* is ever fetched from a registry.
cp -R "$example/package.json" "$example/tsconfig.json" "$example/src" "$work/app/"
node - "$work" <<'NODE'
const { readdirSync, readFileSync, writeFileSync } = require("node:fs");
const { join } = require("node:path");
const work = process.argv[2];
const file = join(work, "app", "package.json");
const manifest = JSON.parse(readFileSync(file, "utf8"));
manifest.overrides = {};
for (const tarball of readdirSync(join(work, "tarballs"))) {
  const name = `@vx/${tarball.replace(/^vx-/, "").replace(/-\d+\.\d+\.\d+.*\.tgz$/, "")}`;
  manifest.dependencies[name] = `file:${join(work, "tarballs", tarball)}`;
  manifest.overrides[name] = `$${name}`;
}
writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`);
NODE

cd "$work/app"
echo "installing with npm $(npm --version)"
npm install --no-package-lock --no-audit --no-fund --prefer-offline --loglevel=error
for pkg in "${packages[@]}"; do
  copies="$(find . -path "*/node_modules/@vx/$pkg/package.json" | wc -l)"
  [ "$copies" = "1" ] || { echo "expected one installed copy of @vx/$pkg, found $copies"; exit 1; }
done

echo "typechecking the example against the packages' declarations"
npx tsc -p tsconfig.json

echo "the vx-db command of the installed @vx/db, on a PGlite folder"
env -u DATABASE_URL VX_DATA_DIR="$work/data" npx --no-install vx-db migrate up >"$work/migrate.log"
grep -q "applied  *000_supabase_bootstrap" "$work/migrate.log" || { cat "$work/migrate.log"; exit 1; }
env -u DATABASE_URL VX_DATA_DIR="$work/data" npx --no-install vx-db migrate status >"$work/status.log"
if grep -q "^pending" "$work/status.log"; then
  cat "$work/status.log"
  exit 1
fi
node dist/main.js
node dist/main-commonjs.cjs
