#!/usr/bin/env bash
# Container end to end (`npm run test:container`): builds the image from this working tree and
# runs the compose stack with the `try` profile, as the README tells an operator to, under a
# project name of its own; then checks what an operator relies on:
#   1. within 3 minutes of `up`: the worker healthy, >= 14 stored days ending on the latest due
#      report date, >= 1 digest mail in the catcher's outbox, the web page and its alerts;
#   2. the worker killed mid-collect (SIGKILL to its main process, as an OOM kill or a crash
#      does) is restarted by its restart policy and the day is finished exactly once;
#   3. `docker-compose restart redis` loses nothing (append-only file);
#   4. `down` then `up` keeps the history (volumes), and the seed stores nothing twice;
#   5. the worker runs as a non-root user;
#   6. `docker-compose stop worker` ends it within its grace period, exit code 0;
#   7. `dvc-index demo --days 2` runs inside the image (Node 24) against the stack's services.
# It removes what it created (its project's containers, network and volumes, its image tag)
# and nothing else. Every step prints its time.
#
# Exit codes: 0 passed; 1 a check failed (a defect of the project); 77 skipped because this
# machine cannot run it (no Docker engine, no docker-compose, a base image or the package
# mirrors unreachable) — with one line saying what is missing.
#
# Knobs: E2E_KEEP=1 keeps the stack and image for a look afterwards (remove them with the
# command it prints); E2E_LATENCY_MS (default 1500) is the replay portal's delay per API
# answer, which keeps the worker's own collect in flight long enough to kill it.
set -Eeuo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUN_ID="$(date +%s)$$"
PROJECT="dvce2e${RUN_ID}"
IMAGE="dvc-index:e2e-${RUN_ID}"
LATENCY_MS="${E2E_LATENCY_MS:-1500}"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/dvc-e2e.XXXXXX")
T0=$(date +%s.%N)
T_UP=""
FAILED=0
STARTED_STACK=0
BUILT_IMAGE=0

elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%6.1f", b - a }'; }
log() {
  local since=""
  [ -n "$T_UP" ] && since=" up+$(elapsed "$T_UP")s"
  printf '[%ss%s] %s\n' "$(elapsed "$T0")" "$since" "$*"
}
pass() { log "PASS $*"; }
fail() {
  log "FAIL $*"
  FAILED=1
}
skip() {
  printf 'container-e2e: SKIPPED — %s\n' "$*"
  exit 77
}

compose() {
  docker-compose -p "$PROJECT" -f "$ROOT/docker-compose.yml" -f "$WORK/e2e.override.yml" \
    --project-directory "$WORK" --profile try "$@"
}
cid() { compose ps -q "$1" 2>/dev/null | head -n1; }
psql_q() { compose exec -T postgres psql -U dvc -d dvc_index -Atq -c "$1"; }
redis_q() { compose exec -T redis redis-cli "$@"; }

cleanup() {
  local code=$?
  if [ "${E2E_KEEP:-0}" = 1 ]; then
    log "kept: docker-compose -p $PROJECT -f $ROOT/docker-compose.yml -f $WORK/e2e.override.yml --project-directory $WORK --profile try down -v; docker rmi $IMAGE"
    exit "$code"
  fi
  if [ "$STARTED_STACK" = 1 ]; then
    compose down -v --remove-orphans >/dev/null 2>&1 || true
  fi
  if [ "$BUILT_IMAGE" = 1 ]; then docker rmi "$IMAGE" >/dev/null 2>&1 || true; fi
  rm -rf "$WORK"
  if [ "$STARTED_STACK" = 1 ] || [ "$BUILT_IMAGE" = 1 ]; then
    log "cleaned up (project $PROJECT: containers, network, volumes; image tag $IMAGE)"
  fi
  exit "$code"
}
trap cleanup EXIT

# wait_for SECONDS DESCRIPTION COMMAND...: poll every 2 s until COMMAND succeeds.
wait_for() {
  local limit=$1 what=$2
  shift 2
  local until=$(($(date +%s) + limit))
  while ! "$@" >/dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$until" ]; then
      fail "$what (not within ${limit} s)"
      return 1
    fi
    sleep 2
  done
  log "ok: $what"
}

# ---------------------------------------------------------------- 0. can this machine run it?
command -v docker >/dev/null 2>&1 || skip "no docker command on PATH (install Docker, or run ../shared/tools/docker-standins.sh on the project's build machines)"
docker info >/dev/null 2>&1 || skip "no Docker engine answers (docker info failed; start dockerd, or run ../shared/tools/docker-standins.sh on the project's build machines)"
command -v docker-compose >/dev/null 2>&1 || skip "no docker-compose (v1) on PATH"
for base in node:24-bookworm-slim postgres:16-bookworm redis:7-bookworm; do
  if ! docker image inspect "$base" >/dev/null 2>&1; then
    timeout 120 docker pull -q "$base" >/dev/null 2>&1 || skip "base image $base is neither local nor pullable"
  fi
