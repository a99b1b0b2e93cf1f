use serde::{Serialize, Serializer};

/// Every error a command can return; the UI receives it as `{code, message}`.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("settings store: {0}")]
    Store(#[from] tauri_plugin_store::Error),
    #[error("invalid setting: {0}")]
    InvalidSetting(String),
}

impl AppError {
    /// A stable machine-readable code the UI can switch on.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Store(_) => "store",
            AppError::InvalidSetting(_) => "invalid-setting",
        }
    }
}

impl Serialize for AppError {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("AppError", 2)?;
        s.serialize_field("code", self.code())?;
        s.serialize_field("message", &self.to_string())?;
        s.end()
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
}
