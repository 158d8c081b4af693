#!/usr/bin/env bash
# A real single-node Apache Kafka broker (KRaft) on 127.0.0.1 for latentflow's integration tests, demos and
# benchmarks, from Maven Central (no Docker, no Kafka download page): Maven copies the broker's jars into a
# cached classpath folder, the storage is formatted once, and the JVM runs detached with its log in a file.
#
#   bash scripts/kafka/broker.sh start     fetch if needed, format if needed, start, wait until it answers
#   bash scripts/kafka/broker.sh stop      graceful stop (SIGTERM, then SIGKILL after 30 s); idempotent
#   bash scripts/kafka/broker.sh restart   stop + start, keeping data, cluster id and ports
#   bash scripts/kafka/broker.sh kill      SIGKILL (a crash), for fault tests; `start` brings it back
#   bash scripts/kafka/broker.sh status    exit 0 when running and answering, 3 when not
#   bash scripts/kafka/broker.sh fetch     only fill the jar cache (CI can cache .cache/kafka and ~/.m2)
#   bash scripts/kafka/broker.sh reset     stop and delete the data (topics, offsets)
#   bash scripts/kafka/broker.sh logs      print the last 100 lines of the broker log
#   bash scripts/kafka/broker.sh version   print the Apache Kafka version it runs (for reports)
#
# `start` and `stop` are idempotent and safe to call concurrently (flock). Everything lives under
# .cache/kafka/ (gitignored): libs-<version>/ (the classpath), broker-<port>/ (config, data, broker.log,
# broker.pid, kafka.version: the last version that ran on the data). Maven's own download cache is ~/.m2.
# Needs Java 17+ and, for the first fetch, Maven 3.8+ with access to Maven Central.
#
# Environment (all optional):
#   LATENTFLOW_KAFKA_VERSION          Apache Kafka version, default 4.4.0, the newest on Maven Central (CI runs
#                                     this one; 3.9.2 passes too, see README's Kafka versions)
#   LATENTFLOW_KAFKA_PORT             client port on 127.0.0.1, default 9092
#   LATENTFLOW_KAFKA_CONTROLLER_PORT  KRaft controller port, default client port + 1
#   LATENTFLOW_KAFKA_DIR              cache folder, default <repo>/.cache/kafka
#   LATENTFLOW_KAFKA_START_TIMEOUT_S  seconds to wait for the broker to answer, default 120
#   LATENTFLOW_KAFKA_SASL_PORT        also open a SASL_SSL listener on 127.0.0.1 at this port (PLAIN,
#                                     SCRAM-SHA-256, SCRAM-SHA-512; client certificates requested, not
#                                     required); unset: PLAINTEXT only. Certificates (openssl) and the
#                                     user's password are made once under broker-<port>/tls/: ca.pem, client.pem,
#                                     client.key, sasl.password (mode 600)
#   LATENTFLOW_KAFKA_SASL_USER        SASL user name for that listener, default latentflow
#   KAFKA_HEAP_OPTS                   JVM heap, default "-Xms256m -Xmx512m"
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/scripts/kafka"
VERSION="${LATENTFLOW_KAFKA_VERSION:-4.4.0}"
PORT="${LATENTFLOW_KAFKA_PORT:-9092}"
CONTROLLER_PORT="${LATENTFLOW_KAFKA_CONTROLLER_PORT:-$((PORT + 1))}"
CACHE="${LATENTFLOW_KAFKA_DIR:-$ROOT/.cache/kafka}"
TIMEOUT_S="${LATENTFLOW_KAFKA_START_TIMEOUT_S:-120}"
HEAP="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
SASL_PORT="${LATENTFLOW_KAFKA_SASL_PORT:-}"
SASL_USER="${LATENTFLOW_KAFKA_SASL_USER:-latentflow}"

LIBS="$CACHE/libs-$VERSION"
RUN="$CACHE/broker-$PORT"
DATA="$RUN/data"
PIDFILE="$RUN/broker.pid"
TLS="$RUN/tls"
LOG="$RUN/broker.log"

say() { printf 'kafka-broker: %s\n' "$*" >&2; }
die() {
  say "error: $*"
  exit 1
}

need() { command -v "$1" >/dev/null 2>&1 || die "$1 not found; $2"; }

# True when something accepts TCP connections on 127.0.0.1:$1. In Kafka 3.9 the client listener opens only
# once the broker can serve requests, so this is the readiness check (the controller port opens earlier).
answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# The broker's pid when the pid file names a live JVM running kafka.Kafka with this folder's config.
running_pid() {
  [ -f "$PIDFILE" ] || return 1
  local pid
  pid="$(cat "$PIDFILE")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "kafka.Kafka $RUN/server.properties" || return 1
  echo "$pid"
}