done
log "docker $(docker version -f '{{.Server.Version}}'), $(docker-compose version --short 2>/dev/null || echo compose), project $PROJECT"

# ------------------------------------------------------------------------------- 1. the image
log "building $IMAGE from $ROOT (DOCKER_BUILDKIT=0 docker build --network host)"
if ! DOCKER_BUILDKIT=0 docker build --network host -q -t "$IMAGE" "$ROOT" >"$WORK/build.log" 2>&1; then
  tail -n 30 "$WORK/build.log"
  if ! curl -fsS -o /dev/null --max-time 20 http://deb.debian.org/debian/dists/bookworm/Release ||
    ! curl -fsS -o /dev/null --max-time 20 https://registry.npmjs.org/; then
    skip "the image build needs deb.debian.org and registry.npmjs.org, and one is unreachable"
  fi
  fail "docker build"
  exit 1
fi
BUILT_IMAGE=1
SIZE=$(docker image inspect -f '{{.Size}}' "$IMAGE")
NODE_VERSION=$(docker run --rm --entrypoint node "$IMAGE" --version)
log "built: image size $((SIZE / 1000000)) MB ($SIZE bytes), Node $NODE_VERSION"
case "$NODE_VERSION" in v24.*) pass "the image runs Node 24 ($NODE_VERSION)" ;; *) fail "the image runs $NODE_VERSION, not Node 24" ;; esac

# --------------------------------------------------------------------------- 2. the try stack
WEB_PORT=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
# The README's try settings, as an operator writes them into .env.
cp "$ROOT/.env.example" "$WORK/.env"
cat >>"$WORK/.env" <<EOF
PORTAL_BASE_URL=http://replay-portal:8090
SMTP_URL=smtp://smtp-catcher:2525
PORTAL_MIN_GAP_MS=0
ALERT_TO=so-tttt@dienbien.example.gov.vn
WEB_PORT=$WEB_PORT
DVC_IMAGE=$IMAGE
EOF
# The one e2e-only change: the replay portal answers each API call after a delay, as a
# distant portal does, so the worker's collect is in flight long enough to be killed.
cat >"$WORK/e2e.override.yml" <<EOF
services:
  replay-portal:
    command: ["replay-portal", "--scenario", "scenarios/dien-bien-demo.json", "--anchor", "due",
              "--host", "0.0.0.0", "--port", "8090", "--latency-ms", "$LATENCY_MS"]
EOF
# The latest due report date as the worker computes it (TZ Asia/Ho_Chi_Minh, 04:30, D-1).
if [ "$(TZ=Asia/Ho_Chi_Minh date +%H%M)" -ge 0430 ]; then
  DUE=$(TZ=Asia/Ho_Chi_Minh date -d yesterday +%F)
else
  DUE=$(TZ=Asia/Ho_Chi_Minh date -d '2 days ago' +%F)
fi
log "docker-compose --profile try up -d (web page on 127.0.0.1:$WEB_PORT; latest due report date $DUE)"
STARTED_STACK=1
T_UP=$(date +%s.%N)
compose up -d --no-build >"$WORK/up.log" 2>&1 || {
  cat "$WORK/up.log"
  fail "compose up"
  exit 1
}
log "up returned"

run_status() { psql_q "select status from runs where province_code = 'H18' and report_date = '$DUE'"; }
is_collecting() { [ "$(run_status)" = collecting ]; }
worker_healthy() { [ "$(docker inspect -f '{{.State.Health.Status}}' "$(cid worker)")" = healthy ]; }

# -------------------------------------------------- 3. kill the worker in the middle of a day
WORKER=$(cid worker)
if wait_for 120 "the worker's catch-up is collecting $DUE" is_collecting; then
  PID=$(docker inspect -f '{{.State.Pid}}' "$WORKER")
  RESTARTS_BEFORE=$(docker inspect -f '{{.RestartCount}}' "$WORKER")
  if [ "$PID" -gt 1 ]; then
    # `docker kill` counts as a manual stop, which Docker's restart policy never undoes; a
    # process that dies (OOM killer, crash) is what the policy is for.
    kill -KILL "$PID"
    log "SIGKILL to the worker's main process (host pid $PID) while $DUE was collecting"
    restarted() {
      [ "$(docker inspect -f '{{.RestartCount}}' "$WORKER")" -gt "$RESTARTS_BEFORE" ] &&
        [ "$(docker inspect -f '{{.State.Running}}' "$WORKER")" = true ]
    }
    wait_for 60 "the worker was restarted by its policy (restart: unless-stopped)" restarted
  else
    fail "no pid for the worker container"
  fi
fi

