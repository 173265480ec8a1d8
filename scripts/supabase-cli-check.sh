#!/usr/bin/env bash
# Checks supabase/ with Supabase's own tools, the pinned real CLI, against throwaway databases on the local
# Postgres (no Docker, no Supabase project):
#   db push (dry run, then for real with the seed), migration list (every local migration applied remotely),
#   db lint (plpgsql_check) and db advisors (security + performance, every level), each failing on any finding not
#   allow-listed below with its reason; db reset with the seed; pgTAP over supabase/tests the way `supabase test db`
#   runs it; db diff between the CLI-built database and one built by `pnpm migrate` (only the migrator's own
#   bookkeeping table may differ); and the committed Database types against the generator run on the CLI-built database.
# Needs: Postgres on $VX_SUPABASE_CHECK_SERVER (default postgresql://postgres@127.0.0.1:5432/postgres) that may
# create databases, Debian's postgresql-<major>-plpgsql-check and postgresql-<major>-pgtap, npm, jq.
# The CLI (~136 MB) and the types generator are installed once into $VX_SUPABASE_CACHE (default ~/.cache/vx-supabase).
set -euo pipefail
cd "$(dirname "$0")/.."

CLI_VERSION=2.117.0
CACHE="${VX_SUPABASE_CACHE:-$HOME/.cache/vx-supabase}"
SERVER="${VX_SUPABASE_CHECK_SERVER:-postgresql://postgres@127.0.0.1:5432/postgres}"
export DO_NOT_TRACK=1 SUPABASE_TELEMETRY_DISABLED=1 PGOPTIONS="-c client_min_messages=warning"

# Findings left on purpose, as `<name> <object>` (exact match) followed by the reason. Anything else fails the check,
# and so does an entry here that no longer occurs (delete it then).
ADVISOR_ALLOWED=(
  "function_search_path_mutable public.vx_webhook_logs|A SET search_path would stop Postgres inlining it into the calling query; inlined, the logs page reads the (webhook_id, created_at) index in order (explain.test.ts). It runs as the caller and names every table schema-qualified."
  "unindexed_foreign_keys public.ivr_sessions.ivr_sessions_current_menu_id_fkey|Every IVR step rewrites current_menu_id: a second index on it would cost every step, and the specification's idx_ivr_sessions_current_menu_id already finds a menu's sessions for ON DELETE SET NULL."
)
# unused_index: a database made a second ago has no index usage statistics; every index is the specification's,
# covers a foreign key, or is proven used by packages/db/test/explain.test.ts.
ADVISOR_IGNORED_NAMES=(unused_index)
LINT_ALLOWED=(
  "public.vx_verify_api_keys unused variable \"i\"|The FOR loop declares its own i, so the DECLAREd one is dead but harmless; dropping it means re-creating the hot verification function, which migrations that change verification do anyway."
  "public.vx_ratelimit_batch name of parameter \"limit\" is reserved keyword|A result column (RETURNS TABLE), named as the API field callers read (limit) and always quoted in the body; renaming it would change what every caller reads."
  "public.vx_table_dependents_ddl target type is different type than source type|Migration 017's helper starts its DDL list as the literal '{}' (text) assigned to text[]: an empty array, as intended; it runs once, at migration time."
  "public.vx_row_type_functions_ddl target type is different type than source type|Same migration-time helper of 017, same '{}' literal."
  "public.vx_expired_rows target type is different type than source type|Its list of whole partitions starts as the literal '{}' assigned to oid[]: an empty array, as intended."
  "public.vx_expired_rows OUT variable \"row_json\" is maybe unmodified|RETURN QUERY EXECUTE fills the OUT columns through dynamic SQL, which plpgsql_check cannot follow; archive.test.ts proves the rows come back."
  "public.vx_expired_rows OUT variable \"at\" is maybe unmodified|As above: dynamic SQL plpgsql_check cannot follow."
  "public.vx_expired_rows OUT variable \"id\" is maybe unmodified|As above: dynamic SQL plpgsql_check cannot follow."
)

LOG="$(mktemp)"
failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}
step() { echo "== $*"; }

# Prints a command's stdout; on failure also what it said on stderr, and stops the check.
capture() {
  "$@" 2>"$LOG" || {
    cat "$LOG" >&2
    echo "FAIL: $*" >&2
    exit 1
  }
}

# Runs a command quietly; on failure prints what it said and stops the check.
quiet() {
  "$@" >"$LOG" 2>&1 || {
    cat "$LOG" >&2
    echo "FAIL: $*" >&2
    exit 1
  }
}

install_cli() {
  local prefix="$CACHE/cli-$CLI_VERSION"
  if [ ! -x "$prefix/node_modules/.bin/supabase" ]; then
    step "installing supabase@$CLI_VERSION into $prefix (once)"
    quiet npm install --exact --no-audit --no-fund --prefix "$prefix" "supabase@$CLI_VERSION"
  fi
  SUPABASE="$prefix/node_modules/.bin/supabase"
}

