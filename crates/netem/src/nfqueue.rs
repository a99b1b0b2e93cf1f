//! The part of the nfnetlink_queue protocol the emulator needs, over a raw netlink socket:
//! bind a queue (copying only the first bytes of each packet), receive packet ids, lengths
//! and flows (the source in those first bytes), issue ACCEPT/DROP verdicts by id, unbind.
//!
//! Message building and parsing are safe byte-slice code (and unit-tested); `unsafe` is
//! limited to the socket system calls.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::Duration;

use crate::flow::FlowKey;

const NFNL_SUBSYS_QUEUE: u16 = 3;
const NFQNL_MSG_PACKET: u16 = 0;
const NFQNL_MSG_VERDICT: u16 = 1;
const NFQNL_MSG_CONFIG: u16 = 2;

const NFQA_PACKET_HDR: u16 = 1;
const NFQA_VERDICT_HDR: u16 = 2;
const NFQA_PAYLOAD: u16 = 10;
const NFQA_CAP_LEN: u16 = 13;

const NFQA_CFG_CMD: u16 = 1;
const NFQA_CFG_PARAMS: u16 = 2;
const NFQA_CFG_QUEUE_MAXLEN: u16 = 3;
const NFQNL_CFG_CMD_BIND: u8 = 1;
const NFQNL_CFG_CMD_UNBIND: u8 = 2;
const NFQNL_COPY_PACKET: u8 = 2;

const NLMSG_HDRLEN: usize = 16;
const NLMSG_NOOP: u16 = 1;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
const NLMSG_OVERRUN: u16 = 4;
const NLM_F_REQUEST: u16 = 1;
const NLM_F_ACK: u16 = 4;
/// Attribute type bits that are flags (NLA_F_NESTED, NLA_F_NET_BYTEORDER).
const NLA_TYPE_MASK: u16 = 0x3fff;

/// Bytes of each packet copied to us (NFQNL_COPY_PACKET): the IP header and the transport
/// header's ports, for the packet's flow, with room for IPv4 options and a few IPv6
/// extension headers; the length comes from NFQA_CAP_LEN when the packet is longer.
const COPY_RANGE: u32 = 128;
/// Packets the kernel may hold for us at once (held verdicts count). The kernel's default,
/// 1024, is below what `rate` with netem's default `limit` of 1000 plus delay can hold.
const KERNEL_QUEUE_MAXLEN: u32 = 65_536;
/// Socket receive buffer (SO_RCVBUFFORCE as root): bursts must not overflow it.
const RCVBUF: libc::c_int = 8 << 20;

/// One queued packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet {
    /// The kernel's id for the verdict.
    pub id: u32,
    /// Length of the whole packet (IP header included).
    pub len: usize,
    /// Its sender, from the copied header ([`FlowKey::Other`] when unreadable).
    pub flow: FlowKey,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Accept,
    Drop,
}

/// A bound NFQUEUE.
pub struct NfQueue {
    fd: OwnedFd,
    queue: u16,
    seq: u32,
    buf: Vec<u8>,
    bound: bool,
}

impl NfQueue {
    /// Opens a netlink socket and binds queue `queue` (needs CAP_NET_ADMIN in the network
    /// namespace).
    pub fn bind(queue: u16) -> io::Result<NfQueue> {
        // SAFETY: plain socket(2); the result is checked before use.
        let raw = unsafe {
            libc::socket(
                libc::AF_NETLINK,
                libc::SOCK_RAW | libc::SOCK_CLOEXEC,
                libc::NETLINK_NETFILTER,
            )
        };
        if raw < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `raw` is a fresh descriptor that nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        // SAFETY: a zeroed sockaddr_nl is valid; bind(2) reads exactly its size.
        let rc = unsafe {
            let mut addr: libc::sockaddr_nl = std::mem::zeroed();
            addr.nl_family = libc::AF_NETLINK as libc::sa_family_t;
            libc::bind(
                fd.as_raw_fd(),
                (&addr as *const libc::sockaddr_nl).cast(),
                std::mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t,
            )
        };
        if rc < 0 {
            return Err(io::Error::last_os_error());
        }
        set_rcvbuf(&fd);
        let mut q = NfQueue {
            fd,
            queue,
            seq: 0,
            buf: vec![0; 1 << 16],
            bound: false,
        };
        q.request(&config_message(queue, 1, Some(NFQNL_CFG_CMD_BIND), true))?;
        q.bound = true;
        Ok(q)
    }

