use std::net::SocketAddr;
use std::time::Duration;

use super::*;
use crate::doctor::findings::{
    DeviceFinding, ServerFinding, StunAnswer, StunFailure, TurnFinding, UdpFindings,
};

const URL: &str = "wss://calls.example.org/ws";

fn addr(s: &str) -> SocketAddr {
    s.parse().expect("an address")
}

fn answer(server: &str, mapped: &str) -> StunAnswer {
    StunAnswer {
        server: server.into(),
        result: Ok(addr(mapped)),
        local_ip: Some("10.0.1.10".parse().expect("ip")),
    }
}

fn silent(server: &str) -> StunAnswer {
    StunAnswer {
        server: server.into(),
        result: Err(StunFailure::NoAnswer),
        local_ip: None,
    }
}

#[test]
fn server_findings_read_as_words() {
    let table: &[(ServerFinding, Status, &str)] = &[
        (
            ServerFinding::Joined { stun: 1, turn: 1 },
            Status::Ok,
            "connected to wss://calls.example.org/ws and joined; it offers 1 STUN and 1 TURN",
        ),
        (
            ServerFinding::InvalidUrl,
            Status::Fail,
            "is not a server address",
        ),
        (
            ServerFinding::Unreachable("Connection refused (os error 111)".into()),
            Status::Fail,
            "nothing answers at wss://calls.example.org/ws: Connection refused",
        ),
        (
            ServerFinding::Certificate("invalid peer certificate: UnknownIssuer".into()),
            Status::Fail,
            "the server's certificate is not valid: no authority this computer trusts signed it",
        ),
        (
            ServerFinding::TokenRefused("missing or wrong token".into()),
            Status::Fail,
            "the server refused the token",
        ),
        (
            ServerFinding::Refused("room is full".into()),
            Status::Fail,
            "refused to let us join",
        ),
        (
            ServerFinding::NotProven,
            Status::Fail,
            "not the expected Peercall server",
        ),
        (
            ServerFinding::Timeout(Duration::from_secs(5)),
            Status::Fail,
            "no answer from wss://calls.example.org/ws within 5 s",
        ),
    ];
    for (finding, status, words) in table {
        let line = server_line(URL, finding);
        assert_eq!(line.check, Check::Server);
        assert_eq!(line.status, *status, "{finding:?}");
        assert!(line.detail.contains(words), "{finding:?}: {}", line.detail);
        assert_eq!(line.advice.is_empty(), *status == Status::Ok, "{finding:?}");
    }
}

#[test]
fn certificate_errors_are_said_in_words() {
    let table = [
        ("invalid peer certificate: UnknownIssuer", "no authority this computer trusts signed it (self-signed?) (invalid peer certificate: UnknownIssuer)"),
        ("invalid peer certificate: NotValidForName", "it is for another name than the one in the address"),
        ("invalid peer certificate: Expired", "it has expired"),
        ("invalid peer certificate: Other(OtherError(CaUsedAsEndEntity))", "a self-made authority certificate"),
        ("something new", "the server's certificate is not valid: something new"),
    ];
    for (error, words) in table {
        let line = server_line(URL, &ServerFinding::Certificate(error.into()));
        assert_eq!(line.status, Status::Fail);
        assert!(
            line.detail
                .starts_with("the server's certificate is not valid: "),
            "{}",
            line.detail
        );
        assert!(line.detail.contains(words), "{error}: {}", line.detail);
    }
}

#[test]
fn a_dead_server_skips_the_network_lines_with_why() {
    let lines = skipped_after_server();
    let checks: Vec<Check> = lines.iter().map(|l| l.check).collect();
    assert_eq!(checks, [Check::Stun, Check::Nat, Check::Turn]);
    assert!(lines
        .iter()
        .all(|l| l.status == Status::Skipped && l.detail.contains("did not answer")));
    assert!(!any_failed(&lines));
}

