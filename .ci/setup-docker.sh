#!/usr/bin/env bash
# Installs and starts the Docker engine the deployment-module tests use, and imports the tiny
# busybox image they run (images cannot be pulled here). Idempotent: safe to call repeatedly.
#   DOCKERD_LOG   where dockerd logs (default /tmp/tsible-dockerd.log)
#   TEST_IMAGE    the image tag to import (default tsible-test/busybox:1)
set -euo pipefail

DOCKERD_LOG="${DOCKERD_LOG:-/tmp/tsible-dockerd.log}"
TEST_IMAGE="${TEST_IMAGE:-tsible-test/busybox:1}"
# One run at a time: test workers may call this together.
exec 9>/tmp/tsible-setup-docker.lock
flock -w 600 9 || { echo "setup-docker: another setup holds /tmp/tsible-setup-docker.lock" >&2; exit 1; }

PACKAGES=(docker.io docker-compose docker-registry apache2-utils busybox-static mkcert openssl)

missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "setup-docker: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
  echo "setup-docker: starting dockerd (log: $DOCKERD_LOG)"
  # No iptables and no default bridge: containers use network_mode host or none.
  # 9>&-: dockerd must not inherit the lock, or it would hold it for as long as it runs
  nohup dockerd --iptables=false --bridge=none >"$DOCKERD_LOG" 2>&1 9>&- &
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
  if ! docker info >/dev/null 2>&1; then
    echo "setup-docker: dockerd did not start; last log lines:" >&2
    tail -n 30 "$DOCKERD_LOG" >&2 || true
    exit 1
  fi
fi

if ! docker image inspect "$TEST_IMAGE" >/dev/null 2>&1; then
  echo "setup-docker: importing $TEST_IMAGE from busybox-static"
  root="$(mktemp -d)"
  trap 'rm -rf "$root"' EXIT
  mkdir -p "$root/bin" "$root/tmp" "$root/etc" "$root/www" "$root/data"
  cp /bin/busybox "$root/bin/busybox"
  for applet in sh sleep httpd cat echo ls mkdir rm touch true false wget env date nc; do
    ln -s busybox "$root/bin/$applet"
  done
  echo 'root:x:0:0:root:/:/bin/sh' >"$root/etc/passwd"
  echo 'root:x:0:' >"$root/etc/group"
  tar -C "$root" -c . | docker import -c 'CMD ["/bin/sh"]' -c 'ENV PATH=/bin' - "$TEST_IMAGE" >/dev/null
fi
echo "setup-docker: ready ($(docker version --format '{{.Server.Version}}') engine, image $TEST_IMAGE)"
