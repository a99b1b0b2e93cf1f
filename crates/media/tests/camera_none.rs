//! nokhwa on a machine without cameras: an empty list and typed errors, never a panic.
//! On a machine that has `/dev/video*` these checks do not apply and are skipped.

use peercall_media::camera::{list_native_cameras, CameraCapture, CameraOptions, CaptureRequest};
use peercall_media::{DeviceChoice, DeviceError};

fn has_video_devices() -> bool {
    std::fs::read_dir("/dev")
        .map(|d| {
            d.flatten()
                .any(|e| e.file_name().to_string_lossy().starts_with("video"))
        })
        .unwrap_or(false)
}

#[test]
fn no_camera_means_an_empty_list_and_typed_errors() {
    if has_video_devices() {
        eprintln!("skipped: this machine has /dev/video* devices");
        return;
    }
    assert!(list_native_cameras().is_empty());
    let open = |id: &str| {
        CameraCapture::open(
            &DeviceChoice::Id(id.into()),
            CaptureRequest::default(),
            CameraOptions::default(),
        )
    };
    // Index 0 goes all the way to V4L2, which says "No such file or directory".
    assert!(matches!(
        open("v4l2:index:0"),
        Err(DeviceError::NotFound(_))
    ));
    assert!(matches!(
        open("v4l2:bus:usb-0000:00:14.0-1"),
        Err(DeviceError::NotFound(_))
    ));
    assert!(matches!(
        CameraCapture::open(
            &DeviceChoice::SystemDefault,
            CaptureRequest::default(),
            CameraOptions::default()
        ),
        Err(DeviceError::NotFound(_))
    ));
}
