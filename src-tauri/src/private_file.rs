//! Files that hold secrets (the settings with the server token and the join code): the
//! directory 0700, the file 0600, made so before anything secret is written to it.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// Makes `path`'s directory 0700 and `path` 0600, creating the file (as `{}`, an empty
/// JSON object the settings store reads) if it does not exist.
pub fn make_private(path: &Path) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
    }
    match fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(mut file) => file.write_all(b"{}")?,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e),
    }
    fs::set_permissions(path, fs::Permissions::from_mode(0o600))
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::MetadataExt;

    use super::*;

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).expect("metadata").mode() & 0o777
    }

    #[test]
    fn new_and_old_files_become_private_and_keep_their_content() {
        let root = std::env::temp_dir().join(format!("peercall-pf-{:016x}", rand::random::<u64>()));
        let file = root.join("app").join("settings.json");
        make_private(&file).expect("made");
        assert_eq!((mode(&root.join("app")), mode(&file)), (0o700, 0o600));
        assert_eq!(fs::read_to_string(&file).expect("read"), "{}");
        // A file from before, readable by everyone, in a directory everyone can list.
        fs::write(&file, b"{\"settings\":{}}").expect("write");
        fs::set_permissions(&file, fs::Permissions::from_mode(0o644)).expect("chmod");
        fs::set_permissions(root.join("app"), fs::Permissions::from_mode(0o755)).expect("chmod");
        make_private(&file).expect("made");
        assert_eq!((mode(&root.join("app")), mode(&file)), (0o700, 0o600));
        assert_eq!(
            fs::read_to_string(&file).expect("read"),
            "{\"settings\":{}}"
        );
        fs::remove_dir_all(&root).expect("cleanup");
    }
}
