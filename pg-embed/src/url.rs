//! Connection URLs: swapping the database of one.

/// `url` with `dbname` as its database, keeping user, host, port and query
/// string (`url` may have a database or not).
pub fn with_database(url: &str, dbname: &str) -> String {
    let base = strip_database(url);
    let (root, query) = match base.split_once('?') {
        Some((r, q)) => (r, format!("?{q}")),
        None => (base.as_str(), String::new()),
    };
    format!("{}/{dbname}{query}", root.trim_end_matches('/'))
}

/// `url` without its database path, keeping the query string: the server
/// part of a connection URL, to which a database name can be appended.
pub fn strip_database(url: &str) -> String {
    let after = url.find("://").map_or(0, |i| i + 3);
    let (root, query) = match url.split_once('?') {
        Some((r, q)) => (r, format!("?{q}")),
        None => (url, String::new()),
    };
    let root = match root[after..].find('/') {
        Some(i) => &root[..after + i],
        None => root,
    };
    format!("{root}{query}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_swap_their_database() {
        assert_eq!(
            strip_database("postgresql://u:p@h:5/db?sslmode=disable"),
            "postgresql://u:p@h:5?sslmode=disable"
        );
        assert_eq!(
            with_database("postgresql://u@h:5", "x"),
            "postgresql://u@h:5/x"
        );
        assert_eq!(
            with_database("postgresql://u@h:5/old?sslmode=disable", "x"),
            "postgresql://u@h:5/x?sslmode=disable"
        );
    }
}
