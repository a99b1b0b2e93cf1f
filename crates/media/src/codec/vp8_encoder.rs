//! VP8 encoder on libvpx, tuned for calls: realtime deadline, `cpu-used -6`,
//! no lag, CBR with the bitrate changeable on the fly. Not error-resilient: libwebrtc turns
//! that on only with temporal layers, and it costs 10–13 QP (on 0–127) at the same rate
//! here, since the probabilities restart every frame; our receiver never decodes past a
//! lost frame (it waits for a repair or a keyframe), so it buys nothing.
//!
//! Rate control follows libwebrtc's `LibvpxVp8Encoder`: CBR, undershoot 100 %, overshoot
//! 15 %, buffer 500/600/1000 ms, quantizer 2..=56, keyframes capped as libwebrtc caps them
//! ([`max_keyframe_pct`]: 900 % of a frame's budget at 30 fps). With [`Vp8Config::frame_drop_threshold`] set (libwebrtc uses 30), libvpx skips
//! frames when its buffer runs low instead of overshooting; after 2 s without an encoded
//! frame the next one is forced through (dropping is switched off for that frame), as
//! libwebrtc does. The quantizer of the last encoded frame ([`Vp8Encoder::last_qp`], 0–127)
//! feeds the quality scaler.

use super::vpx::{check, check_init};
use crate::error::CodecError;
use crate::frame::VideoFrame;
use std::mem::MaybeUninit;
use std::os::raw::{c_int, c_long, c_uint, c_ulong};
use vpx_sys as vpx;

/// Encoder settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vp8Config {
    /// Frame width (frames of another size make the encoder re-initialise).
    pub width: u32,
    /// Frame height.
    pub height: u32,
    /// Target bitrate, kbit/s.
    pub bitrate_kbps: u32,
    /// Nominal frame rate (the timebase is µs, this only guides rate control).
    pub fps: u32,
    /// Encoder threads (1 = single core).
    pub threads: u32,
    /// libvpx `cpu-used` speed setting, -16..=16; -6 is fast and realtime-friendly.
    pub cpu_used: i32,
    /// Longest distance between keyframes, in frames (0 = only on request).
    pub max_keyframe_interval: u32,
    /// Rate control may skip frames when the buffer runs this low, percent (0 = never
    /// skip; WebRTC uses about 30 so congestion lowers the frame rate, not just quality).
    pub frame_drop_threshold: u32,
    /// Every other frame is encoded *discardable* (it updates no reference buffer and
    /// keeps its entropy updates to itself, `vp8_header.rs`): the frames after it
    /// reference the frame before it, so a receiver may skip it when its packets come
    /// late, instead of holding every later frame until a retransmission arrives. The
    /// other frames reference two frames back, which costs some compression
    /// (BENCHMARKS.md, "Discardable frames"), so a sender turns it on where repairs are
    /// frequent (a lossy path). It turns libvpx's frame dropping off
    /// ([`Vp8Config::frame_drop_threshold`] is then 0): libvpx 1.12 dropping a frame
    /// encoded with `VP8_EFLAG_NO_UPD_ENTROPY` leaves the next frame it codes
    /// undecodable (`vp8_header` tests).
    pub discardable_frames: bool,
}

impl Vp8Config {
    /// libvpx's drop threshold in effect (none with discardable frames).
    fn drop_threshold(&self) -> u32 {
        if self.discardable_frames {
            0
        } else {
            self.frame_drop_threshold.min(100)
        }
    }

    /// Call defaults for a size: 30 fps, a bitrate scaled from the pixel count, 1 thread.
    pub fn new(width: u32, height: u32) -> Self {
        let pixels = u64::from(width) * u64::from(height);
        Self {
            width,
            height,
            bitrate_kbps: (pixels * 1_500 / (1280 * 720)).clamp(150, 4_000) as u32,
            fps: 30,
            threads: 1,
            cpu_used: -6,
            max_keyframe_interval: 3_000,
            frame_drop_threshold: 0,
            discardable_frames: false,
        }
    }
}

