//! Error types of the media layer: one enum per layer, composed into [`MediaError`].

/// Errors of the codec layer (VP8 on libvpx, Opus on libopus).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CodecError {
    /// libvpx refused a call; `call` names it, `detail` is libvpx's own message.
    #[error("libvpx {call} failed: {detail}")]
    Vpx {
        /// The libvpx function that failed.
        call: &'static str,
        /// libvpx's error string.
        detail: String,
    },
    /// libopus refused a call.
    #[error("opus: {0}")]
    Opus(#[from] opus::Error),
    /// A frame or buffer had a size the codec cannot take.
    #[error("invalid input: {0}")]
    InvalidInput(String),
}

/// Errors of the device layer (cameras, microphones, speakers).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeviceError {
    /// No device with this id exists (never existed, or was unplugged).
    #[error("device not found: {0}")]
    NotFound(String),
    /// The device exists but another process holds it.
    #[error("device busy: {0}")]
    Busy(String),
    /// The device exists but refused to open or to run a stream.
    #[error("device {device} failed to open: {reason}")]
    Open {
        /// The device id.
        device: String,
        /// What the backend said.
        reason: String,
    },
    /// No format the device offers can be converted to what was asked.
    #[error("device {device} offers no usable format: {reason}")]
    NoUsableFormat {
        /// The device id.
        device: String,
        /// Why each offered format was refused.
        reason: String,
    },
    /// The audio backend has no device at all (no sound server running?).
    #[error("no audio device available: {0}")]
    NoAudioDevice(String),
    /// A capture or playback thread could not be started.
    #[error("could not start the {0} thread")]
    Thread(&'static str),
}

/// Every error the media crate returns.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MediaError {
    /// A codec failed.
    #[error(transparent)]
    Codec(#[from] CodecError),
    /// A device failed.
    #[error(transparent)]
    Device(#[from] DeviceError),
    /// A camera buffer could not be converted to I420.
    #[error(transparent)]
    Convert(#[from] crate::convert::ConvertError),
}