# ------------------------------------------------------------- 4. the story within 3 minutes
days_stored() { psql_q "select count(*) from runs where province_code = 'H18' and status = 'done' and report_date <= '$DUE'"; }
mails_caught() { compose exec -T smtp-catcher sh -c 'ls /app/outbox | grep -c "\.eml$" || true' | tr -d '\r'; }
enough_days() { [ "$(days_stored)" -ge 14 ]; }
some_mail() { [ "$(mails_caught)" -ge 1 ]; }
three_min=$(($(printf '%.0f' "$T_UP") + 180))
left() { echo $((three_min - $(date +%s))); }
wait_for "$(left)" ">= 14 stored days" enough_days || true
wait_for "$(left)" ">= 1 digest mail in the catcher's outbox" some_mail || true
wait_for "$(left)" "the worker is healthy" worker_healthy || true
web_ok() { curl -fsS "http://127.0.0.1:$WEB_PORT/" | grep -q '<html'; }
wait_for "$(left)" "the web page answers on http://127.0.0.1:$WEB_PORT/" web_ok || true
day_done() { [ "$(run_status)" = done ]; }
wait_for 240 "the killed day $DUE finished (stalled job taken over after the restart)" day_done || true

log "stored: $(days_stored) days, first $(psql_q "select min(report_date) from runs where status = 'done'"), last $(psql_q "select max(report_date) from runs where status = 'done'"); mails caught: $(mails_caught)"
LAST=$(psql_q "select max(report_date) from runs where status = 'done'")
[ "$LAST" = "$DUE" ] && pass "the history ends on the latest due report date $DUE" || fail "the history ends on $LAST, not $DUE"
[ "$(days_stored)" -ge 14 ] && pass ">= 14 stored days within 3 minutes" || fail "fewer than 14 days"
[ "$(mails_caught)" -ge 1 ] && pass ">= 1 digest mail within 3 minutes" || fail "no mail"
ALERTS=$(curl -fsS "http://127.0.0.1:$WEB_PORT/api/alerts?province=H18&limit=1000" | node -e "let s='';process.stdin.on('data',c=>s+=c).on('end',()=>console.log(JSON.parse(s).items.length))")
FALLS=$(curl -fsS "http://127.0.0.1:$WEB_PORT/api/report?province=H18" | node -e "let s='';process.stdin.on('data',c=>s+=c).on('end',()=>{const r=JSON.parse(s);console.log(r.falls.items.length+' ('+r.falls.source+')')})")
log "web: /api/alerts lists $ALERTS alert episode(s); the overview of $DUE marks $FALLS fall(s)"
[ "$ALERTS" -ge 1 ] && pass "the web page has falls to mark ($ALERTS alert episodes)" || fail "no alerts on the web API"
log "seed (one-shot) said:"
compose logs --no-color --no-log-prefix seed 2>/dev/null | grep -v -e '^{' -e '^Attaching to' | sed 's/^/    /' || true
SEED_EXIT=$(docker inspect -f '{{.State.ExitCode}}' "$(compose ps -q seed)")
[ "$SEED_EXIT" = 0 ] && pass "seed exited 0" || fail "seed exited $SEED_EXIT"

# The killed day: one run, done, one set of scores, at most one digest, no mail twice.
RUNS_DUE=$(psql_q "select count(*) from runs where province_code = 'H18' and report_date = '$DUE'")
SCORES_DUE=$(psql_q "select count(*) from scores where report_date = '$DUE'")
SCORES_SEEDED=$(psql_q "select count(*) from scores where report_date = (select min(report_date) from runs where status = 'done')")
DIGESTS_DUE=$(psql_q "select count(*) from outbox where kind = 'digest' and report_date = '$DUE'")
SENT=$(psql_q "select count(*) from outbox where state = 'sent'")
log "day $DUE: $RUNS_DUE run ($(run_status)), $SCORES_DUE scores (a seeded day has $SCORES_SEEDED), $DIGESTS_DUE digest; outbox sent $SENT, mails caught $(mails_caught)"
if [ "$RUNS_DUE" = 1 ] && [ "$(run_status)" = done ] && [ "$SCORES_DUE" = "$SCORES_SEEDED" ] && [ "$DIGESTS_DUE" -le 1 ] && [ "$SENT" = "$(mails_caught)" ]; then
  pass "the killed day finished once (one run, done, its scores once, no mail twice)"
else
  fail "the killed day was not finished exactly once"
fi

# ------------------------------------------------------------------- 5. non-root worker
UIDS=$(docker top "$(cid worker)" -eo pid,uid,comm | awk 'NR > 1 { print $2 }' | sort -u | tr '\n' ' ')
IN_UID=$(compose exec -T worker id -u | tr -d '\r')
log "worker processes run as uid(s): $UIDS; id -u inside: $IN_UID"
if [ "$IN_UID" != 0 ] && ! printf ' %s' "$UIDS" | grep -qw 0; then pass "the worker runs as non-root"; else fail "something in the worker runs as root"; fi

