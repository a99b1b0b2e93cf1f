//! A fresh stand-in for `XDG_RUNTIME_DIR` (0700, as the spec wants), removed on drop.

use std::path::PathBuf;

pub struct Xdg(pub PathBuf);

impl Xdg {
    pub fn new() -> Self {
        use std::os::unix::fs::DirBuilderExt;
        let dir = std::env::temp_dir().join(format!(
            "peercall-agent-xdg-{}-{:x}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default()
        ));
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&dir)
            .expect("xdg dir");
        Xdg(dir)
    }
}

impl Drop for Xdg {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