    pub fn queue(&self) -> u16 {
        self.queue
    }

    /// Waits until packets can be read, `timeout` passes (`None`: no limit) or a signal not
    /// in `sigmask` arrives (`sigmask` replaces the thread's mask while waiting, as
    /// ppoll(2)). Returns whether the socket is readable; `Interrupted` on a signal.
    pub fn wait(&self, timeout: Option<Duration>, sigmask: &libc::sigset_t) -> io::Result<bool> {
        let mut pfd = libc::pollfd {
            fd: self.fd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        let ts = timeout.map(|t| libc::timespec {
            tv_sec: t.as_secs().min(i32::MAX as u64) as libc::time_t,
            tv_nsec: t.subsec_nanos() as libc::c_long,
        });
        let ts_ptr = ts
            .as_ref()
            .map_or(std::ptr::null(), |t| t as *const libc::timespec);
        // SAFETY: one valid pollfd, a valid or null timespec and a valid sigset.
        let rc = unsafe { libc::ppoll(&mut pfd, 1, ts_ptr, sigmask) };
        if rc < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(rc > 0 && pfd.revents & (libc::POLLIN | libc::POLLERR) != 0)
    }

    /// Reads the packets waiting on the socket, without blocking, into `out` (at most 64
    /// datagrams, so that a flood cannot hold up due releases; what is left stays readable).
    /// An `ENOBUFS` (the socket overflowed: the kernel dropped packets) is counted in
    /// `overruns` and reading goes on.
    pub fn recv_all(&mut self, out: &mut Vec<Packet>, overruns: &mut u64) -> io::Result<()> {
        for _ in 0..64 {
            let n = match self.recv_raw() {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.raw_os_error() == Some(libc::ENOBUFS) => {
                    *overruns += 1;
                    continue;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            for msg in parse_messages(&self.buf[..n]) {
                match msg {
                    Message::Packet(p) => out.push(p),
                    Message::Error { errno, .. } if errno != 0 => {
                        return Err(io::Error::from_raw_os_error(errno))
                    }
                    _ => {}
                }
            }
        }
        Ok(())
    }

    /// Issues a verdict for packet `id`.
    pub fn verdict(&mut self, id: u32, verdict: Verdict) -> io::Result<()> {
        let msg = verdict_message(self.queue, id, verdict);
        self.send(&msg)
    }

    /// Unbinds the queue. Packets the kernel still holds for us are dropped by the kernel,
    /// so issue their verdicts first.
    pub fn unbind(&mut self) -> io::Result<()> {
        if !self.bound {
            return Ok(());
        }
        self.bound = false;
        self.seq = self.seq.wrapping_add(1);
        let msg = config_message(self.queue, self.seq, Some(NFQNL_CFG_CMD_UNBIND), false);
        self.request(&msg)
    }

    /// Sends a request with NLM_F_ACK and waits for its acknowledgement. Packets that arrive
    /// meanwhile are accepted at once (this only happens around bind and unbind).
    fn request(&mut self, msg: &[u8]) -> io::Result<()> {
        let seq = u32::from_ne_bytes([msg[8], msg[9], msg[10], msg[11]]);
        self.send(msg)?;
        loop {
            let n = self.recv_blocking()?;
            let mut stray = Vec::new();
            let mut result = None;
            for m in parse_messages(&self.buf[..n]) {
                match m {
                    Message::Error { errno, seq: s } if s == seq => {
                        result = Some(if errno == 0 {
                            Ok(())
                        } else {
                            Err(io::Error::from_raw_os_error(errno))
                        });
                    }
                    Message::Packet(p) => stray.push(p),
                    _ => {}
                }
            }
            for p in stray {
                self.verdict(p.id, Verdict::Accept)?;
            }
            if let Some(r) = result {
                return r;
            }
        }
    }

    fn send(&self, msg: &[u8]) -> io::Result<()> {
        // SAFETY: a zeroed sockaddr_nl (pid 0: the kernel) and a valid buffer of `msg.len()`.
        let rc = unsafe {
            let mut addr: libc::sockaddr_nl = std::mem::zeroed();
            addr.nl_family = libc::AF_NETLINK as libc::sa_family_t;
            libc::sendto(
                self.fd.as_raw_fd(),
                msg.as_ptr().cast(),
                msg.len(),
                0,
                (&addr as *const libc::sockaddr_nl).cast(),
                std::mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t,
            )
        };
        if rc < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    fn recv_raw(&mut self) -> io::Result<usize> {
        self.recv_flags(libc::MSG_DONTWAIT)
    }

    fn recv_blocking(&mut self) -> io::Result<usize> {
        loop {
            match self.recv_flags(0) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if e.raw_os_error() == Some(libc::ENOBUFS) => continue,
                r => return r,
            }
        }
    }

    fn recv_flags(&mut self, flags: libc::c_int) -> io::Result<usize> {
        // SAFETY: reads at most `buf.len()` bytes into our own buffer.
        let n = unsafe {
            libc::recv(
                self.fd.as_raw_fd(),
                self.buf.as_mut_ptr().cast(),
                self.buf.len(),
                flags,
            )
        };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(n as usize)
    }
}

impl Drop for NfQueue {
    fn drop(&mut self) {
        if let Err(e) = self.unbind() {
            tracing::warn!("unbinding queue {}: {e}", self.queue);
        }
    }
}

fn set_rcvbuf(fd: &OwnedFd) {
    for opt in [libc::SO_RCVBUFFORCE, libc::SO_RCVBUF] {
        // SAFETY: setsockopt(2) with a c_int value of its size.
        let rc = unsafe {
            libc::setsockopt(
                fd.as_raw_fd(),
                libc::SOL_SOCKET,
                opt,
                (&RCVBUF as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
        if rc == 0 {
            return;
        }
    }
    tracing::warn!(
        "could not enlarge the netlink receive buffer: {}",
        io::Error::last_os_error()
    );
}

/// A netlink message from the kernel, as far as we care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Message {
    Packet(Packet),
    /// An acknowledgement (`errno` 0) or error for our request `seq`.
    Error {
        errno: i32,
        seq: u32,
    },
    Other,
}

fn u16_ne(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_ne_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_ne(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn u32_be(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

const fn align4(n: usize) -> usize {
    (n + 3) & !3
}

/// Splits a datagram into netlink messages; anything malformed ends the walk.
fn parse_messages(buf: &[u8]) -> Vec<Message> {
    let mut out = Vec::new();
    let mut off = 0;
    while off + NLMSG_HDRLEN <= buf.len() {
        let (Some(len), Some(ty)) = (u32_ne(buf, off), u16_ne(buf, off + 4)) else {
            break;
        };
        let len = len as usize;
        if len < NLMSG_HDRLEN || off + len > buf.len() {
            break;
        }
        let body = &buf[off + NLMSG_HDRLEN..off + len];
        out.push(match ty {
            NLMSG_ERROR => match (u32_ne(body, 0), u32_ne(body, 4 + 8)) {
                (Some(err), Some(seq)) => Message::Error {
                    errno: (err as i32).saturating_abs(),
                    seq,
                },
                _ => Message::Other,
            },
            NLMSG_NOOP | NLMSG_DONE | NLMSG_OVERRUN => Message::Other,
            t if t == (NFNL_SUBSYS_QUEUE << 8 | NFQNL_MSG_PACKET) => {
                parse_packet(body).map_or(Message::Other, Message::Packet)
            }
            _ => Message::Other,
        });
        off += align4(len);
    }
    out
}

/// Reads a packet message's attributes (after the 4-byte nfgenmsg).
fn parse_packet(body: &[u8]) -> Option<Packet> {
    let mut id = None;
    let mut cap_len = None;
    let mut payload_len = 0;
    let mut flow = FlowKey::Other;
    let mut off = 4;
    while off + 4 <= body.len() {
        let alen = u16_ne(body, off)? as usize;
        let aty = u16_ne(body, off + 2)? & NLA_TYPE_MASK;
        if alen < 4 || off + alen > body.len() {
            break;
        }
        let data = &body[off + 4..off + alen];
        match aty {
            NFQA_PACKET_HDR => id = u32_be(data, 0),
            NFQA_CAP_LEN => cap_len = u32_be(data, 0),
            NFQA_PAYLOAD => {
                payload_len = data.len();
                flow = FlowKey::of_packet(data);
            }
            _ => {}
        }
        off += align4(alen);
    }
    Some(Packet {
        id: id?,
        len: cap_len.map_or(payload_len, |l| l as usize),
        flow,
    })
}

fn header(buf: &mut Vec<u8>, msg_type: u16, flags: u16, seq: u32, queue: u16) {
    buf.extend_from_slice(&0u32.to_ne_bytes()); // length, patched by `finish`
    buf.extend_from_slice(&(NFNL_SUBSYS_QUEUE << 8 | msg_type).to_ne_bytes());
    buf.extend_from_slice(&flags.to_ne_bytes());
    buf.extend_from_slice(&seq.to_ne_bytes());
    buf.extend_from_slice(&0u32.to_ne_bytes()); // port id: the kernel fills ours in
    buf.push(libc::AF_UNSPEC as u8); // nfgen_family
    buf.push(0); // NFNETLINK_V0
    buf.extend_from_slice(&queue.to_be_bytes());
}

fn attr(buf: &mut Vec<u8>, ty: u16, data: &[u8]) {
    buf.extend_from_slice(&((4 + data.len()) as u16).to_ne_bytes());
    buf.extend_from_slice(&ty.to_ne_bytes());
    buf.extend_from_slice(data);
    buf.resize(align4(buf.len()), 0);
}

fn finish(mut buf: Vec<u8>) -> Vec<u8> {
    let len = (buf.len() as u32).to_ne_bytes();
    buf[..4].copy_from_slice(&len);
    buf
}

/// A config request with NLM_F_ACK: an optional command and, for bind, the copy mode and
/// the kernel queue's length.
fn config_message(queue: u16, seq: u32, cmd: Option<u8>, params: bool) -> Vec<u8> {
    let mut buf = Vec::with_capacity(64);
    header(
        &mut buf,
        NFQNL_MSG_CONFIG,
        NLM_F_REQUEST | NLM_F_ACK,
        seq,
        queue,
    );
    if let Some(cmd) = cmd {
        // struct nfqnl_msg_config_cmd { u8 command; u8 pad; be16 pf; }
        attr(&mut buf, NFQA_CFG_CMD, &[cmd, 0, 0, 0]);
    }
    if params {
        // struct nfqnl_msg_config_params { be32 copy_range; u8 copy_mode; } (packed)
        let mut p = COPY_RANGE.to_be_bytes().to_vec();
        p.push(NFQNL_COPY_PACKET);
        attr(&mut buf, NFQA_CFG_PARAMS, &p);
        attr(
            &mut buf,
            NFQA_CFG_QUEUE_MAXLEN,
            &KERNEL_QUEUE_MAXLEN.to_be_bytes(),
        );
    }
    finish(buf)
}

fn verdict_message(queue: u16, id: u32, verdict: Verdict) -> Vec<u8> {
    let mut buf = Vec::with_capacity(32);
    header(&mut buf, NFQNL_MSG_VERDICT, NLM_F_REQUEST, 0, queue);
    let code: u32 = match verdict {
        Verdict::Drop => 0,   // NF_DROP
        Verdict::Accept => 1, // NF_ACCEPT
    };
    let mut v = code.to_be_bytes().to_vec();
    v.extend_from_slice(&id.to_be_bytes());
    attr(&mut buf, NFQA_VERDICT_HDR, &v);
    finish(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdict_message_layout() {
        let m = verdict_message(7, 0x0102_0304, Verdict::Accept);
        assert_eq!(m.len(), 32);
        assert_eq!(u32_ne(&m, 0), Some(32));
        assert_eq!(u16_ne(&m, 4), Some(3 << 8 | 1));
        assert_eq!(u16_ne(&m, 6), Some(NLM_F_REQUEST));
        assert_eq!(&m[16..20], &[0, 0, 0, 7]);
        assert_eq!(u16_ne(&m, 20), Some(12));
        assert_eq!(u16_ne(&m, 22), Some(NFQA_VERDICT_HDR));
        assert_eq!(&m[24..32], &[0, 0, 0, 1, 1, 2, 3, 4]);
        let d = verdict_message(0, 9, Verdict::Drop);
        assert_eq!(&d[24..28], &[0, 0, 0, 0]);
    }

    #[test]
    fn bind_message_layout() {
        let m = config_message(3, 5, Some(NFQNL_CFG_CMD_BIND), true);
        // header 20 + cmd 8 + params (4 + 5, padded) 12 + maxlen 8
        assert_eq!(m.len(), 48);
        assert_eq!(u32_ne(&m, 0), Some(48));
        assert_eq!(u16_ne(&m, 4), Some(3 << 8 | 2));
        assert_eq!(u16_ne(&m, 6), Some(NLM_F_REQUEST | NLM_F_ACK));
        assert_eq!(u32_ne(&m, 8), Some(5));
        assert_eq!(&m[20..28], &[8u8, 0, 1, 0, 1, 0, 0, 0]);
        assert_eq!(u16_ne(&m, 28), Some(9));
        assert_eq!(&m[32..37], &[0, 0, 0, 128, 2]);
    }

    fn packet_message(id: u32, cap_len: Option<u32>, payload: usize) -> Vec<u8> {
        packet_message_with(id, cap_len, &vec![0x45; payload])
    }

    fn packet_message_with(id: u32, cap_len: Option<u32>, payload: &[u8]) -> Vec<u8> {
        let mut buf = Vec::new();
        header(&mut buf, NFQNL_MSG_PACKET, 0, 0, 0);
        let mut hdr = id.to_be_bytes().to_vec();
        hdr.extend_from_slice(&[0x08, 0x00, 3]); // hw_protocol, hook
        attr(&mut buf, NFQA_PACKET_HDR, &hdr);
        attr(&mut buf, 5, &1u32.to_be_bytes()); // an attribute we ignore
        attr(&mut buf, NFQA_PAYLOAD, payload);
        if let Some(c) = cap_len {
            attr(&mut buf, NFQA_CAP_LEN | 0x4000, &c.to_be_bytes());
        }
        finish(buf)
    }

    #[test]
    fn parses_packets_in_one_datagram() {
        // A UDP packet from 127.0.0.1:5004, 61 bytes; then 128 bytes of garbage.
        let mut udp = vec![0x45, 0, 0, 61, 0, 0, 0x40, 0, 64, 17, 0, 0];
        udp.extend_from_slice(&[127, 0, 0, 1, 127, 0, 0, 1, 0x13, 0x8c, 0x17, 0x70]);
        udp.resize(61, 0);
        let mut dgram = packet_message_with(1, None, &udp);
        dgram.extend(packet_message(2, Some(1400), 128));
        let from = FlowKey::Source {
            protocol: 17,
            addr: std::net::Ipv4Addr::LOCALHOST.into(),
            port: 5004,
        };
        assert_eq!(
            parse_messages(&dgram),
            vec![
                Message::Packet(Packet {
                    id: 1,
                    len: 61,
                    flow: from
                }),
                Message::Packet(Packet {
                    id: 2,
                    len: 1400,
                    flow: FlowKey::Other
                }),
            ]
        );
    }

    #[test]
    fn parses_acks_and_errors() {
        let mut m = Vec::new();
        m.extend_from_slice(&36u32.to_ne_bytes());
        m.extend_from_slice(&NLMSG_ERROR.to_ne_bytes());
        m.extend_from_slice(&[0; 10]);
        m.extend_from_slice(&(-1i32).to_ne_bytes()); // -EPERM
        m.extend_from_slice(&[0; 8]);
        m.extend_from_slice(&42u32.to_ne_bytes()); // the request's seq
        m.extend_from_slice(&[0; 4]);
        assert_eq!(
            parse_messages(&m),
            vec![Message::Error { errno: 1, seq: 42 }]
        );
    }

    #[test]
    fn malformed_input_is_ignored_not_trusted() {
        assert!(parse_messages(&[]).is_empty());
        assert!(parse_messages(&[1, 2, 3]).is_empty());
        // A length beyond the datagram.
        let mut m = packet_message(1, None, 10);
        m[0..4].copy_from_slice(&1000u32.to_ne_bytes());
        assert!(parse_messages(&m).is_empty());
        // A packet without its header attribute.
        let mut buf = Vec::new();
        header(&mut buf, NFQNL_MSG_PACKET, 0, 0, 0);
        attr(&mut buf, NFQA_PAYLOAD, &[0; 20]);
        assert_eq!(parse_messages(&finish(buf)), vec![Message::Other]);
        // An attribute longer than its message.
        let mut m = packet_message(1, None, 10);
        let n = m.len();
        m[n - 16..n - 14].copy_from_slice(&500u16.to_ne_bytes());
        assert!(matches!(
            parse_messages(&m)[..],
            [Message::Packet(_)] | [Message::Other]
        ));
    }
}
