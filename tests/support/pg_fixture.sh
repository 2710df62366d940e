#!/usr/bin/env bash
# ctest fixture: one PostgreSQL cluster for a whole ctest run (ctest runs every test in its own
# process, and a cluster per process would cost seconds each). The tests read the server's URL from
# URL_FILE (PLAZA_TEST_PG_URL_FILE). When PLAZA_TEST_PG_URL is set, that server is used and nothing
# starts. The cluster lives in a mktemp folder (PostgreSQL's user must be able to reach it), whose
# name is kept in URL_FILE.dir.
#   pg_fixture.sh start URL_FILE | pg_fixture.sh stop URL_FILE
set -euo pipefail
cmd=${1:?start or stop}
url_file=${2:?url file}
cluster=$(dirname "$0")/../pg/cluster.sh

stop_previous() {
  if [[ -f $url_file.dir ]]; then bash "$cluster" stop "$(cat "$url_file.dir")"; fi
  rm -f "$url_file" "$url_file.dir"
}

case $cmd in
  start)
    stop_previous  # a cluster left behind by an interrupted run
    [[ -n ${PLAZA_TEST_PG_URL:-} ]] && exit 0
    dir=$(mktemp -d "${TMPDIR:-/tmp}/plaza-pg-XXXXXX")
    echo "$dir" >"$url_file.dir"
    url=$(bash "$cluster" start "$dir")
    echo "$url" >"$url_file"
    echo "PostgreSQL test cluster: $url"
    ;;
  stop) stop_previous ;;
  *) echo "usage: pg_fixture.sh start|stop URL_FILE" >&2; exit 2 ;;
esac
