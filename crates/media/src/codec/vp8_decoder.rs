//! VP8 decoder on libvpx that survives lost frames: after a loss (reported by the caller)
//! or a decode error it withholds pictures until the next keyframe and says, through
//! [`Vp8Decoder::needs_keyframe`], that the sender should be asked for one (PLI).

use super::vpx::{check, check_init, is_vp8_keyframe, vp8_keyframe_size};
use crate::error::CodecError;
use crate::frame::VideoFrame;
use std::mem::MaybeUninit;
use std::os::raw::{c_int, c_uint};
use vpx_sys as vpx;

/// The largest picture a peer's keyframe may ask us to allocate: 4K (3840x2160). libvpx
/// allocates its reference frames at whatever size a keyframe declares — up to 16383 x
/// 16383, about 400 MB a frame — so a hostile peer's crafted keyframe is refused before it
/// reaches the decoder.
pub const MAX_DECODE_PIXELS: u32 = 3840 * 2160;
/// And the longest side.
pub const MAX_DECODE_SIDE: u32 = 4096;

/// A VP8 decoder. `Send`, not `Sync`.
pub struct Vp8Decoder {
    ctx: Box<vpx::vpx_codec_ctx_t>,
    needs_keyframe: bool,
    decoded: u64,
}

// SAFETY: the libvpx context is only used through `&mut self`.
unsafe impl Send for Vp8Decoder {}

impl Vp8Decoder {
    /// Creates a decoder using up to `threads` threads.
    pub fn new(threads: u32) -> Result<Self, CodecError> {
        let cfg = vpx::vpx_codec_dec_cfg_t {
            threads: threads.max(1) as c_uint,
            w: 0,
            h: 0,
        };
        // SAFETY: zeroed context before init; `cfg` lives across the call.
        let ctx = unsafe {
            let mut ctx = Box::new(MaybeUninit::<vpx::vpx_codec_ctx_t>::zeroed());
            let status = vpx::vpx_codec_dec_init_ver(
                ctx.as_mut_ptr(),
                vpx::vpx_codec_vp8_dx(),
                &cfg,
                0,
                vpx::VPX_DECODER_ABI_VERSION as c_int,
            );
            check_init(status, "vpx_codec_dec_init")?;
            Box::from_raw(Box::into_raw(ctx).cast::<vpx::vpx_codec_ctx_t>())
        };
        Ok(Self {
            ctx,
            needs_keyframe: true,
            decoded: 0,
        })
    }

    /// Whether the decoder is waiting for a keyframe (at start, after a reported loss or
    /// after a corrupt frame). While true, only a keyframe produces a picture.
    pub fn needs_keyframe(&self) -> bool {
        self.needs_keyframe
    }

    /// Tells the decoder a frame was lost before it (e.g. an RTP sequence gap).
    pub fn report_loss(&mut self) {
        self.needs_keyframe = true;
    }

    /// Frames decoded so far.
    pub fn decoded_count(&self) -> u64 {
        self.decoded
    }

    /// Decodes one VP8 frame. `Ok(None)` when the frame was skipped while waiting for a
    /// keyframe, or produced no picture. A corrupt frame returns the error and sets
    /// [`needs_keyframe`](Self::needs_keyframe).
    pub fn decode(&mut self, data: &[u8]) -> Result<Option<VideoFrame>, CodecError> {
        let keyframe = is_vp8_keyframe(data);
        if self.needs_keyframe && !keyframe {
            return Ok(None);
        }
        if data.is_empty() || data.len() > u32::MAX as usize {
            return Err(CodecError::InvalidInput(
                "empty or oversized VP8 frame".into(),
            ));
        }
        if let Some((w, h)) = keyframe.then(|| vp8_keyframe_size(data)).flatten() {
            if w > MAX_DECODE_SIDE || h > MAX_DECODE_SIDE || w * h > MAX_DECODE_PIXELS {
                self.needs_keyframe = true;
                return Err(CodecError::InvalidInput(format!(
                    "a {w}x{h} keyframe is larger than the {MAX_DECODE_SIDE}-pixel, 4K limit"
                )));
            }
        }
        // SAFETY: `data` outlives the call; libvpx copies or finishes with it before return.
        let status = unsafe {
            vpx::vpx_codec_decode(
                &mut *self.ctx,
                data.as_ptr(),
                data.len() as c_uint,
                std::ptr::null_mut(),
                0,
            )
        };
        if let Err(e) = check(&mut self.ctx, status, "vpx_codec_decode") {
            self.needs_keyframe = true;
            return Err(e);
        }
        if self.frame_corrupted() {
            self.needs_keyframe = true;
            return Ok(None);
        }
        if keyframe {
            self.needs_keyframe = false;
        }
        let mut iter: vpx::vpx_codec_iter_t = std::ptr::null();
        let mut out = None;
        loop {
            // SAFETY: images belong to the context and stay valid until the next decode.
            let img = unsafe { vpx::vpx_codec_get_frame(&mut *self.ctx, &mut iter) };
            if img.is_null() {
                break;
            }
            // SAFETY: non-null image from libvpx.
            out = Some(unsafe { copy_image(&*img) });
        }
        if out.is_some() {
            self.decoded += 1;
        }
        Ok(out)
    }

    fn frame_corrupted(&mut self) -> bool {
        let mut corrupted: c_int = 0;
        // SAFETY: the control writes one int through the pointer.
        let status = unsafe {
            vpx::vpx_codec_control_(
                &mut *self.ctx,
                vpx::vp8_dec_control_id::VP8D_GET_FRAME_CORRUPTED as c_int,
                &mut corrupted as *mut c_int,
            )
        };
        status == vpx::vpx_codec_err_t::VPX_CODEC_OK && corrupted != 0
    }
}

/// Copies a decoded I420 image into a packed [`VideoFrame`].
///
/// # Safety
/// `img` must be a valid 8-bit I420 image returned by libvpx.
unsafe fn copy_image(img: &vpx::vpx_image_t) -> VideoFrame {
    let (w, h) = (img.d_w as usize, img.d_h as usize);
    let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
    // Filled row by row: no zero-fill of a buffer about to be overwritten.
    let mut data = Vec::with_capacity(VideoFrame::byte_len(img.d_w, img.d_h));
    for (plane, pw, ph) in [(0usize, w, h), (1, cw, ch), (2, cw, ch)] {
        let stride = img.stride[plane] as usize;
        let src = img.planes[plane];
        for row in 0..ph {
            // SAFETY: libvpx guarantees `ph` rows of `stride >= pw` bytes per plane.
            let line = unsafe { std::slice::from_raw_parts(src.add(row * stride), pw) };
            data.extend_from_slice(line);
        }
    }
    VideoFrame {
        width: img.d_w,
        height: img.d_h,
        data,
        frame_number: 0,
        capture_time_us: 0,
    }
}

impl Drop for Vp8Decoder {
    fn drop(&mut self) {
        // SAFETY: initialised in `new`, destroyed once.
        unsafe {
            vpx::vpx_codec_destroy(&mut *self.ctx);
        }
    }
}
