#!/usr/bin/env bash
# The sandbox walk-through in one command (wired as `npm run sandbox`): seed a fake legacy
# VPS, dry-run the migration with --check --diff, run it for real, then run it again and
# require changed=0. Everything lands under $TSIBLE_SANDBOX (default: a fresh temp folder,
# removed at the end unless KEEP_SANDBOX=1). Exits non-zero at the first failure.
set -euo pipefail

cd "$(dirname "$0")/.."
TSIBLE=(node bin/tsible.js)
if [[ -z "${TSIBLE_SANDBOX:-}" ]]; then
  TSIBLE_SANDBOX="$(mktemp -d "${TMPDIR:-/tmp}/tsible-sandbox-XXXXXX")"
  created=1
else
  created=0
  mkdir -p "$TSIBLE_SANDBOX"
fi
export TSIBLE_SANDBOX
logs="$(mktemp -d "${TMPDIR:-/tmp}/tsible-sandbox-logs-XXXXXX")"
cleanup() {
  if [[ "$created" == 1 && "${KEEP_SANDBOX:-0}" != 1 ]]; then rm -rf "$TSIBLE_SANDBOX"; fi
  rm -rf "$logs"
}
trap cleanup EXIT

summary=()
recap() { grep -E '^[^ ].* : ok=' "$1" | tail -n 1 | sed -E 's/ +/ /g'; }

# step NAME EXPECT_CHANGED_ZERO PLAYBOOK ARGS...: runs one playbook, keeps its output, fails loudly
step() {
  local name="$1" want_zero="$2"
  shift 2
  local out="$logs/$name.log"
  echo "== $name: tsible run $*"
  if ! "${TSIBLE[@]}" run "$@" -i inventory/sandbox >"$out" 2>&1; then
    cat "$out"
    echo "sandbox: '$name' failed (output above)" >&2
    exit 1
  fi
  local line
  line="$(recap "$out")"
  if [[ -z "$line" ]]; then
    cat "$out"
    echo "sandbox: '$name' printed no PLAY RECAP" >&2
    exit 1
  fi
  if [[ "$want_zero" == zero && ! "$line" =~ changed=0[[:space:]] ]]; then
    cat "$out"
    echo "sandbox: '$name' changed something on a re-run: $line" >&2
    exit 1
  fi
  summary+=("$(printf '%-14s %s' "$name" "$line")")
}

step seed any playbooks/sandbox-seed.yml
step check any playbooks/migrate.yml --check --diff
cat "$logs/check.log"
step migrate any playbooks/migrate.yml
step re-run zero playbooks/migrate.yml

echo
echo "SANDBOX SUMMARY ($TSIBLE_SANDBOX)"
printf '  %s\n' "${summary[@]}"
echo "  the migration ran and a second run changed nothing"
