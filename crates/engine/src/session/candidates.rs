//! Reading ICE candidate lines (`candidate:<foundation> <component> <transport>
//! <priority> <address> <port> typ <type> …`), and counting the peer's by type.

use crate::stats::Counters;

/// The address and type of a candidate line, if it has them.
#[must_use]
pub fn address_and_type(line: &str) -> Option<(&str, &str)> {
    let line = line.trim().trim_start_matches("a=");
    let fields: Vec<&str> = line.split_whitespace().collect();
    match (fields.get(4), fields.get(6), fields.get(7)) {
        (Some(address), Some(&"typ"), Some(typ)) => Some((address, typ)),
        _ => None,
    }
}

/// The `a=candidate:` lines of a session description.
pub fn in_description(sdp: &str) -> impl Iterator<Item = &str> {
    sdp.lines()
        .map(str::trim)
        .filter(|l| l.starts_with("a=candidate:"))
}

/// Counts one candidate the peer signaled.
pub fn count_remote(counters: &Counters, line: &str) {
    let counter = match address_and_type(line).map(|(_, t)| t) {
        Some("host") => &counters.remote_host_candidates,
        Some("srflx") => &counters.remote_srflx_candidates,
        Some("relay") => &counters.remote_relay_candidates,
        _ => return,
    };
    Counters::add(counter, 1);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_read_and_counted_by_type() {
        let sdp = "v=0\r\n\
            a=candidate:1 1 udp 2130706431 10.0.1.10 50000 typ host\r\n\
            a=candidate:2 1 udp 1694498815 203.0.113.101 50000 typ srflx raddr 0.0.0.0 rport 0\r\n\
            a=candidate:3 1 udp 16777215 203.0.113.10 49160 typ relay raddr 10.0.1.10 rport 50000\r\n\
            a=end-of-candidates\r\n";
        let lines: Vec<&str> = in_description(sdp).collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(address_and_type(lines[0]), Some(("10.0.1.10", "host")));
        let c = Counters::default();
        for l in lines {
            count_remote(&c, l);
        }
        count_remote(&c, "candidate:4 1 udp 1 203.0.113.10 49161 typ relay");
        count_remote(&c, "not a candidate");
        let s = c.snapshot();
        assert_eq!(
            (
                s.remote_host_candidates,
                s.remote_srflx_candidates,
                s.remote_relay_candidates
            ),
            (1, 1, 2)
        );
    }
}
