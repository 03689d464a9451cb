#!/bin/sh
# Container entrypoint (runs under tini). Decides what to exec, nothing else:
#   - no argument or a dvc-index command/flag  → dvc-index <args>   (the image's CMD is "start")
#   - "dvc-index …"                             → the same, the word is dropped
#   - an executable path or a shell (sh, bash, node) → that program, for debugging
# With PORTAL_HEADLESS=false (or 0/no) Chromium needs a display: the command is wrapped in
# xvfb-run, which starts Xvfb on a free display number and stops it when the command ends.
# Migrations are not run here: `dvc-index start` applies them under an advisory lock
# unless MIGRATE_ON_START=false, so several replicas can start together.
set -eu

DVC_INDEX_BIN="${DVC_INDEX_BIN:-dvc-index}"
XVFB_RUN_BIN="${XVFB_RUN_BIN:-xvfb-run}"

if [ "$#" -eq 0 ]; then
  set -- start
fi
if [ "$1" = "dvc-index" ]; then
  shift
  [ "$#" -eq 0 ] && set -- start
fi

case "$1" in
  /* | ./* | sh | bash | node)
    exec "$@"
    ;;
esac

headless=$(printf '%s' "${PORTAL_HEADLESS:-true}" | tr '[:upper:]' '[:lower:]' | tr -d '[:space:]')
case "$headless" in
  false | 0 | no)
    if ! command -v "$XVFB_RUN_BIN" >/dev/null 2>&1; then
      echo "docker-entrypoint: PORTAL_HEADLESS=false needs xvfb-run (package xvfb), which is not installed" >&2
      exit 2
    fi
    exec "$XVFB_RUN_BIN" -a --server-args="-screen 0 1366x768x24 -nolisten tcp" "$DVC_INDEX_BIN" "$@"
    ;;
esac
exec "$DVC_INDEX_BIN" "$@"
