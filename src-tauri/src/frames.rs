//! Video frames from the media core into the frame bridge.

use peercall_bridge::FramePublisher;
use peercall_media::VideoFrame;

/// Publishes `frame` as the newest of its stream; a malformed frame is logged, not fatal.
pub fn publish(publisher: &FramePublisher, frame: &VideoFrame) {
    if let Err(err) = publisher.publish(
        frame.width,
        frame.height,
        frame.frame_number,
        frame.capture_time_us,
        &frame.data,
    ) {
        tracing::warn!(%err, "frame not published");
    }
}