/// One compressed VP8 frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedFrame {
    /// The VP8 bitstream of one frame.
    pub data: Vec<u8>,
    /// Whether it is a keyframe (decodable on its own).
    pub keyframe: bool,
    /// The source frame's number.
    pub frame_number: u64,
    /// The source frame's capture time, µs since the UNIX epoch.
    pub capture_time_us: u64,
}

/// A VP8 encoder. `Send`, not `Sync`: use it from one thread at a time.
pub struct Vp8Encoder {
    ctx: Box<vpx::vpx_codec_ctx_t>,
    cfg: Box<vpx::vpx_codec_enc_cfg_t>,
    config: Vp8Config,
    keyframe_pending: bool,
    first_pts: Option<u64>,
    last_pts: i64,
    /// pts of the last frame that came out (for the forced frame after 2 s of drops).
    last_output_pts: Option<i64>,
    last_qp: Option<u8>,
    frames_dropped: u64,
    /// The next frame is to be encoded discardable ([`Vp8Config::discardable_frames`]).
    next_discardable: bool,
}

/// The largest keyframe, in percent of one frame's budget at `fps`: libwebrtc's
/// `MaxIntraTarget` (`libvpx_vp8_encoder.cc`), half the optimal buffer's worth of frames
/// (`buffer_ms` × `fps` / 2 s), at least 300 %. At 30 fps and 600 ms: 900 %, i.e. a
/// keyframe as large as 9 frames, which under loss NACK + RTX repair (docs/video-network.md);
/// at 15 fps 450 %, so a slow stream's keyframe does not take longer to send.
#[must_use]
pub fn max_keyframe_pct(buffer_ms: u32, fps: u32) -> u32 {
    (buffer_ms.saturating_mul(fps) / 20).max(300)
}

/// After this long without an encoded frame, the next one is encoded whatever the buffer
/// says (2 s, as libwebrtc's `LibvpxVp8Encoder`, `libvpx_vp8_encoder.cc:106`).
const MAX_DROP_INTERVAL_US: i64 = 2_000_000;

// SAFETY: the libvpx context is only touched through `&mut self`; libvpx contexts may be
// used from any thread as long as calls are not concurrent.
unsafe impl Send for Vp8Encoder {}

impl Vp8Encoder {
    /// Creates an encoder.
    pub fn new(config: Vp8Config) -> Result<Self, CodecError> {
        if config.width < 2 || config.height < 2 || config.width > 16_383 || config.height > 16_383
        {
            return Err(CodecError::InvalidInput(format!(
                "VP8 frame size {}x{} out of range",
                config.width, config.height
            )));
        }
        // SAFETY: vpx_codec_vp8_cx returns a static interface; config_default fills `cfg`.
        let mut cfg = unsafe {
            let mut cfg = Box::new(MaybeUninit::<vpx::vpx_codec_enc_cfg_t>::zeroed());
            let status =
                vpx::vpx_codec_enc_config_default(vpx::vpx_codec_vp8_cx(), cfg.as_mut_ptr(), 0);
            check_init(status, "vpx_codec_enc_config_default")?;
            Box::from_raw(Box::into_raw(cfg).cast::<vpx::vpx_codec_enc_cfg_t>())
        };
        apply_config(&mut cfg, &config);
        // SAFETY: a zeroed context is the documented pre-init state; `cfg` outlives the call.
        let mut ctx = unsafe {
            let mut ctx = Box::new(MaybeUninit::<vpx::vpx_codec_ctx_t>::zeroed());
            let status = vpx::vpx_codec_enc_init_ver(
                ctx.as_mut_ptr(),
                vpx::vpx_codec_vp8_cx(),
                &*cfg,
                0,
                vpx::VPX_ENCODER_ABI_VERSION as c_int,
            );
            check_init(status, "vpx_codec_enc_init")?;
            Box::from_raw(Box::into_raw(ctx).cast::<vpx::vpx_codec_ctx_t>())
        };
        // SAFETY: `ctx` is initialised; the control takes an int argument.
        let status = unsafe {
            vpx::vpx_codec_control_(
                &mut *ctx,
                vpx::vp8e_enc_control_id::VP8E_SET_CPUUSED as c_int,
                config.cpu_used as c_int,
            )
        };
        let mut enc = Self {
            ctx,
            cfg,
            config,
            keyframe_pending: true,
            first_pts: None,
            last_pts: -1,
            last_output_pts: None,
            last_qp: None,
            frames_dropped: 0,
            next_discardable: false,
        };
        check(&mut enc.ctx, status, "vpx_codec_control(VP8E_SET_CPUUSED)")?;
        enc.cap_keyframes()?;
        Ok(enc)
    }

