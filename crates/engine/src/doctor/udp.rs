//! The STUN and TURN checks on real UDP sockets, driving `rtc`'s sans-I/O TURN client
//! (it does STUN binding requests too): one socket asks every distinct server address
//! for our mapped address (so two answers tell how the NAT maps ports), and one socket
//! per TURN URL asks for an allocation with the server's minted credentials, then
//! releases it.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use peercall_protocol::IceServer;
use rtc::crypto::RTCCryptoProvider;
use rtc::sansio::Protocol;
use rtc::shared::{TaggedBytesMut, TransportContext, TransportProtocol};
use rtc::turn::client::{Client, ClientConfig, Event};
use tokio::net::UdpSocket;
use tokio::time::Instant;

use super::findings::{StunAnswer, StunFailure, TurnFinding, UdpFindings};
use super::urls::{self, IceUrl, Scheme};

/// Asks every server of `servers`; each exchange gives up after `limit`.
pub async fn check(servers: &[IceServer], limit: Duration) -> UdpFindings {
    let parsed: Vec<(IceUrl, &IceServer)> = servers
        .iter()
        .flat_map(|s| {
            s.urls
                .iter()
                .filter_map(move |u| urls::parse(u).map(|p| (p, s)))
        })
        .collect();
    let crypto = match rtc::crypto::default_provider() {
        Ok(c) => c,
        Err(e) => {
            return UdpFindings {
                stun: Vec::new(),
                turn: vec![TurnFinding::Error {
                    server: "TURN".into(),
                    detail: format!("no crypto provider: {e}"),
                }],
            }
        }
    };
    let mut stun_targets = Vec::new();
    for (url, _) in &parsed {
        if url.scheme != Scheme::Turns && url.udp && !stun_targets.contains(&url.host_port()) {
            stun_targets.push(url.host_port());
        }
    }
    let stun = stun_answers(&stun_targets, crypto.clone(), limit);
    let turns = parsed
        .iter()
        .filter(|(u, _)| u.scheme != Scheme::Stun)
        .map(|(u, s)| allocation(u, s, crypto.clone(), limit));
    let (stun, turn) = tokio::join!(stun, one_by_one(turns));
    UdpFindings { stun, turn }
}

/// Runs the futures one after the other (there is usually one TURN URL).
async fn one_by_one<F: std::future::Future<Output = TurnFinding>>(
    futures: impl Iterator<Item = F>,
) -> Vec<TurnFinding> {
    let mut out = Vec::new();
    for f in futures {
        out.push(f.await);
    }
    out
}

/// Binding requests to each target from one socket.
async fn stun_answers(
    targets: &[String],
    crypto: Arc<dyn RTCCryptoProvider>,
    limit: Duration,
) -> Vec<StunAnswer> {
    let mut answers: Vec<StunAnswer> = Vec::new();
    let mut asked: Vec<(rtc::stun::message::TransactionId, usize)> = Vec::new();
    let socket = match UdpSocket::bind("0.0.0.0:0").await {
        Ok(s) => s,
        Err(e) => return failed_all(targets, &e.to_string()),
    };
    let local = socket
        .local_addr()
        .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)));
    let Ok(mut client) = Client::new(config(local, None), crypto) else {
        return failed_all(targets, "cannot start a STUN client");
    };
    let start = std::time::Instant::now();
    for target in targets {
        let (result, to) = match resolve(target).await {
            Ok(to) => match client.send_binding_request_to(start, to) {
                Ok(id) => {
                    asked.push((id, answers.len()));
                    (Err(StunFailure::NoAnswer), Some(to))
                }
                Err(e) => (Err(StunFailure::Error(e.to_string())), Some(to)),
            },
            Err(e) => (Err(StunFailure::Unresolved(e)), None),
        };
        answers.push(StunAnswer {
            server: target.clone(),
            result,
            local_ip: match to {
                Some(to) => route_ip(to).await,
                None => None,
            },
        });
    }
    let mut open = asked.len();
    let deadline = Instant::now() + limit;
    let outcome = pump(&socket, local, &mut client, deadline, |event| {
        let (id, result) = match event {
            Event::BindingResponse(id, addr) => (id, Ok(addr)),
            Event::BindingError(id, e) => (id, Err(StunFailure::Error(e.to_string()))),
            Event::TransactionTimeout(id) => (id, Err(StunFailure::NoAnswer)),
            _ => return false,
        };
        if let Some((_, i)) = asked.iter().find(|(t, _)| *t == id) {
            answers[*i].result = result;
            open -= 1;
        }
        open == 0
    })
    .await;
    if let Err(e) = outcome {
        tracing::debug!("STUN check: {e}");
    }
    answers
}

fn failed_all(targets: &[String], why: &str) -> Vec<StunAnswer> {
    targets
        .iter()
        .map(|t| StunAnswer {
            server: t.clone(),
            result: Err(StunFailure::Error(why.to_owned())),
            local_ip: None,
        })
        .collect()
}

/// Our own address on the route to `to` (a connected UDP socket sends nothing).
async fn route_ip(to: SocketAddr) -> Option<std::net::IpAddr> {
    let socket = UdpSocket::bind("0.0.0.0:0").await.ok()?;
    socket.connect(to).await.ok()?;
    socket.local_addr().ok().map(|a| a.ip())
}

