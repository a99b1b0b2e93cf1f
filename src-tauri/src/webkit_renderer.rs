//! Which renderer WebKitGTK uses on a machine without a GPU.
//!
//! WebKitGTK 2.50 composites the page with GL and, by default, hands each composited frame
//! to the UI process as a DMA-BUF. Without a GPU render node there is no DMA-BUF to share:
//! the web process composites the whole window with Mesa's software rasteriser and copies it
//! through shared memory for every change, however small. In a call that is 30 times a second
//! for the remote picture plus 30 for the self-view; measured under Xvfb (issue 17,
//! `BENCHMARKS.md`) it was most of the web process's CPU. With the DMA-BUF renderer off,
//! WebKit paints only the changed part of the page on the CPU. On a machine with a render
//! node nothing changes, and a value the user set (`WEBKIT_DISABLE_DMABUF_RENDERER=0` keeps
//! the DMA-BUF renderer) always wins.
//!
//! Side effect, for automation only: WebKitWebDriver takes a screenshot after the page's next
//! paint, and without the DMA-BUF renderer a page where nothing changes does not paint, so
//! the command waits; the GUI harness's `screenshot()` repaints a 1-pixel element meanwhile.

use std::path::Path;

/// WebKitGTK's switch: any value but `0` turns the DMA-BUF renderer off.
pub const DMABUF_VAR: &str = "WEBKIT_DISABLE_DMABUF_RENDERER";

/// Whether to turn the DMA-BUF renderer off: only without a GPU render node, and only when
/// the user has not chosen.
pub fn disable_dmabuf(render_node: bool, user_chose: bool) -> bool {
    !render_node && !user_chose
}

/// A DRM render node (`renderD128`, …) in `dri` that this user may open: a GPU that can
/// share DMA-BUFs (a node we cannot open, e.g. not in the `render` group, is no GPU for us).
fn has_render_node(dri: &Path) -> bool {
    std::fs::read_dir(dri).is_ok_and(|entries| {
        entries.flatten().any(|e| {
            e.file_name().to_string_lossy().starts_with("renderD")
                && std::fs::OpenOptions::new()
                    .read(true)
                    .write(true)
                    .open(e.path())
                    .is_ok()
        })
    })
}

/// Sets [`DMABUF_VAR`] for this process (and so for the WebKit processes it starts) when
/// [`disable_dmabuf`] says so. Call first thing in `main`, before any thread starts.
pub fn choose() {
    let user_chose = std::env::var_os(DMABUF_VAR).is_some();
    if disable_dmabuf(has_render_node(Path::new("/dev/dri")), user_chose) {
        std::env::set_var(DMABUF_VAR, "1");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_machine_without_a_render_node_loses_the_dmabuf_renderer() {
        assert!(disable_dmabuf(false, false));
        assert!(!disable_dmabuf(true, false));
    }

    #[test]
    fn the_users_choice_wins() {
        assert!(!disable_dmabuf(false, true));
        assert!(!disable_dmabuf(true, true));
    }

    #[test]
    fn render_nodes_are_found_by_name() {
        let dir = std::env::temp_dir().join(format!("peercall-dri-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        std::fs::write(dir.join("card0"), b"").expect("card0");
        assert!(!has_render_node(&dir));
        std::fs::write(dir.join("renderD128"), b"").expect("renderD128");
        assert!(has_render_node(&dir));
        std::fs::remove_dir_all(&dir).ok();
        assert!(!has_render_node(&dir));
    }
}
