//! Why connecting failed, in the user's words, and whether trying again can help.

use peercall_engine::EngineError;
use peercall_signal::client::ClientError;
use peercall_signal::protocol::ErrorCode;

use crate::error::ErrorCode as UiCode;
use crate::local_server::LocalServerError;

/// A failed connection attempt as the user sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// Plain words, naming the server.
    pub words: String,
    /// Whether the next attempt may succeed without the user changing anything.
    pub retry: bool,
    /// The code the UI gets with the words, for the failures it acts on.
    pub code: Option<UiCode>,
}

fn stop(words: &str) -> Failure {
    Failure {
        words: words.into(),
        retry: false,
        code: None,
    }
}

/// What `Engine::connect` failing on `server` means.
pub fn engine_failure(err: &EngineError, server: &str) -> Failure {
    match err {
        EngineError::Signaling(err) => signaling_failure(err, server),
        _ => stop("Peercall could not start its call engine. Restart the app."),
    }
}

/// The words per error; whether to retry is the client's own judgement (`is_fatal`).
fn signaling_failure(err: &ClientError, server: &str) -> Failure {
    let words = match err {
        ClientError::Unreachable(_)
        | ClientError::WebSocket(_)
        | ClientError::Timeout
        | ClientError::ServerGone => format!("Can't reach the server at {server}."),
        ClientError::Refused {
            code: ErrorCode::RoomFull,
            ..
        } => "The server's room is full.".into(),
        ClientError::Refused {
            code: ErrorCode::BadName,
            ..
        } => "The server does not accept this name. Choose another in Settings.".into(),
        ClientError::InvalidUrl(_) => {
            "The server address must start with ws:// or wss://. Check it in Settings.".into()
        }
        ClientError::Unauthorized(_) => {
            "The server refused the access token. Check it in Settings.".into()
        }
        ClientError::UnsupportedProtocol(_) => {
            "The server runs a version of Peercall this app cannot talk to.".into()
        }
        ClientError::Tls(_) => "The server's certificate is not trusted.".into(),
        ClientError::CodeNotProven => format!(
            "The host at {server} did not prove it knows the join code: check the code in Settings (or something on the network is in between)."
        ),
        ClientError::CertificateChanged => {
            "The host's certificate changed: enter its code again in Settings.".into()
        }
        _ => format!("The server at {server} does not answer like a Peercall server."),
    };
    let code = match err {
        ClientError::CodeNotProven => Some(UiCode::HostNotProven),
        ClientError::CertificateChanged => Some(UiCode::HostCertificateChanged),
        _ => None,
    };
    Failure {
        words,
        retry: !err.is_fatal(),
        code,
    }
}

/// `failure` on a plain loopback URL sent without a token because no record of this
/// user's local server named it yet: an `unauthorized` then may only mean that the app
/// hosting it has bound the port and not yet published its record (with the token), so it
/// is tried again (the next attempt reads the record). Another user's server keeps
/// refusing, and the words keep saying so.
pub fn before_the_record(mut failure: Failure, err: &EngineError) -> Failure {
    if matches!(err, EngineError::Signaling(ClientError::Unauthorized(_))) {
        failure.retry = true;
    }
    failure
}

/// Finding or hosting the local server failed (`reason` from the server crate).
pub fn local_server_failure(err: &LocalServerError) -> Failure {
    Failure {
        words: format!("Can't start the local server ({err})."),
        retry: true,
        code: None,
    }
}

#[cfg(test)]
mod tests {
    use peercall_signal::server::ServerError;

    use super::*;

    const SERVER: &str = "ws://10.0.0.9:7788/ws";

    fn signaling(err: ClientError) -> Failure {
        engine_failure(&EngineError::Signaling(err), SERVER)
    }

    #[test]
    fn an_unreachable_server_is_tried_again_and_named() {
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        for err in [
            ClientError::Unreachable(refused),
            ClientError::Timeout,
            ClientError::ServerGone,
        ] {
            let failure = signaling(err);
            assert!(failure.retry);
            assert_eq!(
                failure.words,
                format!("Can't reach the server at {SERVER}.")
            );
        }
        assert!(
            signaling(ClientError::Refused {
                code: ErrorCode::RoomFull,
                message: "full".into()
            })
            .retry
        );
        let in_use = std::io::Error::from(std::io::ErrorKind::AddrInUse);
        let err = LocalServerError::Host(ServerError::Io(in_use));
        let failure = local_server_failure(&err);
        assert!(failure.retry);
        assert!(failure.words.contains("in use"), "{}", failure.words);
    }

    #[test]
    fn what_needs_the_user_is_not_tried_again_and_says_where_to_fix_it() {
        let cases = [
            (ClientError::Unauthorized("bad".into()), "access token"),
            (ClientError::InvalidUrl("http://x".into()), "ws://"),
            (
                ClientError::UnsupportedProtocol("2".into()),
                "cannot talk to",
            ),
            (
                ClientError::Refused {
                    code: ErrorCode::BadName,
                    message: "no".into(),
                },
                "name",
            ),
        ];
        for (err, says) in cases {
            let failure = signaling(err);
            assert!(!failure.retry, "{failure:?}");
            assert!(failure.words.contains(says), "{failure:?}");
            assert_eq!(failure.code, None);
        }
        // A LAN host's: also a code the UI can act on.
        for (err, says, code) in [
            (
                ClientError::CodeNotProven,
                "join code",
                UiCode::HostNotProven,
            ),
            (
                ClientError::CertificateChanged,
                "certificate changed: enter its code again",
                UiCode::HostCertificateChanged,
            ),
        ] {
            let failure = signaling(err);
            assert!(!failure.retry, "{failure:?}");
            assert!(failure.words.contains(says), "{failure:?}");
            assert_eq!(failure.code, Some(code));
        }
        assert!(!engine_failure(&EngineError::Stopped, SERVER).retry);
    }

    #[test]
    fn unauthorized_before_the_local_record_is_tried_again_and_nothing_else_changes() {
        let refused = EngineError::Signaling(ClientError::Unauthorized("no token".into()));
        let failure = before_the_record(engine_failure(&refused, SERVER), &refused);
        assert!(failure.retry, "{failure:?}");
        assert!(failure.words.contains("access token"), "{failure:?}");
        let other = EngineError::Signaling(ClientError::InvalidUrl("http://x".into()));
        assert!(!before_the_record(engine_failure(&other, SERVER), &other).retry);
        let stopped = EngineError::Stopped;
        assert!(!before_the_record(engine_failure(&stopped, SERVER), &stopped).retry);
    }

    #[test]
    fn a_server_that_speaks_nonsense_is_named_and_tried_again() {
        let failure = signaling(ClientError::Protocol("junk".into()));
        assert!(failure.retry);
        assert!(failure.words.contains(SERVER), "{failure:?}");
    }

    #[test]
    fn no_raw_codes_reach_the_user() {
        let failure = signaling(ClientError::Refused {
            code: ErrorCode::Other,
            message: "weird-code: details".into(),
        });
        assert!(!failure.words.contains("weird-code"), "{failure:?}");
    }
}
