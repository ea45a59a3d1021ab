/**
 * A real PostgreSQL server for the tests: `initdb` into a temporary data folder, `pg_ctl` on a
 * free loopback port with trust auth on 127.0.0.1, stopped and removed after. The server-starting
 * code is scripts/postgres-server.ts, which the bench starts its server with too.
 *
 * Without the server binaries the PostgreSQL suites are skipped, loudly (see
 * ./postgres-setup.ts); under `CI=true` that is a failure instead.
 */
export { ENABLE_POSTGRES, hasPostgres, postgresBin, startPostgres, type PostgresServer, type PostgresServerOptions } from '../../scripts/postgres-server.js';