fetch() {
  [ -f "$LIBS/.complete" ] && return 0
  need java "install a Java 17+ runtime (e.g. apt-get install openjdk-17-jre-headless)"
  need mvn "install Maven 3.8+ (e.g. apt-get install maven), or fill $LIBS by other means"
  mkdir -p "$CACHE"
  exec 9>"$CACHE/fetch.lock"
  flock 9
  [ -f "$LIBS/.complete" ] && return 0 # filled by a concurrent fetch
  say "fetching Apache Kafka $VERSION jars from Maven Central into $LIBS (cached; Maven's cache is ~/.m2)"
  local tmp="$LIBS.tmp-$$"
  rm -rf "$tmp"
  if ! mvn -B -q -f "$HERE/pom.xml" -Dkafka.version="$VERSION" \
    org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies \
    -DoutputDirectory="$tmp" -DincludeScope=runtime >&2; then
    rm -rf "$tmp"
    die "Maven could not fetch org.apache.kafka:kafka_2.13:$VERSION (network to Maven Central? see output above)"
  fi
  [ -f "$tmp/kafka_2.13-$VERSION.jar" ] || die "Maven finished but $tmp/kafka_2.13-$VERSION.jar is missing"
  touch "$tmp/.complete"
  rm -rf "$LIBS"
  mv "$tmp" "$LIBS"
}

# The JVM command line as an array (the classpath wildcard must reach java unexpanded).
java_cmd() {
  # shellcheck disable=SC2206 # HEAP holds several JVM options
  JAVA=(java $HEAP -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true
    "-Dlog4j.configuration=file:$RUN/log4j.properties" -cp "$LIBS/*")
}

configure() {
  mkdir -p "$DATA"
  java_cmd
  sed -e "s|@PORT@|$PORT|g" -e "s|@CONTROLLER_PORT@|$CONTROLLER_PORT|g" -e "s|@DATA_DIR@|$DATA|g" \
    "$HERE/server.properties.template" >"$RUN/server.properties"
  cp "$HERE/log4j.properties" "$RUN/log4j.properties"
  if [ -n "$SASL_PORT" ]; then
    sasl_listener >>"$RUN/server.properties"
    chmod 600 "$RUN/server.properties" # it holds the PLAIN user's password and the keystore's
  fi
  # Kafka upgrades its storage in place but cannot read storage a newer version wrote; say so instead of
  # letting the broker die at start-up (several versions may share one port's folder, e.g. the tests').
  local wrote
  if [ -f "$DATA/meta.properties" ] && [ -f "$RUN/kafka.version" ] && wrote="$(cat "$RUN/kafka.version")" &&
    [ "$wrote" != "$VERSION" ] && [ "$(printf '%s\n%s\n' "$wrote" "$VERSION" | sort -V | tail -n 1)" = "$wrote" ]; then
    die "$DATA was last run by Apache Kafka $wrote, which $VERSION cannot read; set LATENTFLOW_KAFKA_VERSION=$wrote, another LATENTFLOW_KAFKA_PORT, or delete the data with: bash scripts/kafka/broker.sh reset"
  fi
  echo "$VERSION" >"$RUN/kafka.version"
  # Format once. The cluster id is kept: formatting existing data with a new id would make it unreadable.
  if [ ! -f "$DATA/meta.properties" ]; then
    local id
    if [ -f "$RUN/cluster.id" ]; then
      id="$(cat "$RUN/cluster.id")"
    else
      # The id is the one line shaped like one (22 base64url characters): log4j's console appender writes
      # to stdout too, so the last line is not necessarily the id.
      id="$("${JAVA[@]}" kafka.tools.StorageTool random-uuid 2>>"$LOG" | grep -E '^[A-Za-z0-9_-]{22}$' | tail -n 1 || true)"
      [ -n "$id" ] || die "could not generate a cluster id; see $LOG"
      echo "$id" >"$RUN/cluster.id"
    fi
    say "formatting KRaft storage in $DATA (cluster id $id)"
    "${JAVA[@]}" kafka.tools.StorageTool format --config "$RUN/server.properties" --cluster-id "$id" \
      --ignore-formatted >>"$LOG" 2>&1 || die "storage format failed; see $LOG"
  fi
}

