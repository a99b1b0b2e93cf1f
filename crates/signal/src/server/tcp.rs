//! Socket options for accepted connections: no Nagle delay, TCP keepalive (a peer that
//! vanished without a FIN is found even while nothing is written), and on Linux a TCP
//! user timeout (data left unacknowledged that long drops the connection in the kernel,
//! whatever the application is doing).

use super::config::Timing;
use socket2::{SockRef, TcpKeepalive};
use tokio::net::TcpStream;

/// Applies the options; a failure is logged and the connection kept.
pub fn tune(stream: &TcpStream, timing: &Timing) {
    if let Err(e) = stream.set_nodelay(true) {
        tracing::debug!("TCP_NODELAY: {e}");
    }
    let sock = SockRef::from(stream);
    let keepalive = TcpKeepalive::new().with_time(timing.tcp_keepalive);
    #[cfg(any(
        target_os = "linux",
        target_os = "android",
        target_os = "macos",
        target_os = "freebsd",
        target_os = "windows"
    ))]
    let keepalive = keepalive
        .with_interval(timing.tcp_keepalive / 3)
        .with_retries(3);
    if let Err(e) = sock.set_tcp_keepalive(&keepalive) {
        tracing::debug!("TCP keepalive: {e}");
    }
    #[cfg(any(target_os = "linux", target_os = "android"))]
    if let Err(e) = sock.set_tcp_user_timeout(Some(timing.tcp_user_timeout)) {
        tracing::debug!("TCP_USER_TIMEOUT: {e}");
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn options_are_set_on_the_socket() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let _client = TcpStream::connect(addr).await.unwrap();
        let (stream, _) = listener.accept().await.unwrap();
        let timing = Timing {
            tcp_keepalive: Duration::from_secs(12),
            tcp_user_timeout: Duration::from_secs(7),
            ..Timing::default()
        };
        tune(&stream, &timing);
        let sock = SockRef::from(&stream);
        assert!(sock.keepalive().unwrap());
        assert_eq!(sock.tcp_keepalive_time().unwrap(), Duration::from_secs(12));
        assert_eq!(
            sock.tcp_keepalive_interval().unwrap(),
            Duration::from_secs(4)
        );
        assert_eq!(
            sock.tcp_user_timeout().unwrap(),
            Some(Duration::from_secs(7))
        );
        assert!(stream.nodelay().unwrap());
    }
}
