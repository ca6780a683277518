//! Test support (`crate::testing`, feature `testing`), replication control
//! for the failover tests, and the chaos mode's backend terminations.

use super::create_app_login;
use crate::catalog::quote_ident;

// Test support (`crate::testing`, feature `testing`): template databases,
// the application login, a synchronous standby, the Citus test cluster.

/// Whether `$1` is a template database.
pub const TEMPLATE_EXISTS: &str = "SELECT 1 FROM pg_database WHERE datname = $1 AND datistemplate";

/// Ends every other session connected to database `$1` (a template must be
/// unused to be cloned).
pub const TERMINATE_SESSIONS_OF: &str = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
     WHERE datname = $1 AND pid <> pg_backend_pid()";

/// `CREATE ROLE login … IN ROLE truthgraph_app`, doing nothing when the role
/// exists (roles are cluster-wide; another test process may have made it).
pub fn create_app_login_if_missing(login: &str, password: &str) -> String {
    format!(
        "DO $$ BEGIN {}; EXCEPTION WHEN duplicate_object THEN NULL; END $$",
        create_app_login(login, password)
    )
}

/// Makes database `name` commit synchronously whatever the server's setting
/// (a database setting outranks the command line).
pub fn synchronous_commit_on(name: &str) -> String {
    format!(
        "ALTER DATABASE {} SET synchronous_commit = on",
        quote_ident(name)
    )
}

/// Makes commits on this server wait for the standby whose
/// `application_name` is `name` (synchronous replication), from the next
/// configuration reload ([`RELOAD_CONF`]). `ALTER SYSTEM` takes no
/// parameters: the name is quoted as an identifier inside a string literal.
pub fn synchronous_standby_names(name: &str) -> String {
    format!(
        "ALTER SYSTEM SET synchronous_standby_names = '{}'",
        quote_ident(name).replace('\'', "''")
    )
}

/// Commits stop waiting for standbys (asynchronous replication), from the
/// next configuration reload.
pub const NO_SYNCHRONOUS_STANDBY: &str = "ALTER SYSTEM RESET synchronous_standby_names";

/// Re-reads the server's configuration files (after `ALTER SYSTEM`).
pub const RELOAD_CONF: &str = "SELECT pg_reload_conf()";

/// The standbys streaming from this server: `application_name` and
/// `sync_state`.
pub const STANDBY_STATES: &str =
    "SELECT application_name::text, sync_state::text FROM pg_stat_replication";

/// Promotes this standby to a primary and waits (up to 60 s) until it
/// accepts writes; true once promoted.
pub const PROMOTE: &str = "SELECT pg_promote(true, 60)";

/// Terminates up to `$2` random client backends of database `$1` (other
/// than this session's); returns how many (`bench load --chaos`).
pub const TERMINATE_RANDOM_BACKENDS: &str = "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) \
     FROM (SELECT pid FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend' \
     AND pid <> pg_backend_pid() ORDER BY random() LIMIT $2) s";
