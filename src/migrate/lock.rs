//! The migrators' session advisory lock: refinery takes none, so two
//! processes migrating at once are serialised here, and the second finds
//! nothing left to do.

use tokio_postgres::Client;
use truthgraph_queries::queries::catalog;

use crate::error::Result;

/// Key of the session advisory lock all migrators take (`pg_advisory_lock`).
pub const LOCK_KEY: i64 = 0x7472_7574_6867_7231; // "truthgr1"

/// Runs `f` while holding the migration lock, releasing it whatever `f` returns.
///
/// # Errors
/// `f`'s error, or the lock statements' errors.
pub(crate) async fn with_lock<T>(
    client: &mut Client,
    f: impl AsyncFnOnce(&mut Client) -> Result<T>,
) -> Result<T> {
    catalog::advisory_lock()
        .bind(client, &LOCK_KEY)
        .one()
        .await?;
    let out = f(client).await;
    let released = catalog::advisory_unlock()
        .bind(client, &LOCK_KEY)
        .one()
        .await;
    let value = out?;
    released?;
    Ok(value)
}
