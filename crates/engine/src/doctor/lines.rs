//! The connectivity check's lines: what each check found, in words a user can act on.
//! Pure: the drivers (`server.rs`, `udp.rs`, `devices.rs`) gather [findings](super::findings)
//! and these functions turn them into [`Line`]s.

use serde::Serialize;

use super::findings::{
    DeviceFinding, ServerFinding, StunAnswer, StunFailure, TurnFinding, UdpFindings,
};

/// What a line is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Check {
    /// The signaling server: reachable, TLS valid, token accepted.
    Server,
    /// The STUN answer: how the outside sees us.
    Stun,
    /// The NAT's port behaviour, from two or more STUN answers.
    Nat,
    /// A TURN allocation with the server's credentials.
    Turn,
    /// The chosen camera opens.
    Camera,
    /// The chosen microphone opens.
    Microphone,
    /// The chosen speaker opens.
    Speaker,
}

impl Check {
    /// The label shown in front of the line.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Check::Server => "Server",
            Check::Stun => "STUN",
            Check::Nat => "NAT",
            Check::Turn => "TURN relay",
            Check::Camera => "Camera",
            Check::Microphone => "Microphone",
            Check::Speaker => "Speaker",
        }
    }
}

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Works.
    Ok,
    /// Works, but calls may suffer (e.g. no relay, a port-changing NAT).
    Warn,
    /// Does not work.
    Fail,
    /// Not checked (with why in the detail).
    Skipped,
}

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Line {
    /// What was checked.
    pub check: Check,
    /// How it came out.
    pub status: Status,
    /// What was found, in plain words.
    pub detail: String,
    /// What to do about it (empty when nothing needs doing).
    pub advice: String,
}

impl Line {
    fn new(check: Check, status: Status, detail: impl Into<String>, advice: &str) -> Self {
        Self {
            check,
            status,
            detail: detail.into(),
            advice: advice.to_owned(),
        }
    }
}

/// Whether any line failed.
#[must_use]
pub fn any_failed(lines: &[Line]) -> bool {
    lines.iter().any(|l| l.status == Status::Fail)
}

/// The server line.
#[must_use]
pub fn server_line(url: &str, finding: &ServerFinding) -> Line {
    use ServerFinding as F;
    let fail =
        |detail: String, advice: &str| Line::new(Check::Server, Status::Fail, detail, advice);
    match finding {
        F::Joined { stun, turn } => Line::new(
            Check::Server,
            Status::Ok,
            format!(
                "connected to {url} and joined; it offers {stun} STUN and {turn} TURN server(s)"
            ),
            "",
        ),
        F::InvalidUrl => fail(
            format!("{url} is not a server address"),
            "Enter it as ws://host:port/ws or wss://host:port/ws.",
        ),
        F::Unreachable(e) => fail(
            format!("nothing answers at {url}: {e}"),
            "Check the address and port, that the server is running, and that no firewall blocks it.",
        ),
        F::Certificate(e) => fail(
            format!("the server's certificate is not valid: {}", certificate_words(e)),
            "Check the address (the name must match the certificate); a self-signed server needs its certificate trusted.",
        ),
        F::TokenRefused(e) => fail(
            format!("the server refused the token: {e}"),
            "Enter the token the server's operator gave you in Settings.",
        ),
        F::Refused(e) => fail(format!("the server refused to let us join: {e}"), "Try again later, or ask the server's operator."),
        F::NotProven => fail(
            format!("something else answers at {url}: it is not the expected Peercall server"),
            "Another program uses this port: close it, or restart Peercall.",
        ),
        F::Timeout(after) => fail(
            format!("no answer from {url} within {} s", after.as_secs_f32()),
            "The server may be down or very slow, or a proxy holds the connection.",
        ),
        F::Other(e) => fail(format!("could not talk to {url}: {e}"), "Check the address; is it a Peercall server?"),
    }
}

/// What a TLS certificate error means, in words, with rustls' own text after it.
fn certificate_words(e: &str) -> String {
    let words = [
        (
            "UnknownIssuer",
            "no authority this computer trusts signed it (self-signed?)",
        ),
        (
            "CaUsedAsEndEntity",
            "it is a self-made authority certificate, not a server's",
        ),
        (
            "NotValidForName",
            "it is for another name than the one in the address",
        ),
        (
            "Expired",
            "it has expired (or this computer's clock is wrong)",
        ),
        (
            "NotValidYet",
            "it is not valid yet (or this computer's clock is wrong)",
        ),
        ("Revoked", "it was revoked"),
    ];
    match words.iter().find(|(key, _)| e.contains(key)) {
        Some((_, said)) => format!("{said} ({e})"),
        None => e.to_owned(),
    }
}

/// The lines that depend on the server, all skipped because it failed.
#[must_use]
pub fn skipped_after_server() -> Vec<Line> {
    [Check::Stun, Check::Nat, Check::Turn]
        .into_iter()
        .map(|check| {
            Line::new(
                check,
                Status::Skipped,
                "not checked: the signaling server hands out the STUN and TURN servers, and it did not answer",
                "Fix the server line first.",
            )
        })
        .collect()
}

/// The STUN, NAT and TURN lines.
#[must_use]
pub fn network_lines(found: &UdpFindings) -> Vec<Line> {
    let mut lines = vec![stun_line(&found.stun), nat_line(&found.stun)];
    if found.turn.is_empty() {
        lines.push(Line::new(
            Check::Turn,
            Status::Warn,
            "the server offers no TURN relay",
            "Calls where both sides sit behind strict (symmetric) NATs or firewalls cannot connect; the server's operator can add one (peercall-signal --turn-url).",
        ));
    }
    lines.extend(found.turn.iter().map(turn_line));
    lines
}

