//! Which server is the primary and how its commits replicate
//! (`Database::replication`): the host `DATABASE_URL` reaches now, its role,
//! synchronous or asynchronous replication, and its standbys.

use truthgraph_db::ReplicationHealth;

use super::Findings;

pub(super) fn check(f: &mut Findings, r: &ReplicationHealth) {
    let summary = r.summary();
    let problems = r.problems();
    if !r.is_primary {
        f.error("replication", summary, problems.join("; "));
    } else if !problems.is_empty() {
        f.warn("replication", summary, problems.join("; "));
    } else if !r.is_synchronous() && !r.standbys.is_empty() {
        f.warn(
            "replication",
            summary,
            "commits do not wait for a standby: a failover to it may lose the commits of its \
             replication lag (docs/operations.md, \"Failover\"); set synchronous_standby_names \
             to a standby's application_name for no loss",
        );
    } else {
        f.ok("replication", summary);
    }
}
