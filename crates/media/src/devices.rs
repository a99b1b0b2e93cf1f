//! All devices at once, and what changed between two looks (hot-plug).

use crate::audio::{list_microphones, list_speakers, AudioDeviceInfo};
use crate::camera::{list_cameras, list_cameras_quick, CameraInfo};

/// Every camera, microphone and speaker at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceSnapshot {
    /// Cameras, the test pattern first.
    pub cameras: Vec<CameraInfo>,
    /// Microphones, the tone microphone first.
    pub microphones: Vec<AudioDeviceInfo>,
    /// Speakers.
    pub speakers: Vec<AudioDeviceInfo>,
}

/// What appeared and disappeared, by id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceChanges {
    /// Cameras now present that were not.
    pub cameras_added: Vec<CameraInfo>,
    /// Cameras gone.
    pub cameras_removed: Vec<CameraInfo>,
    /// Microphones now present that were not.
    pub microphones_added: Vec<AudioDeviceInfo>,
    /// Microphones gone.
    pub microphones_removed: Vec<AudioDeviceInfo>,
    /// Speakers now present that were not.
    pub speakers_added: Vec<AudioDeviceInfo>,
    /// Speakers gone.
    pub speakers_removed: Vec<AudioDeviceInfo>,
}

impl DeviceChanges {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.cameras_added.is_empty()
            && self.cameras_removed.is_empty()
            && self.microphones_added.is_empty()
            && self.microphones_removed.is_empty()
            && self.speakers_added.is_empty()
            && self.speakers_removed.is_empty()
    }
}

impl DeviceSnapshot {
    /// Enumerates everything now (opens no stream; cameras are briefly opened to read their
    /// formats).
    pub fn take() -> Self {
        Self {
            cameras: list_cameras(),
            microphones: list_microphones(),
            speakers: list_speakers(),
        }
    }

    /// Like [`take`](Self::take) but opens no camera (hardware cameras come without their
    /// formats): use this to poll for hot-plug, then `take` when something changed.
    pub fn take_quick() -> Self {
        Self {
            cameras: list_cameras_quick(),
            microphones: list_microphones(),
            speakers: list_speakers(),
        }
    }

    /// What changed from `self` (older) to `newer`.
    pub fn changes_to(&self, newer: &DeviceSnapshot) -> DeviceChanges {
        let (cameras_added, cameras_removed) = diff(&self.cameras, &newer.cameras, |c| &c.id);
        let (microphones_added, microphones_removed) =
            diff(&self.microphones, &newer.microphones, |d| &d.id);
        let (speakers_added, speakers_removed) = diff(&self.speakers, &newer.speakers, |d| &d.id);
        DeviceChanges {
            cameras_added,
            cameras_removed,
            microphones_added,
            microphones_removed,
            speakers_added,
            speakers_removed,
        }
    }
}

/// Items of `new` missing from `old`, and of `old` missing from `new`.
fn diff<T: Clone>(old: &[T], new: &[T], id: impl Fn(&T) -> &String) -> (Vec<T>, Vec<T>) {
    let added = new
        .iter()
        .filter(|n| !old.iter().any(|o| id(o) == id(n)))
        .cloned()
        .collect();
    let removed = old
        .iter()
        .filter(|o| !new.iter().any(|n| id(n) == id(o)))
        .cloned()
        .collect();
    (added, removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mic(id: &str) -> AudioDeviceInfo {
        AudioDeviceInfo {
            id: id.into(),
            name: id.to_uppercase(),
            is_default: false,
            synthetic: false,
        }
    }

    #[test]
    fn changes_are_reported_by_id() {
        let old = DeviceSnapshot {
            microphones: vec![mic("a"), mic("b")],
            ..Default::default()
        };
        let mut new = DeviceSnapshot {
            microphones: vec![mic("b"), mic("c")],
            ..Default::default()
        };
        let ch = old.changes_to(&new);
        assert_eq!(ch.microphones_added, vec![mic("c")]);
        assert_eq!(ch.microphones_removed, vec![mic("a")]);
        assert!(ch.cameras_added.is_empty() && ch.speakers_removed.is_empty());
        new.microphones = old.microphones.clone();
        assert!(old.changes_to(&new).is_empty());
    }

    #[test]
    fn a_real_snapshot_always_has_the_synthetic_devices() {
        let snap = DeviceSnapshot::take();
        assert!(snap.cameras.iter().any(|c| c.synthetic));
        assert!(snap.microphones.iter().any(|m| m.synthetic));
        assert!(snap
            .changes_to(&DeviceSnapshot::take())
            .cameras_added
            .is_empty());
    }
}