fn stun_line(answers: &[StunAnswer]) -> Line {
    if answers.is_empty() {
        return Line::new(
            Check::Stun,
            Status::Warn,
            "the server offers no STUN server",
            "Without one, only calls on the same network connect; the server's operator can add one (peercall-signal --stun).",
        );
    }
    let seen: Vec<String> = answers
        .iter()
        .filter_map(|a| a.mapped().map(|m| format!("{m} (asked {})", a.server)))
        .collect();
    if !seen.is_empty() {
        return Line::new(
            Check::Stun,
            Status::Ok,
            format!("seen from outside as {}", seen.join(", ")),
            "",
        );
    }
    let why: Vec<String> = answers
        .iter()
        .map(|a| match &a.result {
            Ok(_) => String::new(),
            Err(StunFailure::NoAnswer) => format!("no answer from {}", a.server),
            Err(StunFailure::Unresolved(e)) => format!("cannot find {}: {e}", a.server),
            Err(StunFailure::Error(e)) => format!("{}: {e}", a.server),
        })
        .collect();
    Line::new(
        Check::Stun,
        Status::Fail,
        why.join("; "),
        "UDP to the STUN server seems blocked on this network (a firewall?): calls may work only through a TURN relay over TCP, or not at all.",
    )
}

fn nat_line(answers: &[StunAnswer]) -> Line {
    let mapped: Vec<(&StunAnswer, std::net::SocketAddr)> = answers
        .iter()
        .filter_map(|a| a.mapped().map(|m| (a, m)))
        .collect();
    let Some((first, first_mapped)) = mapped.first() else {
        let why = if answers.is_empty() {
            "not judged: there is no STUN server to ask"
        } else {
            "not judged: no STUN server answered"
        };
        return Line::new(Check::Nat, Status::Skipped, why, "");
    };
    if first.local_ip == Some(first_mapped.ip()) {
        return Line::new(
            Check::Nat,
            Status::Ok,
            "no NAT between this machine and the STUN server: the address seen is this machine's own",
            "",
        );
    }
    if mapped.len() < 2 {
        return Line::new(
            Check::Nat,
            Status::Skipped,
            "behind a NAT; how it maps ports cannot be told from one STUN server's answer",
            "",
        );
    }
    if mapped.iter().all(|(_, m)| m == first_mapped) {
        Line::new(
            Check::Nat,
            Status::Ok,
            "behind a NAT that keeps one public port for every destination: direct calls usually work",
            "",
        )
    } else {
        Line::new(
            Check::Nat,
            Status::Warn,
            "behind a NAT that changes ports per destination (symmetric): calls may need the relay",
            "Calls to someone behind a similar NAT only connect through a TURN relay: check the TURN line.",
        )
    }
}

fn turn_line(found: &TurnFinding) -> Line {
    use TurnFinding as F;
    match found {
        F::Relay { server, relayed } => Line::new(
            Check::Turn,
            Status::Ok,
            format!("{server} granted a relay at {relayed}"),
            "",
        ),
        F::Refused { server, code: 401, reason } => Line::new(
            Check::Turn,
            Status::Fail,
            format!("{server} refused the credentials (401 {reason})"),
            "The signaling server mints TURN passwords with a secret the TURN server does not share (PEERCALL_TURN_SECRET must equal coturn's static-auth-secret), or the clocks differ.",
        ),
        F::Refused { server, code, reason } => Line::new(
            Check::Turn,
            Status::Fail,
            format!("{server} refused the relay ({code} {reason})"),
            "The TURN server is full or restricted: ask its operator.",
        ),
        F::NoCredentials { server } => Line::new(
            Check::Turn,
            Status::Fail,
            format!("the server lists {server} but gave no credentials for it"),
            "The signaling server needs a TURN secret (PEERCALL_TURN_SECRET), or hands credentials only to clients with a token.",
        ),
        F::NoAnswer { server } => Line::new(
            Check::Turn,
            Status::Fail,
            format!("no answer from {server}"),
            "UDP to the TURN server seems blocked on this network, or the TURN server is down.",
        ),
        F::NotChecked { url, why } => Line::new(
            Check::Turn,
            Status::Skipped,
            format!("{url} not checked: {why}"),
            "",
        ),
        F::Error { server, detail } => Line::new(
            Check::Turn,
            Status::Fail,
            format!("{server}: {detail}"),
            "Check the TURN address the server hands out.",
        ),
    }
}

/// A camera, microphone or speaker line.
#[must_use]
pub fn device_line(check: Check, found: &DeviceFinding) -> Line {
    let thing = check.label().to_lowercase();
    match found {
        DeviceFinding::Opened { name } => {
            Line::new(check, Status::Ok, format!("{name} opens"), "")
        }
        DeviceFinding::NotChosen => {
            Line::new(check, Status::Skipped, format!("no {thing} chosen"), "")
        }
        DeviceFinding::Failed { detail } => Line::new(
            check,
            Status::Fail,
            format!("the {thing} cannot be opened: {detail}"),
            match check {
                Check::Camera => "Plug in a camera, close other programs that use it, or choose another (or none) in Settings.",
                Check::Microphone => "Plug in a microphone, check it is not muted or used by another program, or choose another in Settings.",
                _ => "Check the sound settings of the system, or choose another speaker in Settings.",
            },
        ),
        DeviceFinding::TimedOut => Line::new(
            check,
            Status::Fail,
            format!("the {thing} did not open in time"),
            "The device may be hung: unplug and plug it in again, or choose another in Settings.",
        ),
    }
}

#[cfg(test)]
#[path = "lines_tests.rs"]
mod tests;
