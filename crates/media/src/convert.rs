//! Camera pixel formats → I420 (BT.601 studio range).
//!
//! Chosen by measurement (see `docs/bench-media.md`): YUYV in plain Rust (two rows per
//! pass; `yuvutils-rs` is faster but wrong at row ends), NV12 by a plane copy plus a
//! de-interleave, RGB24 through `yuvutils-rs`, MJPEG through `zune-jpeg` to RGB and then
//! `yuvutils-rs`.

use crate::frame::VideoFrame;
use yuvutils_rs::{BufferStoreMut, YuvPackedImage, YuvPlanarImageMut};
use zune_jpeg::zune_core::colorspace::ColorSpace;
use zune_jpeg::zune_core::options::DecoderOptions;

/// Pixel layouts cameras deliver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PixelFormat {
    /// Packed 4:2:2, Y0 U Y1 V.
    Yuyv,
    /// Y plane then interleaved UV at half resolution.
    Nv12,
    /// Motion JPEG: each frame a JPEG.
    Mjpeg,
    /// 8-bit luma only.
    Gray,
    /// Packed 8-bit R, G, B.
    Rgb24,
    /// Planar 4:2:0 already.
    I420,
}

/// Why a camera buffer could not be converted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConvertError {
    /// The buffer is shorter than the format and size require.
    #[error("{format:?} buffer of {got} bytes, {want} needed for {width}x{height}")]
    ShortBuffer {
        /// The format.
        format: PixelFormat,
        /// Bytes received.
        got: usize,
        /// Bytes needed.
        want: usize,
        /// Frame width.
        width: u32,
        /// Frame height.
        height: u32,
    },
    /// Odd sizes are not supported for this format.
    #[error("{0:?} needs an even width and height")]
    OddSize(PixelFormat),
    /// The JPEG decoder failed.
    #[error("JPEG decode failed: {0}")]
    Jpeg(String),
    /// yuvutils refused the conversion.
    #[error("conversion failed: {0}")]
    Yuv(String),
}

/// Converts one camera buffer into `out` (resized to `width` x `height` if needed).
/// For MJPEG the size comes from the JPEG itself; `width`/`height` are only a hint.
pub fn to_i420(
    format: PixelFormat,
    data: &[u8],
    width: u32,
    height: u32,
    out: &mut VideoFrame,
) -> Result<(), ConvertError> {
    if format == PixelFormat::Mjpeg {
        return mjpeg_to_i420(data, out);
    }
    let (w, h) = (width as usize, height as usize);
    let want = match format {
        PixelFormat::Yuyv => w * h * 2,
        PixelFormat::Nv12 | PixelFormat::I420 => VideoFrame::byte_len(width, height),
        PixelFormat::Gray => w * h,
        PixelFormat::Rgb24 => w * h * 3,
        PixelFormat::Mjpeg => 0,
    };
    if data.len() < want {
        return Err(ConvertError::ShortBuffer {
            format,
            got: data.len(),
            want,
            width,
            height,
        });
    }
    if out.width != width || out.height != height {
        *out = VideoFrame::black(width, height);
    }
    match format {
        PixelFormat::Yuyv => {
            if !out.width.is_multiple_of(2) {
                return Err(ConvertError::OddSize(PixelFormat::Yuyv));
            }
            yuyv_to_i420_scalar(data, out);
            Ok(())
        }
        PixelFormat::Nv12 => {
            nv12_to_i420(data, out);
            Ok(())
        }
        PixelFormat::I420 => {
            out.data.copy_from_slice(&data[..want]);
            Ok(())
        }
        PixelFormat::Gray => {
            let (y, u, v) = out.planes_mut();
            y.copy_from_slice(&data[..w * h]);
            u.fill(128);
            v.fill(128);
            Ok(())
        }
        PixelFormat::Rgb24 => rgb_to_i420(data, out),
        PixelFormat::Mjpeg => Ok(()),
    }
}

fn planar(out: &mut VideoFrame) -> YuvPlanarImageMut<'_, u8> {
    let (width, height) = (out.width, out.height);
    let cw = out.chroma_width();
    let (y, u, v) = out.planes_mut();
    YuvPlanarImageMut {
        y_plane: BufferStoreMut::Borrowed(y),
        y_stride: width,
        u_plane: BufferStoreMut::Borrowed(u),
        u_stride: cw,
        v_plane: BufferStoreMut::Borrowed(v),
        v_stride: cw,
        width,
        height,
    }
}

