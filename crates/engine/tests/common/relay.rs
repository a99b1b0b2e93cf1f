//! A UDP relay on 127.0.0.1 between two sessions that drops what a test chooses: each side
//! is told the other's candidate with the relay's port in place of the real one, so every
//! datagram of the call crosses it and a rule can lose one on purpose (a DTLS flight, say)
//! where random loss only sometimes would.

use std::net::SocketAddr;
use std::sync::Arc;

use peercall_engine::call::IceCandidate;
use tokio::net::UdpSocket;
use tokio::task::JoinHandle;

/// Which way a datagram goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Way {
    AToB,
    BToA,
}

/// Decides, per datagram, whether it is delivered (`true`) or lost.
pub type Rule = Box<dyn FnMut(Way, &[u8]) -> bool + Send>;

/// What becomes of one datagram under a [`HoldRule`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Deliver,
    Drop,
    /// Lost, and these bytes go in its place, from the relay's address: what anyone who can
    /// send as the peer (on the path, or spoofing its address) could forge.
    Replace(Vec<u8>),
    /// Kept back, in order, until a datagram is given [`Verdict::DeliverHeld`].
    Hold,
    /// Everything held goes first, back to back, then this datagram.
    DeliverHeld,
}

/// Decides, per datagram, what becomes of it.
pub type HoldRule = Box<dyn FnMut(Way, &[u8]) -> Verdict + Send>;

/// The relay; it stops when dropped.
pub struct Relay {
    /// Where A sends what is meant for B (B's candidates, as A is told them).
    pub facing_a: u16,
    /// Where B sends what is meant for A.
    pub facing_b: u16,
    task: JoinHandle<()>,
}

impl Relay {
    pub async fn start(mut rule: Rule) -> Relay {
        Self::start_holding(Box::new(move |way, data| {
            if rule(way, data) {
                Verdict::Deliver
            } else {
                Verdict::Drop
            }
        }))
        .await
    }

    /// A relay that can also hold datagrams back and release them in one burst.
    pub async fn start_holding(mut rule: HoldRule) -> Relay {
        let sa = Arc::new(UdpSocket::bind("127.0.0.1:0").await.expect("bind relay a"));
        let sb = Arc::new(UdpSocket::bind("127.0.0.1:0").await.expect("bind relay b"));
        let (facing_a, facing_b) = (port(&sa), port(&sb));
        let task = tokio::spawn(async move {
            // Each side's real address, learned from what it sends.
            let (mut a, mut b): (Option<SocketAddr>, Option<SocketAddr>) = (None, None);
            let (mut buf_a, mut buf_b) = (vec![0u8; 65_536], vec![0u8; 65_536]);
            let mut held: Vec<(Way, Vec<u8>)> = Vec::new();
            loop {
                let (way, n) = tokio::select! {
                    Ok((n, from)) = sa.recv_from(&mut buf_a) => { a = Some(from); (Way::AToB, n) }
                    Ok((n, from)) = sb.recv_from(&mut buf_b) => { b = Some(from); (Way::BToA, n) }
                    else => {
                        eprintln!("relay: both sockets failed; it stops");
                        break;
                    }
                };
                let (data, out, to) = match way {
                    Way::AToB => (&buf_a[..n], &sb, b),
                    Way::BToA => (&buf_b[..n], &sa, a),
                };
                // Nothing is decided for a datagram with nowhere to go yet.
                let Some(to) = to else { continue };
                match rule(way, data) {
                    Verdict::Deliver => {}
                    Verdict::Drop => continue,
                    Verdict::Replace(forged) => {
                        let _ = out.send_to(&forged, to).await;
                        continue;
                    }
                    Verdict::Hold => {
                        held.push((way, data.to_vec()));
                        continue;
                    }
                    Verdict::DeliverHeld => {
                        for (w, d) in held.drain(..) {
                            let (out, to) = match w {
                                Way::AToB => (&sb, b),
                                Way::BToA => (&sa, a),
                            };
                            if let Some(to) = to {
                                let _ = out.send_to(&d, to).await;
                            }
                        }
                    }
                }
                let _ = out.send_to(data, to).await;
            }
        });
        Relay {
            facing_a,
            facing_b,
            task,
        }
    }

    /// A's candidate as B must be told it: B reaches A through the relay.
    pub fn a_to_b(&self, c: &IceCandidate) -> IceCandidate {
        with_port(c, self.facing_b)
    }

    /// B's candidate as A must be told it.
    pub fn b_to_a(&self, c: &IceCandidate) -> IceCandidate {
        with_port(c, self.facing_a)
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn port(s: &UdpSocket) -> u16 {
    s.local_addr().expect("relay address").port()
}

/// The candidate with its port (the sixth field of `candidate:…`) replaced.
fn with_port(c: &IceCandidate, port: u16) -> IceCandidate {
    let mut fields: Vec<String> = c.candidate.split(' ').map(str::to_owned).collect();
    assert!(fields.len() > 5, "a candidate line: {}", c.candidate);
    fields[5] = port.to_string();
    IceCandidate {
        candidate: fields.join(" "),
        ..c.clone()
    }
}
