#!/usr/bin/env bash
# Validates docker-compose.yml (schema, depends_on conditions, references) without running
# anything and without a Docker engine: `config` only parses and resolves the file.
#
#   scripts/validate-compose.sh [FILE]     # default: docker-compose.yml at the repo root
#
# Tries, in order:
#   1. `docker compose config -q`  (Compose v2 CLI plugin; needs the plugin, not the engine)
#   2. `docker-compose config -q`  (standalone; on Debian bookworm: apt-get install -y docker-compose,
#                                   which is Compose 1.29.2 and knows the compose spec and
#                                   service_completed_successfully)
# Exit status: 0 valid, 1 invalid, 3 no validator installed (0 instead, with a warning, when
# COMPOSE_VALIDATE_OPTIONAL=1).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
file="${1:-$root/docker-compose.yml}"

if [[ ! -f "$file" ]]; then
  echo "validate-compose: no such file: $file" >&2
  exit 1
fi

# Interpolation must not depend on whoever runs this.
export COMPOSE_PROJECT_NAME="${COMPOSE_PROJECT_NAME:-durable-orders}"

run() {
  local label="$1"
  shift
  echo "validate-compose: $label -f $file config -q"
  if "$@" -f "$file" config -q; then
    echo "validate-compose: $file is valid ($label)"
    return 0
  fi
  echo "validate-compose: $file is INVALID ($label)" >&2
  return 1
}

if command -v docker >/dev/null 2>&1 && docker compose version >/dev/null 2>&1; then
  run "docker compose" docker compose || exit 1
  exit 0
fi

if command -v docker-compose >/dev/null 2>&1 && docker-compose version >/dev/null 2>&1; then
  run "docker-compose" docker-compose || exit 1
  exit 0
fi

cat >&2 <<'EOF'
validate-compose: no Compose CLI found, so docker-compose.yml was NOT validated.
  Install one of:
    - Debian/Ubuntu: apt-get install -y docker-compose   (standalone Compose, no engine needed)
    - the Docker Compose v2 plugin (`docker compose`), e.g. Docker's docker-compose-plugin package
EOF
if [[ "${COMPOSE_VALIDATE_OPTIONAL:-0}" == "1" ]]; then
  echo "validate-compose: COMPOSE_VALIDATE_OPTIONAL=1, skipping" >&2
  exit 0
fi
exit 3