/// YUYV → I420 with `yuvutils-rs` 0.8.3 — measured, and not used: about 8× faster than
/// the plain-Rust conversion, but its luma is wrong in the last 16 pixels of every row (see
/// the test). Kept for the benchmark and to re-check newer versions.
#[doc(hidden)]
pub fn yuyv_to_i420_yuvutils(data: &[u8], out: &mut VideoFrame) -> Result<(), ConvertError> {
    if !out.width.is_multiple_of(2) {
        return Err(ConvertError::OddSize(PixelFormat::Yuyv));
    }
    let want = out.width as usize * out.height as usize * 2;
    if data.len() < want {
        return Err(ConvertError::ShortBuffer {
            format: PixelFormat::Yuyv,
            got: data.len(),
            want,
            width: out.width,
            height: out.height,
        });
    }
    let packed = YuvPackedImage {
        yuy: data,
        yuy_stride: out.width * 2,
        width: out.width,
        height: out.height,
    };
    yuvutils_rs::yuyv422_to_yuv420(&mut planar(out), &packed)
        .map_err(|e| ConvertError::Yuv(e.to_string()))
}

/// YUYV → I420 in plain Rust: luma copied, chroma averaged over the two rows.
fn yuyv_to_i420_scalar(data: &[u8], out: &mut VideoFrame) {
    let (w, h) = (out.width as usize, out.height as usize);
    let cw = out.chroma_width() as usize;
    let (y, u, v) = out.planes_mut();
    // Two source rows at a time: luma of both, chroma averaged between them.
    for pair in 0..h.div_ceil(2) {
        let r0 = pair * 2;
        let r1 = (r0 + 1).min(h - 1);
        let top = &data[r0 * w * 2..(r0 + 1) * w * 2];
        let bottom = &data[r1 * w * 2..(r1 + 1) * w * 2];
        let (y_top, y_rest) = y[r0 * w..].split_at_mut(w);
        let urow = &mut u[pair * cw..pair * cw + w / 2];
        let vrow = &mut v[pair * cw..pair * cw + w / 2];
        for (((yt, t), b), (du, dv)) in y_top
            .chunks_exact_mut(2)
            .zip(top.chunks_exact(4))
            .zip(bottom.chunks_exact(4))
            .zip(urow.iter_mut().zip(vrow.iter_mut()))
        {
            yt[0] = t[0];
            yt[1] = t[2];
            *du = ((u16::from(t[1]) + u16::from(b[1]) + 1) >> 1) as u8;
            *dv = ((u16::from(t[3]) + u16::from(b[3]) + 1) >> 1) as u8;
        }
        if r1 != r0 {
            for (yb, b) in y_rest[..w].chunks_exact_mut(2).zip(bottom.chunks_exact(4)) {
                yb[0] = b[0];
                yb[1] = b[2];
            }
        }
    }
}

/// NV12 → I420: copy Y, de-interleave UV.
fn nv12_to_i420(data: &[u8], out: &mut VideoFrame) {
    let y_len = out.width as usize * out.height as usize;
    let c_len = out.chroma_width() as usize * out.chroma_height() as usize;
    let (y, u, v) = out.planes_mut();
    y.copy_from_slice(&data[..y_len]);
    for ((pair, du), dv) in data[y_len..y_len + 2 * c_len].chunks_exact(2).zip(u).zip(v) {
        *du = pair[0];
        *dv = pair[1];
    }
}

fn rgb_to_i420(data: &[u8], out: &mut VideoFrame) -> Result<(), ConvertError> {
    let stride = out.width * 3;
    yuvutils_rs::rgb_to_yuv420(
        &mut planar(out),
        data,
        stride,
        yuvutils_rs::YuvRange::Limited,
        yuvutils_rs::YuvStandardMatrix::Bt601,
        yuvutils_rs::YuvConversionMode::Balanced,
    )
    .map_err(|e| ConvertError::Yuv(e.to_string()))
}

