#!/usr/bin/env bash
# Restore rehearsal for the ngx_agents database (docs/disaster-recovery.md).
#
#   restore-rehearsal.sh manifest <database>                 > manifest.tsv
#   restore-rehearsal.sh restore  <dump> [--db <scratch>] [--expect manifest.tsv] [--jobs N] [--keep]
#
# `manifest` prints one line per table (name, row count and an order-independent checksum of the
# rows: md5 over the sorted md5 of each row's text) and per sequence (name, last value), in a fixed
# session setting (UTC, ISO dates, exact floats) so the same data always gives the same line.
# `restore` restores a pg_dump custom-format archive (what CronJob db-backup writes: pg_dump
# --format=custom --compress=6 --no-owner --no-privileges) into a new scratch database, times
# the restore, prints the scratch database's manifest, and with --expect compares it line by line
# with a manifest of the source: exit 1 on any difference. The scratch database is dropped at the
# end unless --keep.
#
# Connection: the usual libpq variables (PGHOST, PGPORT, PGUSER, PGPASSWORD or ~/.pgpass); the role
# needs CREATEDB. pg_restore must be at least the version of the pg_dump that wrote the archive.
# Exit codes: 0 restored (and equal) · 1 restore failed or differs · 2 usage.
set -euo pipefail

usage() {
  sed -n '3,5p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# Fixed output settings: the text form of a row must not depend on the server's defaults.
export PGOPTIONS="${PGOPTIONS:-} -c TimeZone=UTC -c DateStyle=ISO,YMD -c IntervalStyle=postgres -c extra_float_digits=3 -c bytea_output=hex"

psql_q() { # database, sql → unaligned tuples
  psql --no-psqlrc --quiet --set ON_ERROR_STOP=1 --tuples-only --no-align --field-separator=$'\t' \
    --dbname "$1" --command "$2"
}

manifest() { # database
  local db="$1" table
  psql_q "$db" "SELECT format('%I.%I', schemaname, tablename) FROM pg_tables
                WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1" |
    while IFS= read -r table; do
      [ -n "$table" ] || continue
      printf '%s\t' "table $table"
      psql_q "$db" "SELECT count(*), coalesce(md5(string_agg(h, '' ORDER BY h)), md5(''))
                    FROM (SELECT md5(t::text) AS h FROM $table t) rows"
    done
  psql_q "$db" "SELECT 'sequence ' || format('%I.%I', schemaname, sequencename), coalesce(last_value::text, 'unused')
                FROM pg_sequences ORDER BY 1"
}

now() { date +%s.%N; }

cmd="${1:-}"
[ $# -gt 0 ] && shift
case "$cmd" in
  manifest)
    [ $# -eq 1 ] || usage
    manifest "$1"
    ;;
  restore)
    [ $# -ge 1 ] || usage
    dump="$1"
    shift
    scratch="ngx_agents_rehearsal_$(date -u +%Y%m%d%H%M%S)"
    expect=""
    jobs=2
    keep=0
    while [ $# -gt 0 ]; do
      case "$1" in
        --db) scratch="${2:?--db needs a name}"; shift 2 ;;
        --expect) expect="${2:?--expect needs a file}"; shift 2 ;;
        --jobs) jobs="${2:?--jobs needs a number}"; shift 2 ;;
        --keep) keep=1; shift ;;
        *) echo "unknown option: $1" >&2; usage ;;
      esac
    done
    [ -r "$dump" ] || { echo "error: cannot read $dump" >&2; exit 2; }
    [ -z "$expect" ] || [ -r "$expect" ] || { echo "error: cannot read $expect" >&2; exit 2; }
    [[ "$scratch" =~ ^[a-z_][a-z0-9_]*$ ]] || { echo "error: scratch database name must be lower-case letters, digits, _" >&2; exit 2; }

    # The archive must be readable by this pg_restore (a newer pg_dump's archive is not).
    if ! toc=$(pg_restore --list "$dump" 2>&1); then
      echo "error: $dump is not a pg_dump custom-format archive this pg_restore can read: $toc" >&2
      exit 1
    fi
    echo "archive: $(printf '%s\n' "$toc" | grep -m1 -E '^; +Dumped from database version' | sed 's/^; *//')" >&2
    echo "restoring with: $(pg_restore --version)" >&2

    if [ -n "$(psql_q postgres "SELECT 1 FROM pg_database WHERE datname = '$scratch'")" ]; then
      echo "error: database $scratch already exists; rehearsals restore into a new database (pass another --db)" >&2
      exit 2
    fi
    psql_q postgres "CREATE DATABASE $scratch TEMPLATE template0"
    cleanup() {
      if [ "$keep" -eq 0 ]; then psql_q postgres "DROP DATABASE IF EXISTS $scratch" >/dev/null 2>&1 || true; fi
    }
    trap cleanup EXIT

    start=$(now)
    pg_restore --no-owner --no-privileges --exit-on-error --jobs "$jobs" --dbname "$scratch" "$dump"
    end=$(now)
    restore_seconds=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')
    size=$(psql_q "$scratch" "SELECT pg_size_pretty(pg_database_size(current_database()))")

    actual=$(manifest "$scratch")
    printf '%s\n' "$actual"
    echo "restore_seconds=$restore_seconds database=$scratch size=$size" >&2

    if [ -n "$expect" ]; then
      if ! differences=$(diff <(sort "$expect") <(printf '%s\n' "$actual" | sort)); then
        echo "MISMATCH: the restored database differs from $expect (< expected, > restored):" >&2
        printf '%s\n' "$differences" | grep -E '^[<>]' >&2
        exit 1
      fi
      echo "verified: $(printf '%s\n' "$actual" | grep -c '^table ') tables and their checksums equal $expect" >&2
    fi
    [ "$keep" -eq 1 ] && echo "kept database $scratch" >&2
    exit 0
    ;;
  -h | --help | help) usage ;;
  *) usage ;;
esac