/// One TURN allocation, released again when granted.
async fn allocation(
    url: &IceUrl,
    server: &IceServer,
    crypto: Arc<dyn RTCCryptoProvider>,
    limit: Duration,
) -> TurnFinding {
    let name = url.host_port();
    if url.scheme == Scheme::Turns || !url.udp {
        return TurnFinding::NotChecked {
            url: url.raw.clone(),
            why: "only TURN over UDP is checked".into(),
        };
    }
    let (Some(user), Some(password)) = (&server.username, &server.credential) else {
        return TurnFinding::NoCredentials {
            server: url.raw.clone(),
        };
    };
    let error = |detail: String| TurnFinding::Error {
        server: name.clone(),
        detail,
    };
    let to = match resolve(&name).await {
        Ok(to) => to,
        Err(e) => return error(format!("cannot find it: {e}")),
    };
    let socket = match UdpSocket::bind("0.0.0.0:0").await {
        Ok(s) => s,
        Err(e) => return error(e.to_string()),
    };
    let local = socket
        .local_addr()
        .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)));
    let turn = Some((to, user.clone(), password.clone()));
    let mut client = match Client::new(config(local, turn), crypto) {
        Ok(c) => c,
        Err(e) => return error(e.to_string()),
    };
    if let Err(e) = client.allocate(std::time::Instant::now()) {
        return error(e.to_string());
    }
    let mut finding = TurnFinding::NoAnswer {
        server: name.clone(),
    };
    let deadline = Instant::now() + limit;
    let pumped = pump(&socket, local, &mut client, deadline, |event| {
        finding = match event {
            Event::AllocateResponse(_, relayed) => TurnFinding::Relay {
                server: name.clone(),
                relayed,
            },
            Event::AllocateError(_, e) => refusal(&name, &e.to_string()),
            Event::TransactionTimeout(_) => TurnFinding::NoAnswer {
                server: name.clone(),
            },
            _ => return false,
        };
        true
    })
    .await;
    if let Err(e) = pumped {
        return error(e.to_string());
    }
    if let TurnFinding::Relay { relayed, .. } = &finding {
        release(&socket, local, &mut client, *relayed).await;
    }
    finding
}

/// An allocation error: a refusal with its code when the text carries one.
fn refusal(server: &str, text: &str) -> TurnFinding {
    match urls::stun_error_code(text) {
        Some((code, reason)) => TurnFinding::Refused {
            server: server.to_owned(),
            code,
            reason,
        },
        None => TurnFinding::Error {
            server: server.to_owned(),
            detail: text.to_owned(),
        },
    }
}

/// Deletes the allocation (a Refresh with lifetime 0), waiting briefly for the answer.
async fn release(socket: &UdpSocket, local: SocketAddr, client: &mut Client, relayed: SocketAddr) {
    let closed = client
        .relay(relayed)
        .and_then(|mut r| r.close(std::time::Instant::now()));
    if closed.is_ok() {
        let deadline = Instant::now() + Duration::from_millis(500);
        let _ = pump(socket, local, client, deadline, |_| false).await;
    }
}

fn config(local: SocketAddr, turn: Option<(SocketAddr, String, String)>) -> ClientConfig {
    let (turn_serv_addr, username, password) = match turn {
        Some((addr, user, pass)) => (addr.to_string(), user, pass),
        None => (String::new(), String::new(), String::new()),
    };
    ClientConfig {
        turn_serv_addr,
        local_addr: local,
        transport_protocol: TransportProtocol::UDP,
        username,
        password,
        software: "peercall connection check".into(),
        ..ClientConfig::default()
    }
}

async fn resolve(host_port: &str) -> Result<SocketAddr, String> {
    let mut addrs = tokio::net::lookup_host(host_port)
        .await
        .map_err(|e| e.to_string())?;
    let all: Vec<SocketAddr> = addrs.by_ref().collect();
    all.iter()
        .find(|a| a.is_ipv4())
        .or(all.first())
        .copied()
        .ok_or_else(|| "no address".to_owned())
}

/// Moves datagrams between `socket` and `client` until `done` says so or `deadline`.
async fn pump(
    socket: &UdpSocket,
    local: SocketAddr,
    client: &mut Client,
    deadline: Instant,
    mut done: impl FnMut(Event) -> bool,
) -> std::io::Result<()> {
    let mut buf = vec![0u8; 2048];
    loop {
        while let Some(out) = client.poll_write() {
            socket
                .send_to(&out.message, out.transport.peer_addr)
                .await?;
        }
        while let Some(event) = client.poll_event() {
            if done(event) {
                return Ok(());
            }
        }
        let wake = client
            .poll_timeout()
            .map(Instant::from_std)
            .map_or(deadline, |t| t.min(deadline));
        tokio::select! {
            got = socket.recv_from(&mut buf) => {
                let (n, from) = got?;
                let message = TaggedBytesMut {
                    now: std::time::Instant::now(),
                    transport: TransportContext {
                        local_addr: local,
                        peer_addr: from,
                        transport_protocol: TransportProtocol::UDP,
                        ecn: None,
                    },
                    message: BytesMut::from(&buf[..n]),
                };
                if let Err(e) = client.handle_read(message) {
                    tracing::debug!("connection check: an unreadable datagram from {from}: {e}");
                }
            }
            () = tokio::time::sleep_until(wake) => {
                if Instant::now() >= deadline {
                    return Ok(());
                }
                let _ = client.handle_timeout(std::time::Instant::now());
            }
        }
    }
}