/// MJPEG → I420: `zune-jpeg` decodes to RGB (its SIMD colour conversion), then
/// `yuvutils-rs` converts to BT.601 studio-range I420. Measured faster than decoding to
/// YCbCr and subsampling in plain Rust ([`mjpeg_to_i420_ycbcr`]).
pub fn mjpeg_to_i420(data: &[u8], out: &mut VideoFrame) -> Result<(), ConvertError> {
    let mut decoder = zune_jpeg::JpegDecoder::new(data);
    let rgb = decoder
        .decode()
        .map_err(|e| ConvertError::Jpeg(format!("{e:?}")))?;
    let info = decoder
        .info()
        .ok_or_else(|| ConvertError::Jpeg("no image info".into()))?;
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    let channels = decoder
        .get_output_colorspace()
        .map_or(3, |c| c.num_components());
    if channels == 1 && rgb.len() >= w as usize * h as usize {
        // Greyscale JPEG.
        return to_i420(PixelFormat::Gray, &rgb, w, h, out);
    }
    if channels != 3 || rgb.len() < w as usize * h as usize * 3 {
        return Err(ConvertError::Jpeg(format!(
            "decoder returned {channels} channels, {} bytes",
            rgb.len()
        )));
    }
    if out.width != w || out.height != h {
        *out = VideoFrame::black(w, h);
    }
    rgb_to_i420(&rgb, out)
}

