//! Camera enumeration (nokhwa / V4L2 on Linux) plus the synthetic test-pattern camera, and
//! format negotiation.

use crate::convert::PixelFormat;
use crate::source::PatternVariant;
use nokhwa::utils::{ApiBackend, CameraIndex, FrameFormat};

/// Id of the synthetic test-pattern camera, colour bars (always listed).
pub const TEST_PATTERN_ID: &str = "synthetic:test-pattern";
/// Id of the second synthetic camera: the same pattern in blue/cyan checks (always listed),
/// so a switch between two synthetic cameras changes the picture.
pub const TEST_PATTERN_CHECKS_ID: &str = "synthetic:test-pattern-checks";
/// Prefix of ids that name a V4L2 device by index (`v4l2:index:0`): not stable across
/// re-plugs, but always accepted.
pub const INDEX_ID_PREFIX: &str = "v4l2:index:";

/// One capture mode a camera offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CameraFormatInfo {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Frames per second.
    pub fps: u32,
    /// Pixel layout delivered by the device.
    pub pixel_format: PixelFormat,
}

/// A camera as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CameraInfo {
    /// Stable id: `v4l2:bus:<port>` from sysfs (e.g. `v4l2:bus:1-1.2:1.0`; survives a
    /// re-plug into the same port), else `v4l2:index:<n>`; [`TEST_PATTERN_ID`] for the
    /// pattern.
    pub id: String,
    /// Human-readable name.
    pub name: String,
    /// Offered modes (empty if the camera could not be queried, e.g. busy).
    pub formats: Vec<CameraFormatInfo>,
    /// Whether it is synthetic.
    pub synthetic: bool,
}

impl PatternVariant {
    /// The synthetic camera that shows this variant.
    #[must_use]
    pub fn camera_id(self) -> &'static str {
        match self {
            Self::Bars => TEST_PATTERN_ID,
            Self::Checks => TEST_PATTERN_CHECKS_ID,
        }
    }

    /// The variant a synthetic camera id shows (`None` for any other camera).
    #[must_use]
    pub fn from_camera_id(id: &str) -> Option<Self> {
        [Self::Bars, Self::Checks]
            .into_iter()
            .find(|v| v.camera_id() == id)
    }
}

/// The (first) synthetic camera's entry: any size works; these are the advertised ones.
pub fn test_pattern_info() -> CameraInfo {
    synthetic_camera_info(PatternVariant::Bars)
}

/// A synthetic camera's entry.
fn synthetic_camera_info(variant: PatternVariant) -> CameraInfo {
    let formats = [(640, 480), (1280, 720), (1920, 1080)]
        .into_iter()
        .map(|(width, height)| CameraFormatInfo {
            width,
            height,
            fps: 30,
            pixel_format: PixelFormat::I420,
        })
        .collect();
    let name = match variant {
        PatternVariant::Bars => "Test pattern (synthetic)",
        PatternVariant::Checks => "Test pattern, checks (synthetic)",
    };
    CameraInfo {
        id: variant.camera_id().into(),
        name: name.into(),
        formats,
        synthetic: true,
    }
}

/// The synthetic cameras: the colour bars, then the checks.
fn synthetic_cameras() -> Vec<CameraInfo> {
    [PatternVariant::Bars, PatternVariant::Checks]
        .into_iter()
        .map(synthetic_camera_info)
        .collect()
}

/// Every camera: the test patterns first, then the hardware ones.
pub fn list_cameras() -> Vec<CameraInfo> {
    let mut list = synthetic_cameras();
    list.extend(list_native_cameras());
    list
}

/// Hardware cameras only (empty when there are none, or enumeration fails).
pub fn list_native_cameras() -> Vec<CameraInfo> {
    native_cameras()
        .into_iter()
        .map(|(info, index)| {
            let formats = query_formats(&index);
            CameraInfo { formats, ..info }
        })
        .collect()
}

/// Every camera without opening any to read its formats (`formats` empty for hardware
/// cameras): cheap enough to poll for hot-plug.
pub fn list_cameras_quick() -> Vec<CameraInfo> {
    let mut list = synthetic_cameras();
    list.extend(native_cameras().into_iter().map(|(info, _)| info));
    list
}

/// Hardware cameras with their nokhwa index, without opening them.
pub(crate) fn native_cameras() -> Vec<(CameraInfo, CameraIndex)> {
    let found = match nokhwa::query(ApiBackend::Auto) {
        Ok(found) => found,
        Err(e) => {
            tracing::debug!("camera query failed (treated as no cameras): {e}");
            return Vec::new();
        }
    };
    found
        .into_iter()
        .filter(|c| match c.index() {
            CameraIndex::Index(n) => sysfs_is_primary_node(*n),
            CameraIndex::String(_) => true,
        })
        .map(|c| {
            let index = c.index().clone();
            let port = match &index {
                CameraIndex::Index(n) => sysfs_port(*n),
                CameraIndex::String(_) => None,
            };
            let misc = c.misc();
            let id = match port {
                Some(port) => format!("v4l2:bus:{port}"),
                None if !misc.trim().is_empty() => format!("v4l2:bus:{}", misc.trim()),
                None => format!("{INDEX_ID_PREFIX}{index}"),
            };
            let info = CameraInfo {
                id,
                name: c.human_name(),
                formats: Vec::new(),
                synthetic: false,
            };
            (info, index)
        })
        .collect()
}

/// The device's bus position from sysfs, e.g. `1-1.2:1.0` for a USB camera: the same after
/// a re-plug into the same port, different for two identical cameras.
fn sysfs_port(n: u32) -> Option<String> {
    let link = std::fs::read_link(format!("/sys/class/video4linux/video{n}/device")).ok()?;
    link.file_name().map(|s| s.to_string_lossy().into_owned())
}