/// STUN answers → (STUN status, NAT status, a phrase of the NAT line).
#[test]
fn stun_answers_tell_the_nat_behaviour() {
    let own = StunAnswer {
        local_ip: Some("203.0.113.50".parse().expect("ip")),
        ..answer("203.0.113.10:3478", "203.0.113.50:40000")
    };
    let table: Vec<(Vec<StunAnswer>, Status, Status, &str)> = vec![
        (
            vec![],
            Status::Warn,
            Status::Skipped,
            "no STUN server to ask",
        ),
        (
            vec![silent("203.0.113.10:3478")],
            Status::Fail,
            Status::Skipped,
            "no STUN server answered",
        ),
        (
            vec![answer("203.0.113.10:3478", "203.0.113.101:5000")],
            Status::Ok,
            Status::Skipped,
            "cannot be told from one",
        ),
        (vec![own], Status::Ok, Status::Ok, "no NAT"),
        (
            vec![
                answer("203.0.113.10:3478", "203.0.113.101:5000"),
                answer("203.0.113.11:3478", "203.0.113.101:5000"),
            ],
            Status::Ok,
            Status::Ok,
            "keeps one public port",
        ),
        (
            vec![
                answer("203.0.113.10:3478", "203.0.113.101:44576"),
                answer("203.0.113.11:3478", "203.0.113.101:25222"),
            ],
            Status::Ok,
            Status::Warn,
            "changes ports per destination (symmetric): calls may need the relay",
        ),
        (
            vec![
                answer("203.0.113.10:3478", "203.0.113.101:5000"),
                silent("203.0.113.11:3478"),
            ],
            Status::Ok,
            Status::Skipped,
            "cannot be told from one",
        ),
    ];
    for (answers, stun, nat, words) in table {
        let found = UdpFindings {
            stun: answers.clone(),
            turn: vec![],
        };
        let lines = network_lines(&found);
        assert_eq!(
            (lines[0].check, lines[0].status),
            (Check::Stun, stun),
            "{answers:?}"
        );
        assert_eq!(
            (lines[1].check, lines[1].status),
            (Check::Nat, nat),
            "{answers:?}"
        );
        assert!(
            lines[1].detail.contains(words),
            "{answers:?}: {}",
            lines[1].detail
        );
    }
    let seen = network_lines(&UdpFindings {
        stun: vec![answer("203.0.113.10:3478", "203.0.113.101:5000")],
        turn: vec![],
    });
    assert_eq!(
        seen[0].detail,
        "seen from outside as 203.0.113.101:5000 (asked 203.0.113.10:3478)"
    );
}

#[test]
fn turn_findings_read_as_words() {
    let server = || "203.0.113.10:3478".to_owned();
    let table: Vec<(TurnFinding, Status, &str, &str)> = vec![
        (
            TurnFinding::Relay {
                server: server(),
                relayed: addr("203.0.113.10:49160"),
            },
            Status::Ok,
            "granted a relay at 203.0.113.10:49160",
            "",
        ),
        (
            TurnFinding::Refused {
                server: server(),
                code: 401,
                reason: "Unauthorized".into(),
            },
            Status::Fail,
            "refused the credentials",
            "secret",
        ),
        (
            TurnFinding::Refused {
                server: server(),
                code: 486,
                reason: "Allocation Quota Reached".into(),
            },
            Status::Fail,
            "refused the relay (486",
            "operator",
        ),
        (
            TurnFinding::NoAnswer { server: server() },
            Status::Fail,
            "no answer from",
            "UDP",
        ),
        (
            TurnFinding::NoCredentials {
                server: "turn:x".into(),
            },
            Status::Fail,
            "gave no credentials",
            "TURN secret",
        ),
        (
            TurnFinding::NotChecked {
                url: "turns:x".into(),
                why: "only TURN over UDP is checked".into(),
            },
            Status::Skipped,
            "not checked",
            "",
        ),
    ];
    for (finding, status, words, advice) in table {
        let lines = network_lines(&UdpFindings {
            stun: vec![],
            turn: vec![finding.clone()],
        });
        let line = &lines[2];
        assert_eq!(
            (line.check, line.status),
            (Check::Turn, status),
            "{finding:?}"
        );
        assert!(line.detail.contains(words), "{finding:?}: {}", line.detail);
        assert!(line.advice.contains(advice), "{finding:?}: {}", line.advice);
    }
    let none = network_lines(&UdpFindings::default());
    assert_eq!((none[2].check, none[2].status), (Check::Turn, Status::Warn));
    assert!(none[2].detail.contains("no TURN relay"));
}

#[test]
fn devices_read_as_words() {
    let table: Vec<(Check, DeviceFinding, Status, &str)> = vec![
        (
            Check::Camera,
            DeviceFinding::Opened {
                name: "the test pattern (640x480 at 30 fps)".into(),
            },
            Status::Ok,
            "the test pattern (640x480 at 30 fps) opens",
        ),
        (
            Check::Camera,
            DeviceFinding::Failed {
                detail: "device not found: default".into(),
            },
            Status::Fail,
            "the camera cannot be opened: device not found: default",
        ),
        (
            Check::Microphone,
            DeviceFinding::TimedOut,
            Status::Fail,
            "the microphone did not open in time",
        ),
        (
            Check::Speaker,
            DeviceFinding::NotChosen,
            Status::Skipped,
            "no speaker chosen",
        ),
    ];
    for (check, finding, status, words) in table {
        let line = device_line(check, &finding);
        assert_eq!((line.check, line.status), (check, status));
        assert_eq!(line.detail, words);
        assert_eq!(line.advice.is_empty(), status != Status::Fail);
    }
    assert!(any_failed(&[device_line(
        Check::Camera,
        &DeviceFinding::TimedOut
    )]));
}
