use serde::{Serialize, Serializer};

/// Every error a command can return; the UI receives it as `{code, message}`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AppError {
    /// The settings store failed.
    #[error("settings store: {0}")]
    Store(#[from] tauri_plugin_store::Error),
    /// A setting the user gave cannot be used.
    #[error("invalid setting: {0}")]
    InvalidSetting(String),
    /// A device could not be listed or opened.
    #[error("{0}")]
    Device(#[from] peercall_media::DeviceError),
    /// The engine refused a request.
    #[error("{0}")]
    Engine(#[from] peercall_engine::EngineError),
    /// A call command while no engine runs.
    #[error("not connected to a signaling server")]
    NotConnected,
    /// The app's local signaling server could not be found or started.
    #[error("local server: {0}")]
    LocalServer(#[from] crate::local_server::LocalServerError),
    /// A background thread could not start.
    #[error("internal error: cannot start the {name} thread: {source}")]
    Thread {
        /// Which thread.
        name: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The app's data directory is unknown.
    #[error("internal error: no app data dir: {0}")]
    DataDir(#[source] tauri::Error),
    /// Data the app saves could not be encoded.
    #[error("internal error: cannot encode: {0}")]
    Encode(#[from] serde_json::Error),
    /// A blocking task panicked or was cancelled.
    #[error("internal error: background task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

impl AppError {
    /// A stable machine-readable code the UI can switch on.
    pub fn code(&self) -> ErrorCode {
        match self {
            AppError::Store(_) => ErrorCode::Store,
            AppError::InvalidSetting(_) => ErrorCode::InvalidSetting,
            AppError::Device(_) => ErrorCode::Device,
            AppError::Engine(_) => ErrorCode::Engine,
            AppError::NotConnected => ErrorCode::NotConnected,
            AppError::LocalServer(_) => ErrorCode::Signaling,
            AppError::Thread { .. }
            | AppError::DataDir(_)
            | AppError::Encode(_)
            | AppError::Task(_) => ErrorCode::Internal,
        }
    }
}

/// What a command's error is about (a string union in `bindings.ts`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorCode {
    /// The settings could not be read or written.
    Store,
    /// A setting's value is not acceptable; the message says which.
    InvalidSetting,
    /// A camera, microphone or speaker could not be used.
    Device,
    /// The call engine refused the request.
    Engine,
    /// No signaling connection to act on.
    NotConnected,
    /// The signaling server refused or could not be reached.
    Signaling,
    /// A bug or a failed background task.
    Internal,
    /// A LAN host did not prove it knows the join code typed in Settings (a wrong code, or
    /// something on the network in between): nothing was sent to it.
    HostNotProven,
    /// A LAN host presented another certificate than the one pinned after the first proven
    /// connection: the user types its code again in Settings.
    HostCertificateChanged,
}

/// The shape the UI sees; [`AppError`] serialises as this.
#[derive(Debug, Serialize, specta::Type)]
pub struct ErrorPayload {
    pub code: ErrorCode,
    pub message: String,
}

impl Serialize for AppError {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        ErrorPayload {
            code: self.code(),
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
    fn typed_causes_map_to_their_codes_and_keep_their_words() {
        let cases = [
            (
                AppError::from(crate::local_server::LocalServerError::PortTaken(4242)),
                "signaling",
                "4242",
            ),
            (
                AppError::Thread {
                    name: "mic-meter".into(),
                    source: std::io::Error::other("no threads left"),
                },
                "internal",
                "mic-meter",
            ),
            (
                AppError::from(serde_json::from_str::<u8>("x").unwrap_err()),
                "internal",
                "cannot encode",
            ),
        ];
        for (err, code, words) in cases {
            let json = serde_json::to_value(&err).unwrap();
            assert_eq!(json["code"], code, "{json}");
            assert!(json["message"].as_str().unwrap().contains(words), "{json}");
        }
    }

    #[test]
    fn device_errors_keep_their_words() {
        let err = AppError::from(peercall_media::DeviceError::NotFound("cam0".into()));
        let json = serde_json::to_value(&err).unwrap();
        assert_eq!(json["code"], "device");
        assert!(json["message"].as_str().unwrap().contains("cam0"), "{json}");
    }
}