/// MJPEG → I420 via full-range YCbCr, chroma averaged 2x2 and scaled to studio range in
/// plain Rust. Measured slower than [`mjpeg_to_i420`]; kept for the benchmark.
#[doc(hidden)]
pub fn mjpeg_to_i420_ycbcr(data: &[u8], out: &mut VideoFrame) -> Result<(), ConvertError> {
    let options = DecoderOptions::default().jpeg_set_out_colorspace(ColorSpace::YCbCr);
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(data, options);
    let ycc = decoder
        .decode()
        .map_err(|e| ConvertError::Jpeg(format!("{e:?}")))?;
    let info = decoder
        .info()
        .ok_or_else(|| ConvertError::Jpeg("no image info".into()))?;
    let (w, h) = (usize::from(info.width), usize::from(info.height));
    if ycc.len() < w * h * 3 {
        return Err(ConvertError::Jpeg("decoder returned a short image".into()));
    }
    if out.width as usize != w || out.height as usize != h {
        *out = VideoFrame::black(w as u32, h as u32);
    }
    let cw = out.chroma_width() as usize;
    let (y, u, v) = out.planes_mut();
    // Full range → studio range: Y 16..235, C 16..240.
    let luma = |x: u8| (16 + (u32::from(x) * 219 + 127) / 255) as u8;
    let chroma = |sum4: u32| (16 + ((sum4 + 2) / 4 * 224 + 127) / 255) as u8;
    for row in 0..h {
        let src = &ycc[row * w * 3..(row + 1) * w * 3];
        for (dst, px) in y[row * w..(row + 1) * w]
            .iter_mut()
            .zip(src.chunks_exact(3))
        {
            *dst = luma(px[0]);
        }
    }
    for crow in 0..h.div_ceil(2) {
        let r0 = crow * 2;
        let r1 = (r0 + 1).min(h - 1);
        for cx in 0..cw {
            let x0 = cx * 2;
            let x1 = (x0 + 1).min(w - 1);
            let at = |r: usize, x: usize, c: usize| u32::from(ycc[(r * w + x) * 3 + c]);
            let sum = |c| at(r0, x0, c) + at(r0, x1, c) + at(r1, x0, c) + at(r1, x1, c);
            u[crow * cw + cx] = chroma(sum(1));
            v[crow * cw + cx] = chroma(sum(2));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::TestPattern;

    /// Packs an I420 frame as YUYV (chroma repeated on both rows).
    fn to_yuyv(f: &VideoFrame) -> Vec<u8> {
        let (w, h, cw) = (
            f.width as usize,
            f.height as usize,
            f.chroma_width() as usize,
        );
        let mut out = Vec::with_capacity(w * h * 2);
        for row in 0..h {
            for x in (0..w).step_by(2) {
                let c = row / 2 * cw + x / 2;
                out.extend([
                    f.y()[row * w + x],
                    f.u()[c],
                    f.y()[row * w + x + 1],
                    f.v()[c],
                ]);
            }
        }
        out
    }

    /// Largest difference and number of differing bytes.
    fn max_diff(a: &[u8], b: &[u8]) -> (u8, usize) {
        assert_eq!(a.len(), b.len());
        let diffs = a.iter().zip(b).map(|(x, y)| x.abs_diff(*y));
        (
            diffs.clone().max().unwrap_or(0),
            diffs.filter(|&d| d > 0).count(),
        )
    }

    fn to_nv12(f: &VideoFrame) -> Vec<u8> {
        let mut out = f.y().to_vec();
        for (u, v) in f.u().iter().zip(f.v()) {
            out.extend([*u, *v]);
        }
        out
    }

    #[test]
    fn yuyv_and_nv12_round_trip_exactly() {
        let src = TestPattern::new(640, 480).render(5, 5);
        let mut out = VideoFrame::black(2, 2);
        to_i420(PixelFormat::Yuyv, &to_yuyv(&src), 640, 480, &mut out).unwrap();
        assert_eq!(max_diff(&out.data, &src.data), (0, 0));
        // The yuvutils variant differs in the last 16 luma pixels of each row (why it is
        // not used); if a later version fixes this, reconsider it.
        for (w, h) in [(640, 480), (1280, 720), (320, 240)] {
            let src = TestPattern::new(w, h).render(5, 5);
            let mut simd = VideoFrame::black(w, h);
            yuyv_to_i420_yuvutils(&to_yuyv(&src), &mut simd).unwrap();
            let (_, wrong) = max_diff(simd.y(), src.y());
            eprintln!("yuvutils YUYV {w}x{h}: {wrong} wrong luma bytes");
        }
        // Odd heights: the last row has no partner.
        let odd = TestPattern::new(64, 31).render(1, 1);
        let mut out3 = VideoFrame::black(2, 2);
        to_i420(PixelFormat::Yuyv, &to_yuyv(&odd), 64, 31, &mut out3).unwrap();
        assert_eq!(max_diff(out3.y(), odd.y()), (0, 0));
        let mut out2 = VideoFrame::black(640, 480);
        to_i420(PixelFormat::Nv12, &to_nv12(&src), 640, 480, &mut out2).unwrap();
        assert_eq!(max_diff(&out2.data, &src.data), (0, 0));
    }

    #[test]
    fn rgb_and_mjpeg_convert_to_studio_range() {
        let (w, h) = (64usize, 48usize);
        // Left half red, right half grey 128.
        let rgb: Vec<u8> = (0..w * h)
            .flat_map(|i| {
                if i % w < w / 2 {
                    [255, 0, 0]
                } else {
                    [128, 128, 128]
                }
            })
            .collect();
        let mut out = VideoFrame::black(2, 2);
        to_i420(PixelFormat::Rgb24, &rgb, w as u32, h as u32, &mut out).unwrap();
        // BT.601 studio: red → Y 81, V 240; grey 128 → Y 126, U = V = 128.
        for row in 0..h {
            assert!(
                out.y()[row * w + 5].abs_diff(81) <= 2,
                "red luma row {row}: {}",
                out.y()[row * w + 5]
            );
            assert!(
                out.y()[row * w + w - 1].abs_diff(126) <= 2,
                "grey luma at the row end: {}",
                out.y()[row * w + w - 1]
            );
        }
        assert!(out.v()[2].abs_diff(240) <= 3 && out.u()[w / 2 - 1].abs_diff(128) <= 2);

        let mut jpeg = Vec::new();
        jpeg_encoder::Encoder::new(&mut jpeg, 95)
            .encode(&rgb, w as u16, h as u16, jpeg_encoder::ColorType::Rgb)
            .unwrap();
        let mut out2 = VideoFrame::black(2, 2);
        to_i420(PixelFormat::Mjpeg, &jpeg, 0, 0, &mut out2).unwrap();
        assert_eq!((out2.width, out2.height), (64, 48));
        let diff = out2
            .y()
            .iter()
            .zip(out.y())
            .map(|(a, b)| a.abs_diff(*b))
            .max()
            .unwrap();
        assert!(
            diff <= 6,
            "MJPEG luma close to the direct conversion: {diff}"
        );
    }

    #[test]
    fn short_buffers_and_bad_jpeg_are_errors() {
        let mut out = VideoFrame::black(2, 2);
        assert!(matches!(
            to_i420(PixelFormat::Yuyv, &[0; 10], 640, 480, &mut out),
            Err(ConvertError::ShortBuffer { .. })
        ));
        assert!(matches!(
            to_i420(
                PixelFormat::Mjpeg,
                &[0xFF, 0xD8, 0, 1, 2],
                640,
                480,
                &mut out
            ),
            Err(ConvertError::Jpeg(_))
        ));
    }
}
