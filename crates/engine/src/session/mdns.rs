//! mDNS in ICE is optional: it only resolves a peer's `.local` host candidates. `webrtc`
//! opens its multicast socket (bind 5353, join 224.0.0.251 on the default interface)
//! whenever mDNS is on, and a machine whose interfaces cannot do multicast (a namespace
//! with only `lo`, no route to 224.0.0.0/4) made every call fail with `I/O error: No such
//! device`. So the socket is tried first, and mDNS is switched off when it cannot open:
//! the call goes on without `.local` resolution.

use rtc::ice::mdns::MulticastDnsMode;
use rtc::mdns::MulticastSocket;

/// The mode for a probe's outcome: resolve `.local` names when the socket opened.
fn mode_for(probe: std::io::Result<()>) -> MulticastDnsMode {
    match probe {
        Ok(()) => MulticastDnsMode::QueryOnly,
        Err(e) => {
            tracing::warn!("mDNS off for this call (no multicast here: {e}); .local candidates will not resolve");
            MulticastDnsMode::Disabled
        }
    }
}

/// Opens (and closes) the multicast socket `webrtc` would, and picks the mode.
pub fn multicast_dns_mode() -> MulticastDnsMode {
    mode_for(MulticastSocket::new().into_std().map(drop))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_socket_that_cannot_open_turns_mdns_off() {
        assert_eq!(mode_for(Ok(())), MulticastDnsMode::QueryOnly);
        let no_device = std::io::Error::from_raw_os_error(19);
        assert_eq!(mode_for(Err(no_device)), MulticastDnsMode::Disabled);
    }
}
