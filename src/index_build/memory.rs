//! How much memory an HNSW build wants (`maintenance_work_mem`), from
//! what a build holds per element, measured.

use crate::tiers::HNSW_M;

/// Bytes an HNSW build of `rows` vectors of `dimension` float4s wants in
/// `maintenance_work_mem` to build in memory, for a graph of [`HNSW_M`]:
/// rows x (8 + 4 x dims + [`GRAPH_BYTES_PER_M`] x m +
/// [`GRAPH_BYTES_PER_ELEMENT`]) x 1.1. Measured (pgvector 0.8.6, serial
/// builds with `maintenance_work_mem` 2 MB, the row at which the graph no
/// longer fit; BENCHMARKS.md, "Build memory"): an element holds its value
/// and 772 bytes at m 16, 1,284 at m 32, whatever the value (`vector(384)`,
/// `vector(1536)`, `bit(384)` to `bit(1536)`). The first estimate,
/// rows x (8 + 4 x dims) x 1.3, was 13 % short at 384 dims.
pub fn build_memory_bytes(rows: i64, dimension: usize) -> u64 {
    graph_memory_bytes(rows, 8 + 4 * dimension as u64, HNSW_M)
}

/// [`build_memory_bytes`] for a quantized tier's graph of `m`: its values
/// are `bit(dimension)`, a bit a dimension. Sized this way, a parallel
/// build, which allocates its whole `maintenance_work_mem` as shared
/// memory up front, asks for what the graph needs (30K x 1536 at m 16:
/// about 31 MB) instead of what the full vector's would (about 218 MB).
pub fn quantized_build_memory_bytes(rows: i64, dimension: usize, m: u32) -> u64 {
    graph_memory_bytes(rows, 8 + dimension.div_ceil(8) as u64, m)
}

/// Bytes of an element of an HNSW graph in a build besides its value, per
/// unit of `m` (its neighbour lists) …
pub const GRAPH_BYTES_PER_M: u64 = 32;
/// … and per element.
pub const GRAPH_BYTES_PER_ELEMENT: u64 = 260;

fn graph_memory_bytes(rows: i64, value_bytes: u64, m: u32) -> u64 {
    let per_row = value_bytes + GRAPH_BYTES_PER_M * u64::from(m) + GRAPH_BYTES_PER_ELEMENT;
    (rows.max(0) as f64 * per_row as f64 * 1.1).ceil() as u64
}

/// Memory for one build of `rows` x `dimension`: (MB to set, capped).
pub(crate) fn build_memory_mb(
    rows: i64,
    dimension: usize,
    server_kb: i64,
    cap_mb: u64,
) -> (u64, bool) {
    let want = build_memory_bytes(rows, dimension).div_ceil(1 << 20);
    let server = (server_kb.max(0) as u64).div_ceil(1024);
    (server.max(want.min(cap_mb)), want > server.max(cap_mb))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimates_hold_every_measured_element_size() {
        // 100K x 1536: about 730 MB. Every element size measured (bytes a
        // row, BENCHMARKS.md "Build memory"), with at most a tenth and a
        // bit to spare.
        let mb = build_memory_bytes(100_000, 1536) / (1 << 20);
        assert!((700..=760).contains(&mb), "{mb}");
        for (bytes, measured) in [
            (build_memory_bytes(1, 384), 2_317),
            (build_memory_bytes(1, 1536), 6_921),
            (quantized_build_memory_bytes(1, 384, 16), 828),
            (quantized_build_memory_bytes(1, 384, 32), 1_340),
            (quantized_build_memory_bytes(1, 1024, 16), 909),
            (quantized_build_memory_bytes(1, 1536, 16), 972),
            (quantized_build_memory_bytes(1, 1536, 32), 1_483),
        ] {
            assert!(
                bytes >= measured && bytes as f64 <= measured as f64 * 1.15,
                "{bytes} against {measured}"
            );
        }
    }
}