# A fresh database per role, dropped on exit (also when the check fails half-way). Sets the variable named $2 to
# its URL (no subshell, so the list of databases to drop stays in this shell).
DATABASES=()
new_database() {
  local name="vx_test_supabase_cli_$1_$$"
  DATABASES+=("$name")
  quiet psql "$SERVER" -qAtc "DROP DATABASE IF EXISTS $name WITH (FORCE)" -c "CREATE DATABASE $name"
  printf -v "$2" '%s' "${SERVER%/*}/$name"
}
cleanup() {
  for name in "${DATABASES[@]}"; do psql "$SERVER" -qAtc "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null || true; done
  rm -rf supabase/.temp "$LOG"
}
trap cleanup EXIT

# The CLI's --db-url wants TLS unless told otherwise; the local server has none.
cli_url() { echo "$1?sslmode=disable"; }

# Prints findings (one "key|detail" per line) that are not allowed, and allowed entries that no longer occur.
check_against() {
  local what="$1" findings="$2"
  shift 2
  local allowed=("$@") entry key
  while IFS= read -r line; do
    [ -z "$line" ] && continue
    key="${line%%|*}"
    local ok=0
    for entry in "${allowed[@]}"; do [ "${entry%%|*}" = "$key" ] && ok=1; done
    [ "$ok" = 1 ] && echo "   allowed: $key" || fail "$what: ${line#*|} ($key)"
  done <<<"$findings"
  for entry in "${allowed[@]}"; do
    key="${entry%%|*}"
    grep -qxF -- "$key" <(cut -d'|' -f1 <<<"$findings") || fail "$what: allow-list entry no longer occurs, delete it: $key"
  done
}

install_cli
echo "supabase $("$SUPABASE" --version) in $CACHE"
new_database cli cli_db
new_database migrate migrate_db
CLI_DB="$(cli_url "$cli_db")"

step "db push --dry-run, then db push --include-seed"
quiet "$SUPABASE" db push --db-url "$CLI_DB" --dry-run --include-seed --yes
quiet "$SUPABASE" db push --db-url "$CLI_DB" --include-seed --yes

step "migration list: every local migration is applied remotely"
expected="$(ls supabase/migrations | sed -n 's/^\([0-9]\{14\}\)_.*\.sql$/\1/p' | sort)"
listed="$(capture "$SUPABASE" migration list --db-url "$CLI_DB" --output-format json)"
mismatched="$(jq -r '.migrations[] | select(.local != .remote) | "\(.local) local, \(.remote) remote"' <<<"$listed")"
[ -z "$mismatched" ] || fail "migration list: local and remote differ: $mismatched"
[ "$(jq -r '.migrations[].remote' <<<"$listed" | sort)" = "$expected" ] || fail "migration list: remote is not every file in supabase/migrations"

step "db lint (plpgsql_check)"
lint="$(capture "$SUPABASE" db lint --db-url "$CLI_DB" --level warning --fail-on none)"
check_against "db lint" "$(jq -r '.[]? | .function as $f | .issues[] | "\($f) \(.message)|\(.level): \(.detail // .hint // "")"' <<<"${lint:-[]}")" "${LINT_ALLOWED[@]}"

step "db advisors (security and performance, every level)"
advisors="$(capture "$SUPABASE" db advisors --db-url "$CLI_DB" --type all --level info --fail-on none)"
ignored="$(printf '"%s",' "${ADVISOR_IGNORED_NAMES[@]}")"
check_against "db advisors" "$(jq -r --argjson ignored "[${ignored%,}]" '.[]? | select(.name as $n | $ignored | index($n) | not)
  | "\(.name) \(.metadata.schema).\(.metadata.name)\(if .metadata.fkey_name then ".\(.metadata.fkey_name)" else "" end)|\(.level): \(.detail)"' <<<"${advisors:-[]}")" "${ADVISOR_ALLOWED[@]}"

step "db reset --yes (every migration again, then the seed)"
quiet "$SUPABASE" db reset --db-url "$CLI_DB" --yes

step "pgTAP over supabase/tests, as \`supabase test db\` runs it (pg_prove)"
quiet pg_prove --ext .pg --ext .sql -r -d "$cli_db" supabase/tests
tail -1 "$LOG"

step "db diff: the CLI-built database against one built by pnpm migrate"
DATABASE_URL="$migrate_db" quiet pnpm -s migrate up
diff_sql="$(capture "$SUPABASE" db diff --from "$CLI_DB" --to "$(cli_url "$migrate_db")")"
# One statement per blank-line-separated block; the migrator's bookkeeping (vx_migrations) is the only difference.
unexpected="$(awk -v RS= '!/vx_migrations/' <<<"$diff_sql")"
[ -z "$unexpected" ] || fail "db diff: the two databases differ beyond vx_migrations:
$unexpected"
grep -q 'CREATE TABLE "public"."vx_migrations"' <<<"$diff_sql" || fail "db diff: expected vx_migrations only on the pnpm migrate side"

step "generated Database types match the migrations"
pnpm -s db:types --check "$cli_db" || fail "types: run \`pnpm db:types\` and commit the result"

if [ "$failures" -gt 0 ]; then
  echo "supabase CLI check: $failures failure(s)" >&2
  exit 1
fi
echo "supabase CLI check: all passed"
