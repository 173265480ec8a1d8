#!/usr/bin/env bash
# Checks that every publishable @vx package is fit to publish: it builds, its packed tarball passes publint and
# "Are the types wrong?", it carries a README, the pending changesets form a release plan that
# `changeset version` can apply (tried in a throwaway copy, never in the repository), and
# `pnpm publish --dry-run` accepts it. Exits non-zero on the first failure.
#
# attw runs with `--profile node16`: it then ignores the node10 resolution mode (TypeScript's legacy
# `moduleResolution: "node"`), which cannot see subpath exports such as `@vx/db/testing`. Every consumer the
# packages support (Node >= 20.19) resolves through `exports`: node16/nodenext and bundler are still checked,
# from ESM and from CommonJS.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

work="$(mktemp -d "${TMPDIR:-/tmp}/vx-check-packages.XXXXXX")"
trap 'rm -rf "$work"' EXIT

step() { printf '\n== %s\n' "$1"; }
fail() { printf 'FAIL: %s\n' "$1" >&2; exit 1; }

# The packages that get published: every non-private package under packages/.
publishable=()
for dir in packages/*/; do
  dir="${dir%/}"
  if [ "$(node -p "require('./$dir/package.json').private === true")" != "true" ]; then publishable+=("$dir"); fi
done
[ "${#publishable[@]}" -gt 0 ] || fail "no publishable packages found under packages/"

step "build (packages and apps)"
pnpm build >"$work/build.log" 2>&1 || { cat "$work/build.log"; fail "pnpm build"; }
echo "built"

step "pack, publint, attw, README"
for dir in "${publishable[@]}"; do
  name="$(node -p "require('./$dir/package.json').name")"
  # pnpm pack is what publishing uploads: it rewrites workspace: ranges to real versions.
  tarball="$(cd "$dir" && pnpm pack --pack-destination "$work" | tail -1)"
  [ -f "$tarball" ] || fail "$name: pnpm pack produced no tarball"
  # Listed to files first: grep -q closing a pipe early would fail the pipeline under pipefail.
  tar -tzf "$tarball" >"$work/files.txt"
  tar -xzOf "$tarball" package/package.json >"$work/manifest.json"
  grep -qx 'package/README.md' "$work/files.txt" || fail "$name: the package has no README.md"
  if grep -q '"workspace:' "$work/manifest.json"; then fail "$name: workspace: range in the packed package.json"; fi
  npx publint run "$tarball" --strict >"$work/publint.log" 2>&1 || { cat "$work/publint.log"; fail "$name: publint"; }
  npx attw "$tarball" --profile node16 --format table-flipped >"$work/attw.log" 2>&1 || {
    cat "$work/attw.log"
    fail "$name: attw"
  }
  echo "ok  $name ($(basename "$tarball"))"
done

step "changeset status"
pnpm -s changeset status --output "$work/release-plan.json" >"$work/status.log" 2>&1 || {
  cat "$work/status.log"
  fail "changeset status"
}
node -e '
  const plan = require(process.argv[1]);
  for (const r of plan.releases) console.log(`${r.name}: ${r.oldVersion} -> ${r.newVersion} (${r.type})`);
  if (plan.releases.length === 0) console.log("no pending releases");
' "$work/release-plan.json"

step "changeset version (in a throwaway copy)"
# Only what changesets reads: the workspace manifests, the changesets and any existing changelogs.
copy="$work/repo"
mkdir -p "$copy"
cp package.json pnpm-workspace.yaml "$copy/"
cp -R .changeset "$copy/"
for manifest in packages/*/package.json apps/*/package.json; do
  mkdir -p "$copy/$(dirname "$manifest")"
  cp "$manifest" "$copy/$manifest"
  changelog="$(dirname "$manifest")/CHANGELOG.md"
  if [ -f "$changelog" ]; then cp "$changelog" "$copy/$changelog"; fi
done
(cd "$copy" && "$root/node_modules/.bin/changeset" version >"$work/version.log" 2>&1) || {
  cat "$work/version.log"
  fail "changeset version"
}
node -e '
  const { existsSync, readFileSync } = require("node:fs");
  const [copy, planFile] = process.argv.slice(1);
  const plan = require(planFile);
  const dirs = new Map();
  for (const dir of require("node:fs").readdirSync(`${copy}/packages`)) {
    dirs.set(require(`${copy}/packages/${dir}/package.json`).name, `${copy}/packages/${dir}`);
  }
  let failed = false;
  for (const release of plan.releases) {
    const dir = dirs.get(release.name);
    if (!dir) continue; // apps/api is private and ignored by changesets
    const version = require(`${dir}/package.json`).version;
    const changelog = existsSync(`${dir}/CHANGELOG.md`) ? readFileSync(`${dir}/CHANGELOG.md`, "utf8") : "";
    const ok = version === release.newVersion && changelog.includes(`## ${release.newVersion}`);
    console.log(`${ok ? "ok " : "BAD"} ${release.name}@${version}${changelog ? ", CHANGELOG.md written" : ", no CHANGELOG.md"}`);
    failed ||= !ok;
  }
  process.exit(failed ? 1 : 0);
' "$copy" "$work/release-plan.json" || fail "changeset version did not bump and document every release"

step "pnpm publish --dry-run"
filters=()
for dir in "${publishable[@]}"; do filters+=(--filter "./$dir"); done
pnpm -r "${filters[@]}" publish --dry-run --no-git-checks >"$work/publish.log" 2>&1 || {
  cat "$work/publish.log"
  fail "pnpm publish --dry-run"
}
grep -E '^\+ @vx/' "$work/publish.log" || fail "pnpm publish --dry-run published nothing"

printf '\nall publishable packages check out: %s\n' "${publishable[*]}"