    /// The current settings.
    pub fn config(&self) -> &Vp8Config {
        &self.config
    }

    /// Changes the target bitrate for the following frames.
    pub fn set_bitrate(&mut self, kbps: u32) -> Result<(), CodecError> {
        let kbps = kbps.max(10);
        self.cfg.rc_target_bitrate = kbps;
        // SAFETY: live context and config.
        let status = unsafe { vpx::vpx_codec_enc_config_set(&mut *self.ctx, &*self.cfg) };
        check(&mut self.ctx, status, "vpx_codec_enc_config_set")?;
        self.config.bitrate_kbps = kbps;
        Ok(())
    }

    /// Changes the nominal frame rate (it guides rate control: each frame's duration, and
    /// how large a keyframe may be, [`max_keyframe_pct`]).
    pub fn set_frame_rate(&mut self, fps: u32) {
        self.config.fps = fps.max(1);
        if let Err(e) = self.cap_keyframes() {
            tracing::debug!("vp8 keyframe cap: {e}");
        }
    }

    /// Caps keyframe size so one keyframe does not flood the link ([`max_keyframe_pct`]).
    fn cap_keyframes(&mut self) -> Result<(), CodecError> {
        let pct = max_keyframe_pct(self.cfg.rc_buf_optimal_sz, self.config.fps);
        // SAFETY: live context; the control takes an unsigned int.
        let status = unsafe {
            vpx::vpx_codec_control_(
                &mut *self.ctx,
                vpx::vp8e_enc_control_id::VP8E_SET_MAX_INTRA_BITRATE_PCT as c_int,
                pct as c_uint,
            )
        };
        check(
            &mut self.ctx,
            status,
            "vpx_codec_control(VP8E_SET_MAX_INTRA_BITRATE_PCT)",
        )
    }

    /// Makes the next encoded frame a keyframe (e.g. on PLI/FIR).
    pub fn request_keyframe(&mut self) {
        self.keyframe_pending = true;
    }

    /// The quantizer libvpx chose for the last encoded frame, on its internal 0–127 q-index
    /// scale (`VP8E_GET_LAST_QUANTIZER`, the scale of libwebrtc's QP thresholds 29/95);
    /// `None` before the first frame.
    pub fn last_qp(&self) -> Option<u8> {
        self.last_qp
    }

    /// Frames rate control skipped since this encoder was created (a re-initialisation on a
    /// size change starts again from 0).
    pub fn frames_dropped(&self) -> u64 {
        self.frames_dropped
    }

    /// Sets libvpx's drop threshold for the following frames (0 = never drop).
    fn set_drop_threshold(&mut self, percent: u32) -> Result<(), CodecError> {
        if self.cfg.rc_dropframe_thresh == percent {
            return Ok(());
        }
        self.cfg.rc_dropframe_thresh = percent;
        // SAFETY: live context and config.
        let status = unsafe { vpx::vpx_codec_enc_config_set(&mut *self.ctx, &*self.cfg) };
        check(&mut self.ctx, status, "vpx_codec_enc_config_set")
    }

    fn read_qp(&mut self) -> Option<u8> {
        let mut q: c_int = -1;
        // SAFETY: the control writes one int through the pointer.
        let status = unsafe {
            vpx::vpx_codec_control_(
                &mut *self.ctx,
                vpx::vp8e_enc_control_id::VP8E_GET_LAST_QUANTIZER as c_int,
                &mut q as *mut c_int,
            )
        };
        (status == vpx::vpx_codec_err_t::VPX_CODEC_OK && (0..=127).contains(&q)).then_some(q as u8)
    }

    /// Turns [`Vp8Config::discardable_frames`] on or off from the next frame (with
    /// libvpx's frame dropping off or back to its threshold).
    pub fn set_discardable_frames(&mut self, on: bool) -> Result<(), CodecError> {
        if self.config.discardable_frames == on {
            return Ok(());
        }
        self.config.discardable_frames = on;
        self.set_drop_threshold(self.config.drop_threshold())
    }

