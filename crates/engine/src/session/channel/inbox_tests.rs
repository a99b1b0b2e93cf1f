use std::time::{Duration, Instant};

use super::*;

fn chat(n: u32) -> ControlMessage {
    ControlMessage::Chat {
        text: format!("line {n}"),
    }
}

fn media(mic_muted: bool) -> ControlMessage {
    ControlMessage::Media {
        mic_muted,
        camera_on: true,
    }
}

fn passed(events: &[SessionEvent]) -> usize {
    events
        .iter()
        .filter(|e| matches!(e, SessionEvent::Control(_)))
        .count()
}

fn reports(events: &[SessionEvent]) -> Vec<u64> {
    events
        .iter()
        .filter_map(|e| match e {
            SessionEvent::ControlDropped { total } => Some(*total),
            _ => None,
        })
        .collect()
}

#[test]
fn a_burst_passes_then_the_rate_and_the_rest_is_dropped_and_reported_once() {
    let t0 = Instant::now();
    let mut inbox = ControlInbox::new(t0);
    let out: Vec<SessionEvent> = (0..10_000)
        .flat_map(|n| inbox.on_message(chat(n), t0))
        .collect();
    assert_eq!(passed(&out), BURST as usize);
    assert_eq!(reports(&out), vec![1], "one report when dropping starts");
    assert_eq!(inbox.dropped(), 10_000 - BURST as u64);
    // The rest of the total is reported once REPORT_EVERY has passed, and then nothing.
    assert_eq!(inbox.next_deadline(t0), Some(t0 + REPORT_EVERY));
    assert!(inbox.on_time(t0 + REPORT_EVERY / 2).is_empty());
    let later = inbox.on_time(t0 + REPORT_EVERY);
    assert_eq!(reports(&later), vec![10_000 - BURST as u64]);
    assert_eq!(inbox.next_deadline(t0 + REPORT_EVERY), None);
}

#[test]
fn a_sustained_flood_passes_the_rate_and_reports_at_most_once_a_second() {
    let t0 = Instant::now();
    let mut inbox = ControlInbox::new(t0);
    let mut out = Vec::new();
    // 10 s at 10,000 messages a second, the reader waking at each deadline too.
    for i in 0..100_000u32 {
        let now = t0 + Duration::from_micros(u64::from(i) * 100);
        out.extend(inbox.on_message(chat(i), now));
        if inbox.next_deadline(now).is_some_and(|d| d <= now) {
            out.extend(inbox.on_time(now));
        }
    }
    let ten_s = (BURST + RATE * 10.0) as usize;
    assert!(passed(&out) <= ten_s + 1, "{} passed", passed(&out));
    assert!(passed(&out) >= ten_s - 1, "{} passed", passed(&out));
    let r = reports(&out);
    assert!((10..=11).contains(&r.len()), "{} reports", r.len());
    assert!(r.windows(2).all(|w| w[0] < w[1]), "totals grow: {r:?}");
}

#[test]
fn the_newest_media_state_over_the_rate_is_held_and_passed_on_when_a_token_frees() {
    let t0 = Instant::now();
    let mut inbox = ControlInbox::new(t0);
    for n in 0..BURST as u32 {
        assert_eq!(passed(&inbox.on_message(chat(n), t0)), 1);
    }
    // Over the rate: two media states; the first is replaced (dropped), the second held.
    let first = inbox.on_message(media(true), t0);
    assert_eq!(passed(&first), 0);
    assert!(reports(&first).is_empty(), "holding is not dropping");
    let second = inbox.on_message(media(false), t0);
    assert_eq!(reports(&second), vec![1]);
    let token = t0 + Duration::from_secs_f64(1.0 / RATE);
    assert_eq!(inbox.next_deadline(t0), Some(token));
    assert!(inbox.on_time(token - Duration::from_millis(1)).is_empty());
    let released = inbox.on_time(token);
    assert!(
        matches!(released.as_slice(), [SessionEvent::Control(m)] if *m == media(false)),
        "{released:?}"
    );
    assert_eq!(inbox.next_deadline(token), None);
}

#[test]
fn a_media_state_that_passes_replaces_the_held_one() {
    let t0 = Instant::now();
    let mut inbox = ControlInbox::new(t0);
    for n in 0..BURST as u32 {
        inbox.on_message(chat(n), t0);
    }
    inbox.on_message(media(true), t0);
    let token = t0 + Duration::from_secs(1);
    let out = inbox.on_message(media(false), token);
    assert!(
        matches!(out.as_slice(), [SessionEvent::Control(m), SessionEvent::ControlDropped { total: 1 }] if *m == media(false)),
        "{out:?}"
    );
    assert_eq!(
        inbox.dropped(),
        1,
        "the replaced held state counts as dropped"
    );
    assert!(
        inbox.on_time(token).is_empty(),
        "the older held state is not sent after it"
    );
}

#[test]
fn a_peer_under_the_rate_loses_nothing() {
    let t0 = Instant::now();
    let mut inbox = ControlInbox::new(t0);
    let mut out = Vec::new();
    for i in 0..1_000u32 {
        let now = t0 + Duration::from_millis(u64::from(i) * 60); // ~16 a second
        out.extend(inbox.on_message(
            if i.is_multiple_of(2) {
                chat(i)
            } else {
                media(i % 4 == 1)
            },
            now,
        ));
    }
    assert_eq!(passed(&out), 1_000);
    assert!(reports(&out).is_empty());
    assert_eq!(inbox.dropped(), 0);
}
