//! Opening the chosen camera, microphone and speaker once (then closing them), each on a
//! blocking thread with a time limit: a hung driver fails its line instead of the check.

use std::time::Duration;

use peercall_media::audio::{SpeakerOptions, SpeakerPlayback};
use peercall_media::{DeviceChoice, DeviceError};

use super::findings::DeviceFinding;
use crate::devices::{open_camera, open_mic, AudioSource, VideoSource};
use crate::session::VideoSettings;

/// Opens `source`'s camera.
pub async fn camera(source: VideoSource, video: VideoSettings, limit: Duration) -> DeviceFinding {
    if source == VideoSource::None {
        return DeviceFinding::NotChosen;
    }
    let name = match &source {
        VideoSource::TestPattern => "the test pattern".to_owned(),
        VideoSource::TestPatternChecks => "the test pattern (checks)".to_owned(),
        VideoSource::Camera(id) => format!("camera {id}"),
        VideoSource::None => String::new(),
    };
    opened(limit, move || {
        open_camera(&source, &video).map(|c| {
            let f = c.map(|c| c.format());
            match f {
                Some(f) => format!("{name} ({}x{} at {} fps)", f.width, f.height, f.fps),
                None => name,
            }
        })
    })
    .await
}

/// Opens `source`'s microphone.
pub async fn microphone(source: AudioSource, limit: Duration) -> DeviceFinding {
    if source == AudioSource::None {
        return DeviceFinding::NotChosen;
    }
    opened(limit, move || {
        open_mic(&source, None).map(|mic| match mic {
            Some(mic) => mic.name().to_owned(),
            None => "no microphone".to_owned(),
        })
    })
    .await
}

/// Opens the speaker `id` (`default` for the system's), if one is chosen.
pub async fn speaker(id: Option<String>, limit: Duration) -> DeviceFinding {
    let Some(id) = id else {
        return DeviceFinding::NotChosen;
    };
    opened(limit, move || {
        SpeakerPlayback::open(&DeviceChoice::parse(&id), SpeakerOptions::default())
            .map(|s| s.name().to_owned())
    })
    .await
}

/// Runs `open` on a blocking thread; its device is dropped (closed) there.
async fn opened<F>(limit: Duration, open: F) -> DeviceFinding
where
    F: FnOnce() -> Result<String, DeviceError> + Send + 'static,
{
    let task = tokio::task::spawn_blocking(open);
    match tokio::time::timeout(limit, task).await {
        Ok(Ok(Ok(name))) => DeviceFinding::Opened { name },
        Ok(Ok(Err(e))) => DeviceFinding::Failed {
            detail: e.to_string(),
        },
        Ok(Err(join)) => DeviceFinding::Failed {
            detail: format!("the device layer crashed: {join}"),
        },
        Err(_) => DeviceFinding::TimedOut,
    }
}