    /// Encodes one frame. Usually returns one encoded frame; may return none if rate
    /// control drops the frame. A frame of a new size re-creates the encoder (keyframe),
    /// keeping the bitrate, frame rate and drop threshold.
    pub fn encode(
        &mut self,
        frame: &VideoFrame,
        force_keyframe: bool,
    ) -> Result<Vec<EncodedFrame>, CodecError> {
        if frame.data.len() < VideoFrame::byte_len(frame.width, frame.height) {
            return Err(CodecError::InvalidInput(
                "I420 buffer shorter than its size".into(),
            ));
        }
        if frame.width != self.config.width || frame.height != self.config.height {
            let config = Vp8Config {
                width: frame.width,
                height: frame.height,
                ..self.config
            };
            *self = Self::new(config)?;
        }
        let img = self.wrap(frame);
        // pts in µs since the first frame, strictly increasing.
        let first = *self.first_pts.get_or_insert(frame.capture_time_us);
        let pts = (frame.capture_time_us.saturating_sub(first) as i64).max(self.last_pts + 1);
        self.last_pts = pts;
        let duration = (1_000_000 / self.config.fps.max(1)) as c_ulong;
        let keyframe_asked = force_keyframe || self.keyframe_pending;
        let discardable =
            !keyframe_asked && self.config.discardable_frames && self.next_discardable;
        let flags = if keyframe_asked {
            vpx::VPX_EFLAG_FORCE_KF as c_long
        } else if discardable {
            (vpx::VP8_EFLAG_NO_UPD_LAST
                | vpx::VP8_EFLAG_NO_UPD_GF
                | vpx::VP8_EFLAG_NO_UPD_ARF
                | vpx::VP8_EFLAG_NO_UPD_ENTROPY) as c_long
        } else {
            0
        };
        // Dropping for 2 s is enough: this frame goes through whatever the buffer says.
        let force_through = self.config.drop_threshold() > 0
            && self
                .last_output_pts
                .is_some_and(|last| pts - last >= MAX_DROP_INTERVAL_US);
        if force_through {
            self.set_drop_threshold(0)?;
        }
        // SAFETY: `img` points into `frame.data`, which outlives the call; libvpx copies
        // what it needs before returning (lag 0).
        let status = unsafe {
            vpx::vpx_codec_encode(
                &mut *self.ctx,
                &img,
                pts,
                duration,
                flags,
                vpx::VPX_DL_REALTIME as c_ulong,
            )
        };
        if force_through {
            self.set_drop_threshold(self.config.drop_threshold())?;
        }
        check(&mut self.ctx, status, "vpx_codec_encode")?;
        self.keyframe_pending = false;
        let mut out = Vec::with_capacity(1);
        let mut iter: vpx::vpx_codec_iter_t = std::ptr::null();
        loop {
            // SAFETY: iterating packets of a live context; each stays valid until the next
            // call on the context, and we copy it at once.
            let pkt = unsafe { vpx::vpx_codec_get_cx_data(&mut *self.ctx, &mut iter) };
            if pkt.is_null() {
                break;
            }
            // SAFETY: non-null packet from libvpx; `frame` is the active union member for
            // CX_FRAME_PKT.
            unsafe {
                if (*pkt).kind != vpx::vpx_codec_cx_pkt_kind::VPX_CODEC_CX_FRAME_PKT {
                    continue;
                }
                let f = &(*pkt).data.frame;
                let data = std::slice::from_raw_parts(f.buf.cast::<u8>(), f.sz as usize).to_vec();
                out.push(EncodedFrame {
                    data,
                    keyframe: f.flags & vpx::VPX_FRAME_IS_KEY != 0,
                    frame_number: frame.frame_number,
                    capture_time_us: frame.capture_time_us,
                });
            }
        }
        if out.is_empty() {
            self.frames_dropped += 1;
            // A keyframe asked for and dropped is still owed.
            if keyframe_asked {
                self.keyframe_pending = true;
            }
        } else {
            // References and discardable frames alternate; a keyframe is a reference.
            let key = out.iter().any(|f| f.keyframe);
            self.next_discardable = !discardable || key;
            self.last_output_pts = Some(pts);
            self.last_qp = self.read_qp();
        }
        Ok(out)
    }