# A test CA, the broker's certificate (SAN 127.0.0.1 and localhost) in a PKCS12 keystore, a client
# certificate for mutual TLS and the SASL user's password; made once, so clients keep trusting the CA.
make_tls() {
  [ -f "$TLS/.complete" ] && return 0
  need openssl "install openssl (e.g. apt-get install openssl) for the SASL_SSL listener's certificates"
  rm -rf "$TLS"
  mkdir -p "$TLS"
  chmod 700 "$TLS"
  (
    cd "$TLS"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 3650 -subj "/CN=latentflow test CA" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -keyout broker.key -out broker.csr -subj "/CN=localhost" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >broker.ext
    openssl x509 -req -in broker.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out broker.pem -days 3650 -extfile broker.ext 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj "/CN=$SASL_USER" 2>/dev/null
    openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out client.pem -days 3650 2>/dev/null
    openssl rand -hex 16 >keystore.password
    openssl pkcs12 -export -in broker.pem -inkey broker.key -certfile ca.pem -name broker \
      -out broker.p12 -passout "file:keystore.password"
    openssl rand -hex 16 >sasl.password
    chmod 600 ./*.key keystore.password sasl.password
  ) || die "could not make the test certificates in $TLS"
  touch "$TLS/.complete"
}

# The SASL_SSL listener's lines, appended to server.properties (later keys win over the template's).
sasl_listener() {
  make_tls >&2 # its output must not end up in server.properties
  local pw ks
  pw="$(cat "$TLS/sasl.password")"
  ks="$(cat "$TLS/keystore.password")"
  cat <<PROPS

# SASL_SSL test listener (LATENTFLOW_KAFKA_SASL_PORT); user $SASL_USER, password in $TLS/sasl.password.
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT,SASL_SSL://127.0.0.1:$SASL_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT,SASL_SSL://127.0.0.1:$SASL_PORT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL
listener.name.sasl_ssl.sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_$SASL_USER="$pw";
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.ssl.keystore.type=PKCS12
listener.name.sasl_ssl.ssl.keystore.location=$TLS/broker.p12
listener.name.sasl_ssl.ssl.keystore.password=$ks
listener.name.sasl_ssl.ssl.key.password=$ks
listener.name.sasl_ssl.ssl.truststore.type=PEM
listener.name.sasl_ssl.ssl.truststore.location=$TLS/ca.pem
listener.name.sasl_ssl.ssl.client.auth=requested
PROPS
}

# SCRAM credentials live in the cluster metadata, not in a file: set them on the running broker (idempotent).
scram_users() {
  say "setting SCRAM-SHA-256/512 credentials of user $SASL_USER"
  SCRAM_PASSWORD="$(cat "$TLS/sasl.password")" "${JAVA[@]}" "$HERE/ScramUsers.java" "127.0.0.1:$PORT" "$SASL_USER" \
    >>"$LOG" 2>&1 </dev/null 8>&- 9>&- || die "could not set the SCRAM credentials; see $LOG"
}

start() {
  need java "install a Java 17+ runtime (e.g. apt-get install openjdk-17-jre-headless)"
  fetch
  mkdir -p "$RUN"
  exec 8>"$RUN/start.lock"
  flock 8
  local pid
  if pid="$(running_pid)"; then
    wait_ready "$pid"
    say "already running (pid $pid) on 127.0.0.1:$PORT"
    if [ -n "$SASL_PORT" ] && ! answers "$SASL_PORT"; then
      say "note: no SASL_SSL listener on $SASL_PORT; restart it with LATENTFLOW_KAFKA_SASL_PORT set"
    fi
    return 0
  fi
  if answers "$PORT"; then
    die "127.0.0.1:$PORT is taken by another process; stop it or set LATENTFLOW_KAFKA_PORT"
  fi
  rm -f "$PIDFILE"
  configure
  say "starting Apache Kafka $VERSION on 127.0.0.1:$PORT (controller $CONTROLLER_PORT), log $LOG"
  echo "---- start $(date -u +%FT%TZ)" >>"$LOG"
  # setsid: the broker outlives the shell that started it and ignores its Ctrl-C. The lock descriptors are
  # closed for it, or the broker would hold the start lock for its whole life.
  setsid "${JAVA[@]}" kafka.Kafka "$RUN/server.properties" >>"$LOG" 2>&1 </dev/null 8>&- 9>&- &
  echo $! >"$PIDFILE"
  local started=$!
  wait_ready "$started"
  if [ -n "$SASL_PORT" ]; then
    scram_users
    say "ready on 127.0.0.1:$PORT and SASL_SSL 127.0.0.1:$SASL_PORT (pid $started)"
  else
    say "ready on 127.0.0.1:$PORT (pid $started)"
  fi
}

wait_ready() {
  local pid="$1" waited=0
  until answers "$PORT"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 40 "$LOG" >&2 || true
      die "the broker exited during startup; see $LOG"
    fi
    if [ "$waited" -ge $((TIMEOUT_S * 2)) ]; then
      tail -n 40 "$LOG" >&2 || true
      die "the broker did not answer on 127.0.0.1:$PORT within ${TIMEOUT_S}s; see $LOG"
    fi
    sleep 0.5
    waited=$((waited + 1))
  done
}

stop() {
  local pid
  pid="$(running_pid)" || {
    rm -f "$PIDFILE"
    say "not running"
    return 0
  }
  say "stopping (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  local waited=0
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$waited" -ge 60 ]; then
      say "no exit 30 s after SIGTERM; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    sleep 0.5
    waited=$((waited + 1))
  done
  rm -f "$PIDFILE"
  say "stopped"
}

crash() {
  local pid
  pid="$(running_pid)" || {
    say "not running"
    return 0
  }
  kill -KILL "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  rm -f "$PIDFILE"
  say "killed (pid $pid)"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  restart)
    stop
    start
    ;;
  kill) crash ;;
  status)
    if pid="$(running_pid)" && answers "$PORT"; then
      say "running (pid $pid) on 127.0.0.1:$PORT"
    else
      say "not running on 127.0.0.1:$PORT"
      exit 3
    fi
    ;;
  fetch) fetch ;;
  reset)
    stop
    rm -rf "$RUN"
    say "deleted $RUN"
    ;;
  logs) tail -n 100 "$LOG" ;;
  version) echo "$VERSION" ;;
  *)
    sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
