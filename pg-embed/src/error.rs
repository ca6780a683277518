//! The crate's error.

/// Why the embedded server could not be found, initialised or started. Its
/// message says what to do (install PostgreSQL, pick another data directory…)
/// and quotes the server's log when the server itself failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    message: String,
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl Error {
    pub(crate) fn server(msg: impl Into<String>) -> Self {
        Error {
            message: msg.into(),
        }
    }

    /// The message, as `Display` prints it.
    pub fn message(&self) -> &str {
        &self.message
    }
}
