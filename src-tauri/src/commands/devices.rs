//! Device lists for the settings dialog.

use peercall_media::devices::DeviceSnapshot;
use serde::Serialize;
use specta::Type;

use crate::AppError;

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Device {
    id: String,
    name: String,
    synthetic: bool,
    is_default: bool,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DeviceList {
    /// The test pattern first, then hardware cameras.
    cameras: Vec<Device>,
    /// The tone microphone first, then hardware microphones.
    microphones: Vec<Device>,
    speakers: Vec<Device>,
}

impl From<DeviceSnapshot> for DeviceList {
    fn from(snapshot: DeviceSnapshot) -> Self {
        let audio = |list: Vec<peercall_media::audio::AudioDeviceInfo>| {
            list.into_iter()
                .map(|d| Device {
                    id: d.id,
                    name: d.name,
                    synthetic: d.synthetic,
                    is_default: d.is_default,
                })
                .collect()
        };
        DeviceList {
            cameras: snapshot
                .cameras
                .into_iter()
                .map(|c| Device {
                    id: c.id,
                    name: c.name,
                    synthetic: c.synthetic,
                    is_default: false,
                })
                .collect(),
            microphones: audio(snapshot.microphones),
            speakers: audio(snapshot.speakers),
        }
    }
}

/// Enumerates cameras, microphones and speakers (off the UI thread: cameras are briefly opened).
#[tauri::command]
#[specta::specta]
pub async fn list_devices() -> Result<DeviceList, AppError> {
    let snapshot = tokio::task::spawn_blocking(DeviceSnapshot::take).await?;
    Ok(snapshot.into())
}
