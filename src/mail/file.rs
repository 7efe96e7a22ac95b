//! The no-server transport: each message becomes `<message-id>.eml` in a folder, so a fresh
//! `cargo run` shows what patients would receive without any mail server.

use std::path::{Path, PathBuf};

use super::error::SendError;

pub struct FileDir {
    dir: PathBuf,
}

impl FileDir {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes the message (created folder if missing; written under a temporary name and
    /// renamed, so a reader never sees half a message) and returns where it went.
    pub async fn write(&self, message_id: &str, message: Vec<u8>) -> Result<PathBuf, SendError> {
        let name = file_name(message_id);
        let path = self.dir.join(format!("{name}.eml"));
        let tmp = self.dir.join(format!(".{name}.eml.tmp"));
        let io = |e: std::io::Error| {
            SendError::temporary(format!("cannot write {}: {e}", path.display()))
        };
        tokio::fs::create_dir_all(&self.dir).await.map_err(io)?;
        tokio::fs::write(&tmp, message).await.map_err(io)?;
        tokio::fs::rename(&tmp, &path).await.map_err(io)?;
        Ok(path)
    }
}

/// The Message-ID made safe as a file name (it is ours and tame, but never trust a path).
fn file_name(message_id: &str) -> String {
    let s: String = message_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "@._-+=".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    match s.trim_start_matches('.') {
        "" => "message".to_string(),
        t => t.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::file_name;

    #[test]
    fn message_ids_become_safe_file_names() {
        assert_eq!(
            file_name("outbox-1.ab@carepath.example"),
            "outbox-1.ab@carepath.example"
        );
        assert_eq!(file_name("../../etc/passwd"), "_.._etc_passwd");
        assert_eq!(file_name(""), "message");
    }
}
