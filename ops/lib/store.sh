# Reads a Store:ConnectionString (the server's own form) for ops/backup and ops/restore.
# Sets store_engine=sqlite and store_file, or store_engine=postgres and exports PGHOST, PGPORT,
# PGUSER, PGPASSWORD, PGDATABASE for pg_dump, pg_restore and psql. Returns 1 when it names neither.
store_parse() {
  local connection=$1 part key value
  store_engine="" store_file=""
  local IFS=';'
  for part in $connection; do
    key=$(printf '%s' "${part%%=*}" | tr -d '[:space:]' | tr '[:upper:]' '[:lower:]')
    value=${part#*=}
    value=${value#"${value%%[![:space:]]*}"}; value=${value%"${value##*[![:space:]]}"}
    case "$key" in
      datasource|filename) store_engine=sqlite; store_file=$value ;;
      host|server) store_engine=postgres; export PGHOST=$value ;;
      port) export PGPORT=$value ;;
      username|userid|user) export PGUSER=$value ;;
      password) export PGPASSWORD=$value ;;
      database) export PGDATABASE=$value ;;
    esac
  done
  [ -n "$store_engine" ]
}
