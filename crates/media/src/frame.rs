//! Raw media frames: I420 video and 48 kHz mono audio.

/// Audio sample rate used everywhere inside Peercall.
pub const AUDIO_RATE: u32 = 48_000;
/// Samples in one 10 ms mono capture frame at [`AUDIO_RATE`]: the microphone's block,
/// the voice processing's chunk and the shortest Opus packet we send (a packet may hold
/// one or two of them, `OpusEncoder::encode`). A frame is handed on only once its last
/// sample is recorded, so every sample waits for the frame to fill: 10 ms rather than 20
/// is 10 ms less mouth-to-ear (BENCHMARKS, "The voice's send path").
pub const AUDIO_FRAME_SAMPLES: usize = 480;

/// One I420 (YUV 4:2:0, BT.601 studio range) picture in a single tightly packed buffer:
/// the Y plane (`width` x `height`), then U and V (`chroma_width` x `chroma_height` each).
#[derive(Clone, PartialEq, Eq)]
pub struct VideoFrame {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Y, U and V planes back to back; strides are `width` and `chroma_width()`.
    pub data: Vec<u8>,
    /// Sequence number given by the source (the test pattern also stamps it in the picture).
    pub frame_number: u64,
    /// Capture time, microseconds since the UNIX epoch (see [`crate::clock::now_us`]).
    pub capture_time_us: u64,
}

impl std::fmt::Debug for VideoFrame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VideoFrame")
            .field("width", &self.width)
            .field("height", &self.height)
            .field("frame_number", &self.frame_number)
            .field("capture_time_us", &self.capture_time_us)
            .finish_non_exhaustive()
    }
}

impl VideoFrame {
    /// A black frame of this size.
    pub fn black(width: u32, height: u32) -> Self {
        let y_len = width as usize * height as usize;
        let c_len = Self::chroma_len(width, height);
        let mut data = vec![16u8; y_len + 2 * c_len];
        data[y_len..].fill(128);
        Self {
            width,
            height,
            data,
            frame_number: 0,
            capture_time_us: 0,
        }
    }

    /// Bytes needed for an I420 frame of this size.
    pub fn byte_len(width: u32, height: u32) -> usize {
        width as usize * height as usize + 2 * Self::chroma_len(width, height)
    }

    fn chroma_len(width: u32, height: u32) -> usize {
        width.div_ceil(2) as usize * height.div_ceil(2) as usize
    }

    /// Width of the U and V planes (also their stride).
    pub fn chroma_width(&self) -> u32 {
        self.width.div_ceil(2)
    }

    /// Height of the U and V planes.
    pub fn chroma_height(&self) -> u32 {
        self.height.div_ceil(2)
    }

    /// The Y plane.
    pub fn y(&self) -> &[u8] {
        &self.data[..self.y_len()]
    }

    /// The U plane.
    pub fn u(&self) -> &[u8] {
        let (y, c) = (self.y_len(), Self::chroma_len(self.width, self.height));
        &self.data[y..y + c]
    }

    /// The V plane.
    pub fn v(&self) -> &[u8] {
        let (y, c) = (self.y_len(), Self::chroma_len(self.width, self.height));
        &self.data[y + c..y + 2 * c]
    }

    /// Mutable Y, U and V planes at once.
    pub fn planes_mut(&mut self) -> (&mut [u8], &mut [u8], &mut [u8]) {
        let (y_len, c) = (self.y_len(), Self::chroma_len(self.width, self.height));
        let (y, rest) = self.data.split_at_mut(y_len);
        let (u, v) = rest.split_at_mut(c);
        (y, u, &mut v[..c])
    }

    fn y_len(&self) -> usize {
        self.width as usize * self.height as usize
    }

    /// Peak signal-to-noise ratio of the Y plane against `other` (same size), in dB.
    /// Identical planes give `f64::INFINITY`; a size mismatch gives 0.
    pub fn psnr_y(&self, other: &VideoFrame) -> f64 {
        if self.width != other.width || self.height != other.height {
            return 0.0;
        }
        let sse: u64 = self
            .y()
            .iter()
            .zip(other.y())
            .map(|(&a, &b)| {
                let d = i64::from(a) - i64::from(b);
                (d * d) as u64
            })
            .sum();
        if sse == 0 {
            return f64::INFINITY;
        }
        let mse = sse as f64 / self.y().len() as f64;
        10.0 * (255.0 * 255.0 / mse).log10()
    }
}

/// 10 ms of 48 kHz mono audio with the capture time of its first sample.
#[derive(Clone, Debug, PartialEq)]
pub struct AudioFrame {
    /// [`AUDIO_FRAME_SAMPLES`] samples in -1.0..=1.0.
    pub samples: Vec<f32>,
    /// Capture time of the first sample, microseconds since the UNIX epoch.
    pub capture_time_us: u64,
}
