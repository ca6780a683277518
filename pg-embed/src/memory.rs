//! Memory settings sized from the machine: `maintenance_work_mem` for index
//! builds, and where dynamic shared memory goes when `/dev/shm` is too small
//! for it.

use std::ffi::CString;

const MIB: u64 = 1024 * 1024;

/// Lower bound of [`maintenance_work_mem_mb`]: PostgreSQL's 64 MB default is
/// already too small for an IVFFlat build of 30K × 1536 (65 MB), and pgvector
/// wants the whole HNSW graph in memory for a fast build.
const MIN_MB: u64 = 256;
/// Upper bound: builds of a few million 1536-dimension vectors fit, and one
/// build never takes more than that on a large host.
const MAX_MB: u64 = 2048;
/// The share of memory one index build may use. `maintenance_work_mem` is
/// per operation and autovacuum workers use it too (`autovacuum_work_mem` is
/// -1), so 1/16 keeps a build plus three autovacuum workers under a quarter
/// of the machine, beside `shared_buffers` and the backends.
const SHARE: u64 = 16;

/// The `maintenance_work_mem`, in MB, that every embedded server starts with
/// on this machine: 1/16 of its memory (the smaller of physical memory and a
/// cgroup limit), clamped to 256 MB ..= 2 GB.
///
/// A session can still lower or raise it with `SET maintenance_work_mem`;
/// `ALTER SYSTEM` does not override it, as it is given on the command line.
pub fn maintenance_work_mem_mb() -> u64 {
    size_mb(machine_memory())
}

/// The `shared_buffers`, in MB, that a persistent cluster is created with
/// ([`crate::EmbeddedServer::persistent`]): 1/8 of the machine's memory
/// (the server shares it with the services that embed it), clamped to
/// 128 MB ..= 8 GB. PostgreSQL's own 128 MB holds the vector indexes of
/// about 60K rows of 384 dimensions; at 1M rows, searches then read their
/// index pages from the OS cache, ten times slower (BENCHMARKS.md, "1M x
/// 384"). Written into `postgresql.conf` when the cluster is created, so
/// `ALTER SYSTEM SET shared_buffers` (and a restart) still overrides it.
pub fn shared_buffers_mb() -> u64 {
    shared_buffers_for(machine_memory())
}

fn shared_buffers_for(memory: Option<u64>) -> u64 {
    memory.map_or(128, |m| (m / 8 / MIB).clamp(128, 8192))
}

fn size_mb(memory: Option<u64>) -> u64 {
    memory.map_or(MIN_MB, |m| (m / SHARE / MIB).clamp(MIN_MB, MAX_MB))
}

/// The `-c` settings for memory: `maintenance_work_mem`, and
/// `dynamic_shared_memory_type=mmap` when `/dev/shm` cannot hold a segment of
/// that size.
///
/// A parallel HNSW build asks for one dynamic shared memory segment of about
/// `maintenance_work_mem`; in `/dev/shm` (the default, `posix`) that fails
/// with "could not resize shared memory segment … No space left on device"
/// where `/dev/shm` is small, as Docker's default 64 MB. `mmap` puts the
/// segments in files under the data directory instead.
pub(crate) fn settings() -> Vec<String> {
    settings_for(maintenance_work_mem_mb(), dev_shm_bytes())
}

fn settings_for(mwm_mb: u64, shm: Option<u64>) -> Vec<String> {
    let mut out = vec![format!("maintenance_work_mem={mwm_mb}MB")];
    // Room for the segment and for the small ones the server keeps anyway.
    if shm.is_some_and(|bytes| bytes < 2 * mwm_mb * MIB) {
        out.push("dynamic_shared_memory_type=mmap".to_string());
    }
    out
}

fn machine_memory() -> Option<u64> {
    // SAFETY: sysconf has no preconditions.
    let (pages, page) = unsafe {
        (
            libc::sysconf(libc::_SC_PHYS_PAGES),
            libc::sysconf(libc::_SC_PAGESIZE),
        )
    };
    let physical = (pages > 0 && page > 0).then(|| pages as u64 * page as u64)?;
    // A container's limit (cgroup v2, then v1); "max" or a huge v1 value: none.
    let limit = [
        "/sys/fs/cgroup/memory.max",
        "/sys/fs/cgroup/memory/memory.limit_in_bytes",
    ]
    .iter()
    .find_map(|p| std::fs::read_to_string(p).ok()?.trim().parse::<u64>().ok());
    Some(limit.map_or(physical, |l| l.min(physical)))
}

/// The size of the `/dev/shm` file system, where PostgreSQL's `posix` dynamic
/// shared memory lives (none when it is absent).
fn dev_shm_bytes() -> Option<u64> {
    let path = CString::new("/dev/shm").ok()?;
    // SAFETY: statvfs writes into the zeroed struct we pass; path is NUL-terminated.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statvfs(path.as_ptr(), &mut st) } != 0 {
        return None;
    }
    Some(st.f_blocks as u64 * st.f_frsize as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sized_from_memory_within_bounds() {
        let gib = 1024 * MIB;
        assert_eq!(size_mb(Some(24 * gib)), 1536);
        assert_eq!(size_mb(Some(2 * gib)), 256);
        assert_eq!(size_mb(Some(512 * gib)), 2048);
        assert_eq!(size_mb(None), 256);
        let here = maintenance_work_mem_mb();
        assert!((256..=2048).contains(&here), "{here}");
    }

    #[test]
    fn shared_buffers_are_an_eighth_of_memory_within_bounds() {
        let gib = 1024 * MIB;
        assert_eq!(shared_buffers_for(Some(24 * gib)), 3072);
        assert_eq!(shared_buffers_for(Some(512 * MIB)), 128);
        assert_eq!(shared_buffers_for(Some(256 * gib)), 8192);
        assert_eq!(shared_buffers_for(None), 128);
    }

    #[test]
    fn small_dev_shm_moves_segments_to_files() {
        let docker = settings_for(1536, Some(64 * MIB));
        assert_eq!(
            docker,
            [
                "maintenance_work_mem=1536MB",
                "dynamic_shared_memory_type=mmap"
            ]
        );
        assert_eq!(
            settings_for(1536, Some(12 * 1024 * MIB)),
            ["maintenance_work_mem=1536MB"]
        );
        assert_eq!(settings_for(256, None), ["maintenance_work_mem=256MB"]);
    }
}
