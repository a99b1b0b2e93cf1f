//! The transport-wide sequence number's header extension, as negotiated for a stream.

use rtc::interceptor::StreamInfo;
use rtc::sdp::extmap::TRANSPORT_CC_URI;

/// The extension id the stream negotiated for transport-wide congestion control, if any.
#[must_use]
pub fn extension_id(info: &StreamInfo) -> Option<u8> {
    info.rtp_header_extensions
        .iter()
        .find(|e| e.uri == TRANSPORT_CC_URI)
        .and_then(|e| u8::try_from(e.id).ok())
}