    /// A `vpx_image_t` describing `frame`'s planes without copying them.
    fn wrap(&self, frame: &VideoFrame) -> vpx::vpx_image_t {
        // SAFETY: vpx_img_wrap only writes the descriptor; all-zero is a valid start.
        let mut img: vpx::vpx_image_t = unsafe { std::mem::zeroed() };
        let y_len = frame.width as usize * frame.height as usize;
        let c_len = frame.chroma_width() as usize * frame.chroma_height() as usize;
        let base = frame.data.as_ptr().cast_mut();
        img.fmt = vpx::vpx_img_fmt::VPX_IMG_FMT_I420;
        img.cs = vpx::vpx_color_space::VPX_CS_BT_601;
        img.range = vpx::vpx_color_range::VPX_CR_STUDIO_RANGE;
        img.w = frame.width;
        img.h = frame.height;
        img.d_w = frame.width;
        img.d_h = frame.height;
        img.bit_depth = 8;
        img.x_chroma_shift = 1;
        img.y_chroma_shift = 1;
        img.bps = 12;
        // SAFETY: offsets are within `frame.data` (length checked by the caller).
        unsafe {
            img.planes = [
                base,
                base.add(y_len),
                base.add(y_len + c_len),
                std::ptr::null_mut(),
            ];
        }
        img.stride = [
            frame.width as c_int,
            frame.chroma_width() as c_int,
            frame.chroma_width() as c_int,
            0,
        ];
        img
    }
}

fn apply_config(cfg: &mut vpx::vpx_codec_enc_cfg_t, config: &Vp8Config) {
    cfg.g_w = config.width;
    cfg.g_h = config.height;
    cfg.g_threads = config.threads.max(1);
    cfg.g_timebase = vpx::vpx_rational {
        num: 1,
        den: 1_000_000,
    };
    cfg.g_error_resilient = 0;
    cfg.g_pass = vpx::vpx_enc_pass::VPX_RC_ONE_PASS;
    cfg.g_lag_in_frames = 0;
    cfg.rc_end_usage = vpx::vpx_rc_mode::VPX_CBR;
    cfg.rc_target_bitrate = config.bitrate_kbps.max(10);
    // libwebrtc's VP8 range (`media_constants.cc`): 56 on the 0-63 scale is q-index 106 of
    // 127, so a starved encoder drops frames (and the quality scaler, high at 95, downscales)
    // rather than sending mush.
    cfg.rc_min_quantizer = 2;
    cfg.rc_max_quantizer = 56;
    cfg.rc_undershoot_pct = 100;
    cfg.rc_overshoot_pct = 15;
    cfg.rc_buf_initial_sz = 500;
    cfg.rc_buf_optimal_sz = 600;
    cfg.rc_buf_sz = 1000;
    cfg.rc_dropframe_thresh = config.drop_threshold();
    cfg.rc_resize_allowed = 0;
    if config.max_keyframe_interval == 0 {
        cfg.kf_mode = vpx::vpx_kf_mode::VPX_KF_DISABLED;
    } else {
        cfg.kf_mode = vpx::vpx_kf_mode::VPX_KF_AUTO;
        cfg.kf_max_dist = config.max_keyframe_interval;
    }
}

impl Drop for Vp8Encoder {
    fn drop(&mut self) {
        // SAFETY: the context was initialised in `new` and is destroyed once.
        unsafe {
            vpx::vpx_codec_destroy(&mut *self.ctx);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::max_keyframe_pct;

    #[test]
    fn keyframes_are_capped_as_libwebrtc_caps_them() {
        // (optimal buffer ms, fps) → percent of one frame's budget.
        for (buffer_ms, fps, pct) in [
            (600, 30, 900),
            (600, 15, 450),
            (600, 10, 300),
            (600, 5, 300),
            (600, 60, 1800),
        ] {
            assert_eq!(
                max_keyframe_pct(buffer_ms, fps),
                pct,
                "{buffer_ms} ms at {fps} fps"
            );
        }
    }
}