# --------------------------------------------------------- 6. Redis restart loses nothing
keys_snapshot() { redis_q --scan --pattern 'dvc:*' | tr -d '\r' | sort; }
AOF=$(redis_q config get appendonly | tr -d '\r' | tail -n1)
keys_snapshot >"$WORK/keys.before"
log "redis: appendonly=$AOF, $(wc -l <"$WORK/keys.before") dvc:* keys; docker-compose restart redis"
compose restart redis >/dev/null 2>&1
redis_up() { [ "$(redis_q ping | tr -d '\r')" = PONG ]; }
wait_for 60 "redis answers again" redis_up || true
keys_snapshot >"$WORK/keys.after"
if [ "$AOF" = yes ] && diff -q "$WORK/keys.before" "$WORK/keys.after" >/dev/null; then
  pass "docker-compose restart redis lost nothing ($(wc -l <"$WORK/keys.after") keys, the same)"
else
  diff "$WORK/keys.before" "$WORK/keys.after" | head -n 20 || true
  fail "keys differ after the Redis restart (appendonly=$AOF)"
fi
ready() { curl -fsS "http://127.0.0.1:$WEB_PORT/readyz" >/dev/null; }
wait_for 90 "the worker is ready again after the Redis restart (/readyz)" ready || true

# --------------------------------------------------------- 7. down + up keeps the history
count_all() { psql_q "select (select count(*) from runs) || ' runs, ' || (select count(*) from scores) || ' scores, ' || (select count(*) from alerts) || ' alerts, ' || (select count(*) from outbox) || ' mails'"; }
BEFORE=$(count_all)
MAILS_BEFORE=$(mails_caught)
log "docker-compose down (volumes kept) with $BEFORE"
compose down >/dev/null 2>&1
log "docker-compose up -d"
compose up -d --no-build >/dev/null 2>&1
wait_for 120 "the worker is healthy again" worker_healthy || true
seed_exited() { [ "$(docker inspect -f '{{.State.Status}}' "$(compose ps -q seed)")" = exited ]; }
wait_for 120 "the seed has run again" seed_exited || true
AFTER=$(count_all)
log "after down/up: $AFTER; mails caught $(mails_caught)"
if [ "$BEFORE" = "$AFTER" ] && [ "$MAILS_BEFORE" = "$(mails_caught)" ]; then
  pass "down then up kept the history, and nothing was stored or sent twice"
else
  fail "history changed across down/up: before $BEFORE ($MAILS_BEFORE mails), after $AFTER"
fi
compose logs --no-color seed 2>/dev/null | grep -E 'to store|seed finished' | sed 's/^/    /' || true

# --------------------------------------------------- 8. docker stop within the grace period
WORKER=$(cid worker)
GRACE=$(docker inspect -f '{{.Config.StopTimeout}}' "$WORKER")
t_stop=$(date +%s.%N)
compose stop worker >/dev/null 2>&1
STOP_S=$(elapsed "$t_stop")
STOP_EXIT=$(docker inspect -f '{{.State.ExitCode}}' "$WORKER")
log "docker-compose stop worker took ${STOP_S} s (grace period ${GRACE} s), exit code $STOP_EXIT"
if [ "$STOP_EXIT" = 0 ] && awk -v s="$STOP_S" -v g="$GRACE" 'BEGIN { exit !(s < g) }'; then
  pass "the worker stopped within its grace period with exit 0"
else
  fail "stop: exit $STOP_EXIT after $STOP_S s (grace $GRACE s)"
fi

# -------------------------------------------------- 9. the demo inside the Node 24 image
log "dvc-index demo --days 2 inside $IMAGE (Node $NODE_VERSION), against the stack's PostgreSQL and Redis"
if docker run --rm --network "${PROJECT}_default" --shm-size 1g \
  -e DATABASE_URL=postgres://dvc:dvc@postgres:5432/dvc_demo -e REDIS_URL=redis://redis:6379 \
  "$IMAGE" demo --days 2 >"$WORK/demo.log" 2>&1; then
  grep -E '^dvc-index demo|^  20[0-9-]+ |^== mails|demo finished' "$WORK/demo.log" | sed 's/^/    /'
  pass "the demo ran inside the image"
else
  tail -n 40 "$WORK/demo.log"
  fail "the demo failed inside the image"
fi

if [ "$FAILED" = 0 ]; then
  log "container-e2e: all checks passed"
else
  log "container-e2e: FAILED (see FAIL lines above)"
  log "worker logs (last 40 lines):"
  compose logs --no-color --tail 40 worker 2>/dev/null || true
fi
exit "$FAILED"
