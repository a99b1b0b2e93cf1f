//! Cameras: enumeration and format negotiation (nokhwa), capture threads, and the
//! synthetic test-pattern camera.

mod capture;
mod devices;

pub use capture::{CameraCapture, CameraEvent, CameraOptions, CaptureRequest, Outlet};
pub use devices::{
    choose_format, list_cameras, list_cameras_quick, list_native_cameras, test_pattern_info,
    CameraFormatInfo, CameraInfo, INDEX_ID_PREFIX, TEST_PATTERN_CHECKS_ID, TEST_PATTERN_ID,
};
