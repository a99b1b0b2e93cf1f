use serde::{Serialize, Serializer};

/// Every error a command can return; the UI receives it as `{code, message}`.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("settings store: {0}")]
    Store(#[from] tauri_plugin_store::Error),
    #[error("invalid setting: {0}")]
    InvalidSetting(String),
    #[error("{0}")]
    Device(#[from] peercall_media::DeviceError),
    #[error("{0}")]
    Engine(#[from] peercall_engine::EngineError),
    #[error("not connected to a signaling server")]
    NotConnected,
    #[error("signaling server: {0}")]
    Signaling(String),
    #[error("internal error: {0}")]
    Internal(String),
    #[error("internal error: background task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

impl AppError {
    /// A stable machine-readable code the UI can switch on.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Store(_) => "store",
            AppError::InvalidSetting(_) => "invalid-setting",
            AppError::Device(_) => "device",
            AppError::Engine(_) => "engine",
            AppError::NotConnected => "not-connected",
            AppError::Signaling(_) => "signaling",
            AppError::Internal(_) | AppError::Task(_) => "internal",
        }
    }
}

/// The shape the UI sees; [`AppError`] serialises as this.
#[derive(Debug, Serialize, specta::Type)]
pub struct ErrorPayload {
    pub code: String,
    pub message: String,
}

impl Serialize for AppError {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        ErrorPayload {
            code: self.code().into(),
            message: self.to_string(),
        }
        .serialize(serializer)
    }
}

impl specta::Type for AppError {
    fn definition(types: &mut specta::Types) -> specta::datatype::DataType {
        ErrorPayload::definition(types)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_as_code_and_message() {
        let err = AppError::InvalidSetting("display name is empty".into());
        let json = serde_json::to_value(&err).unwrap();
        assert_eq!(json["code"], "invalid-setting");
        assert_eq!(json["message"], "invalid setting: display name is empty");
    }

    #[test]
    fn device_errors_keep_their_words() {
        let err = AppError::from(peercall_media::DeviceError::NotFound("cam0".into()));
        let json = serde_json::to_value(&err).unwrap();
        assert_eq!(json["code"], "device");
        assert!(json["message"].as_str().unwrap().contains("cam0"), "{json}");
    }
}
