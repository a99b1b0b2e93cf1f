//! Small helpers shared by the VP8 encoder and decoder wrappers around libvpx.

use crate::error::CodecError;
use std::ffi::CStr;
use vpx_sys as vpx;

/// Turns a libvpx status into a `Result`, with libvpx's message for the context.
pub(crate) fn check(
    ctx: &mut vpx::vpx_codec_ctx_t,
    status: vpx::vpx_codec_err_t,
    call: &'static str,
) -> Result<(), CodecError> {
    if status == vpx::vpx_codec_err_t::VPX_CODEC_OK {
        return Ok(());
    }
    // SAFETY: `ctx` is a live context; libvpx returns a static or context-owned C string.
    let detail = unsafe {
        let msg = vpx::vpx_codec_error(ctx);
        let mut text = if msg.is_null() {
            format!("{status:?}")
        } else {
            CStr::from_ptr(msg).to_string_lossy().into_owned()
        };
        let extra = vpx::vpx_codec_error_detail(ctx);
        if !extra.is_null() {
            text.push_str(": ");
            text.push_str(&CStr::from_ptr(extra).to_string_lossy());
        }
        text
    };
    Err(CodecError::Vpx { call, detail })
}

/// A status from a call that has no context yet (init).
pub(crate) fn check_init(
    status: vpx::vpx_codec_err_t,
    call: &'static str,
) -> Result<(), CodecError> {
    if status == vpx::vpx_codec_err_t::VPX_CODEC_OK {
        Ok(())
    } else {
        Err(CodecError::Vpx {
            call,
            detail: format!("{status:?}"),
        })
    }
}

/// Whether a VP8 frame is a keyframe (bit 0 of the frame tag is 0).
pub fn is_vp8_keyframe(data: &[u8]) -> bool {
    data.first().is_some_and(|b| b & 1 == 0)
}

/// The picture size a VP8 keyframe declares (RFC 6386 §9.1: a 3-byte frame tag, the start
/// code `9d 01 2a`, then width and height as 14 bits each, little-endian, under 2 scale
/// bits); `None` if `data` is not a keyframe with a valid header.
pub fn vp8_keyframe_size(data: &[u8]) -> Option<(u32, u32)> {
    if !is_vp8_keyframe(data) || data.get(3..6)? != [0x9d, 0x01, 0x2a] {
        return None;
    }
    let dim = |i: usize| {
        Some(u32::from(
            u16::from_le_bytes([*data.get(i)?, *data.get(i + 1)?]) & 0x3fff,
        ))
    };
    Some((dim(6)?, dim(8)?))
}