/// UVC cameras expose a second node for metadata; only node index 0 captures video.
fn sysfs_is_primary_node(n: u32) -> bool {
    std::fs::read_to_string(format!("/sys/class/video4linux/video{n}/index"))
        .map(|s| s.trim() == "0")
        .unwrap_or(true)
}

fn query_formats(index: &CameraIndex) -> Vec<CameraFormatInfo> {
    let requested = nokhwa::utils::RequestedFormat::new::<nokhwa::pixel_format::RgbFormat>(
        nokhwa::utils::RequestedFormatType::None,
    );
    match nokhwa::Camera::new(index.clone(), requested) {
        Ok(mut cam) => cam
            .compatible_camera_formats()
            .unwrap_or_default()
            .into_iter()
            .filter_map(|f| {
                Some(CameraFormatInfo {
                    width: f.width(),
                    height: f.height(),
                    fps: f.frame_rate(),
                    pixel_format: pixel_format(f.format())?,
                })
            })
            .collect(),
        Err(e) => {
            tracing::debug!("cannot query formats of camera {index}: {e}");
            Vec::new()
        }
    }
}

/// Our name for a nokhwa pixel format (`None` for formats we cannot convert).
pub(crate) fn pixel_format(f: FrameFormat) -> Option<PixelFormat> {
    match f {
        FrameFormat::MJPEG => Some(PixelFormat::Mjpeg),
        FrameFormat::YUYV => Some(PixelFormat::Yuyv),
        FrameFormat::NV12 => Some(PixelFormat::Nv12),
        FrameFormat::GRAY => Some(PixelFormat::Gray),
        FrameFormat::RAWRGB => Some(PixelFormat::Rgb24),
        FrameFormat::RAWBGR => None,
    }
}

/// nokhwa's name for our pixel format.
pub(crate) fn frame_format(f: PixelFormat) -> Option<FrameFormat> {
    match f {
        PixelFormat::Mjpeg => Some(FrameFormat::MJPEG),
        PixelFormat::Yuyv => Some(FrameFormat::YUYV),
        PixelFormat::Nv12 => Some(FrameFormat::NV12),
        PixelFormat::Gray => Some(FrameFormat::GRAY),
        PixelFormat::Rgb24 => Some(FrameFormat::RAWRGB),
        PixelFormat::I420 => None,
    }
}

/// Picks the offered mode closest to the request: nearest size (by pixel count, preferring
/// not smaller), then nearest frame rate (preferring not lower), then the cheapest pixel
/// format to convert (YUYV/NV12, MJPEG, then the rest).
pub fn choose_format(
    offered: &[CameraFormatInfo],
    width: u32,
    height: u32,
    fps: u32,
) -> Option<CameraFormatInfo> {
    let want_px = i64::from(width) * i64::from(height);
    offered.iter().copied().min_by_key(|f| {
        let px = i64::from(f.width) * i64::from(f.height);
        let size_cost = if px >= want_px {
            px - want_px
        } else {
            4 * (want_px - px)
        };
        let fps_cost = if f.fps >= fps {
            i64::from(f.fps - fps)
        } else {
            4 * i64::from(fps - f.fps)
        };
        let fmt_cost = match f.pixel_format {
            PixelFormat::Yuyv | PixelFormat::Nv12 | PixelFormat::I420 => 0,
            PixelFormat::Mjpeg => 1,
            PixelFormat::Gray | PixelFormat::Rgb24 => 2,
        };
        (size_cost, fps_cost, fmt_cost)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(width: u32, height: u32, fps: u32, pixel_format: PixelFormat) -> CameraFormatInfo {
        CameraFormatInfo {
            width,
            height,
            fps,
            pixel_format,
        }
    }

    #[test]
    fn negotiation_prefers_the_requested_mode_then_cheap_formats() {
        let offered = [
            f(640, 480, 30, PixelFormat::Yuyv),
            f(1280, 720, 10, PixelFormat::Yuyv),
            f(1280, 720, 30, PixelFormat::Mjpeg),
            f(1920, 1080, 30, PixelFormat::Mjpeg),
        ];
        // 720p30 only as MJPEG (YUYV 720p is 10 fps on typical USB 2 webcams).
        assert_eq!(choose_format(&offered, 1280, 720, 30), Some(offered[2]));
        assert_eq!(choose_format(&offered, 640, 480, 30), Some(offered[0]));
        // Between equal modes the uncompressed one wins.
        let both = [
            f(1280, 720, 30, PixelFormat::Mjpeg),
            f(1280, 720, 30, PixelFormat::Yuyv),
        ];
        assert_eq!(choose_format(&both, 1280, 720, 30), Some(both[1]));
        assert_eq!(choose_format(&[], 1280, 720, 30), None);
    }

    #[test]
    fn the_two_test_patterns_are_always_listed_first() {
        for list in [list_cameras(), list_cameras_quick()] {
            assert_eq!(list[0].id, TEST_PATTERN_ID);
            assert_eq!(list[1].id, TEST_PATTERN_CHECKS_ID);
            assert!(list[0].synthetic && list[1].synthetic);
            assert_ne!(list[0].name, list[1].name);
        }
    }

    #[test]
    fn each_synthetic_id_names_its_variant() {
        for v in [PatternVariant::Bars, PatternVariant::Checks] {
            assert_eq!(PatternVariant::from_camera_id(v.camera_id()), Some(v));
        }
        assert_eq!(PatternVariant::from_camera_id("v4l2:index:0"), None);
        assert_eq!(PatternVariant::from_camera_id("synthetic:tone"), None);
    }
}
