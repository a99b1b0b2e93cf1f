use super::*;

const MS: i64 = 1_000;

/// A call: the sender's clock, each stream's RTP origin, and what each path delays
/// (end to end, before any sync delay), on a receiver whose clock is `clock_offset_us`
/// ahead of the sender's.
#[derive(Clone, Copy)]
struct Call {
    audio_path_ms: i64,
    video_path_ms: i64,
    clock_offset_us: i64,
    audio_rtp0: u32,
    video_rtp0: u32,
    /// The speaker's queue after the jitter buffer (audio's output delay).
    speaker_ms: i64,
    /// Video's repair tail: one frame in `n` is ready this many ms after the others
    /// (0: none), over the last 10 s of frames.
    tail: (u32, i64),
    /// Jitter: the other frames are ready up to this many ms after the path's latency
    /// (evenly spread).
    jitter_ms: i64,
}

impl Default for Call {
    fn default() -> Self {
        Self {
            audio_path_ms: 60,
            video_path_ms: 60,
            clock_offset_us: 0,
            audio_rtp0: 1_234,
            video_rtp0: 987_654,
            speaker_ms: 0,
            tail: (0, 0),
            jitter_ms: 0,
        }
    }
}

impl Call {
    fn rtp(origin: u32, rate: i64, sender_us: i64) -> u32 {
        origin.wrapping_add((sender_us * rate / 1_000_000) as u32)
    }

    /// Both streams at sender time `t_us` (the report sent just before), played with
    /// the sync delays applied in full.
    fn states(&self, t_us: i64, at: Instant, d: SyncDelays) -> (StreamState, StreamState) {
        let state = |origin, rate: u32, path_ms: i64, extra: Duration, output_ms: i64| {
            let report_us = t_us - 500 * MS;
            StreamState {
                ready: Vec::new(),
                ready_clean: Vec::new(),
                clock_rate: rate,
                report: Some(SenderReport {
                    ntp_us: report_us,
                    rtp: Self::rtp(origin, i64::from(rate), report_us),
                    received_at: at,
                }),
                playing: vec![Playing {
                    rtp: Self::rtp(origin, i64::from(rate), t_us),
                    at_us: t_us + path_ms * MS + extra.as_micros() as i64 + self.clock_offset_us,
                }],
                output_delay: Duration::from_millis(output_ms as u64),
            }
        };
        (
            state(
                self.audio_rtp0,
                48_000,
                self.audio_path_ms,
                d.audio,
                self.speaker_ms,
            ),
            StreamState {
                ready: self.ready(t_us).into_iter().map(|(p, _)| p).collect(),
                ready_clean: self
                    .ready(t_us)
                    .into_iter()
                    .filter(|&(_, waited)| !waited)
                    .map(|(p, _)| p)
                    .collect(),
                ..state(self.video_rtp0, 90_000, self.video_path_ms, d.video, 0)
            },
        )
    }

    /// Video frames captured over the 10 s before `t_us` and when each was ready: on
    /// the path's own latency (plus up to `jitter_ms`), one in `tail.0` later by `tail.1`
    /// ms (and waited for that repair).
    fn ready(&self, t_us: i64) -> Vec<(Playing, bool)> {
        (0..300i64)
            .map(|k| {
                let captured = t_us - 10_000 * MS + k * 33_333;
                let late = self.tail.0 > 0 && k % i64::from(self.tail.0) == 0;
                let at = Playing {
                    rtp: Self::rtp(self.video_rtp0, 90_000, captured),
                    at_us: captured
                        + (self.video_path_ms
                            + if late {
                                self.tail.1
                            } else {
                                k * 7 % (self.jitter_ms + 1)
                            })
                            * MS
                        + self.clock_offset_us,
                };
                (at, late)
            })
            .collect()
    }
}

/// Runs `updates` one-second updates; returns the delays after each.
fn run(sync: &mut AvSync, call: Call, updates: usize) -> Vec<SyncDelays> {
    let t0 = Instant::now();
    (0..updates)
        .map(|k| {
            let at = t0 + Duration::from_secs(k as u64);
            let (a, v) = call.states(10_000_000 + k as i64 * 1_000_000, at, sync.delays());
            sync.update(at, &a, &v)
        })
        .collect()
}

/// The delays a run ended with lie within the (low, high) ms bounds of a table row.
fn assert_settled(case: &str, last: SyncDelays, video: (i64, i64), audio: (i64, i64)) {
    let (v, a) = (ms(last.video), ms(last.audio));
    assert!((video.0..=video.1).contains(&v), "{case}: video {v} ms");
    assert!((audio.0..=audio.1).contains(&a), "{case}: audio {a} ms");
}

fn ms(d: Duration) -> i64 {
    d.as_millis() as i64
}

#[test]
fn converges_within_the_dead_band_and_bounds() {
    // (case, audio path ms, video path ms, video delay ms range, audio delay ms range)
    let table = [
        ("in sync", 60, 60, (0, 0), (0, 0)),
        ("within the dead band", 60, 70, (0, 0), (0, 0)),
        ("video ahead within the lead", 75, 60, (0, 0), (0, 0)),
        // Past the lead by more than its 5 ms dead band: held back to the lead.
        ("video ahead 26 ms", 86, 60, (3, 6), (0, 0)),
        (
            "audio later by 100 ms: video leads by 20",
            160,
            60,
            (77, 80),
            (0, 0),
        ),
        ("video later by 80 ms", 60, 140, (0, 0), (77, 80)),
        (
            "video later than audio may wait",
            60,
            400,
            (0, 0),
            (150, 150),
        ),
        (
            "audio later than video may wait",
            700,
            60,
            (500, 500),
            (0, 0),
        ),
    ];
    for (case, audio_path_ms, video_path_ms, video, audio) in table {
        let call = Call {
            audio_path_ms,
            video_path_ms,
            ..Call::default()
        };
        let mut sync = AvSync::default();
        let last = *run(&mut sync, call, 40).last().unwrap();
        assert_settled(case, last, video, audio);
    }
}

#[test]
fn the_speaker_queue_counts_on_audio_s_side() {
    // (case, audio path ms to the speaker, speaker ms, video path ms, video delay ms
    // range, audio delay ms range). The audio path stops where the jitter buffer hands
    // samples to the speaker; the user hears them the speaker's queue later.
    let table = [
        (
            "the picture waits for the voice as heard, less the lead",
            40,
            125,
            45,
            (97, 100),
            (0, 0),
        ),
        (
            "the speaker alone covers video's lag",
            40,
            125,
            170,
            (0, 0),
            (0, 0),
        ),
        (
            "without a speaker the same paths make audio wait",
            40,
            0,
            170,
            (0, 0),
            (127, 130),
        ),
    ];
    for (case, audio_path_ms, speaker_ms, video_path_ms, video, audio) in table {
        let call = Call {
            audio_path_ms,
            video_path_ms,
            speaker_ms,
            ..Call::default()
        };
        let mut sync = AvSync::default();
        let last = *run(&mut sync, call, 40).last().unwrap();
        assert_settled(case, last, video, audio);
    }
}

#[test]
fn moves_in_bounded_steps() {
    let call = Call {
        audio_path_ms: 400,
        ..Call::default()
    };
    // The call's first 5 s take steps of up to 200 ms; later, 40 ms.
    let mut sync = AvSync::default();
    let delays = run(&mut sync, call, 20);
    let mut before = Duration::ZERO;
    for (k, d) in delays.iter().enumerate() {
        let step = if k < 5 { 200 } else { 40 };
        assert!(d.video >= before, "{delays:?}");
        assert!(
            d.video - before <= Duration::from_millis(step),
            "{delays:?}"
        );
        before = d.video;
    }
    assert!(ms(before) >= 320, "{delays:?}");
    // The same offset appearing mid-call is corrected 40 ms a second.
    let mut sync = AvSync::default();
    let _ = run(&mut sync, Call::default(), 10);
    let t0 = Instant::now() + Duration::from_secs(10);
    let mut before = sync.delays().video;
    for k in 0..10u64 {
        let at = t0 + Duration::from_secs(k);
        let (a, v) = call.states(20_000_000 + k as i64 * 1_000_000, at, sync.delays());
        let d = sync.update(at, &a, &v);
        assert!(d.video - before <= Duration::from_millis(40), "{d:?}");
        before = d.video;
    }
}

#[test]
fn the_call_s_start_is_corrected_at_once() {
    // (case, audio path ms, video path ms, video delay ms after the first update: the
    // offset less the picture's 20 ms lead)
    for (case, audio, video, want) in [("voice slower", 160, 60, 80), ("in step", 60, 60, 0)] {
        let call = Call {
            audio_path_ms: audio,
            video_path_ms: video,
            ..Call::default()
        };
        let mut sync = AvSync::default();
        let first = run(&mut sync, call, 1)[0];
        assert!((ms(first.video) - want).abs() <= 2, "{case}: {first:?}");
    }
}

#[test]
fn a_first_reading_the_start_soon_contradicts_is_not_kept() {
    // The first keyframe waited for repairs: one second in video reads 430 ms behind the
    // voice, from the next second on 10 ms ahead of it.
    let t0 = Instant::now();
    let mut sync = tail_on();
    let steady = Call {
        audio_path_ms: 70,
        video_path_ms: 60,
        ..Call::default()
    };
    let first = Call {
        video_path_ms: 500,
        ..steady
    };
    let mut update = |k: u64, call: Call| {
        let at = t0 + Duration::from_secs(k);
        let (a, v) = call.states(10_000_000 + k as i64 * 1_000_000, at, sync.delays());
        sync.update(at, &a, &v)
    };
    assert_eq!(update(0, first).audio, SyncConfig::default().max_audio);
    // The next reading stands on its own (smoothed, the voice stayed ~150 ms late for
    // several seconds): the path is steady, the voice waits for nothing.
    let next = update(1, steady);
    assert_eq!(next.audio, Duration::ZERO, "{next:?}");
}

#[test]
fn when_the_lag_changes_sides_delay_is_taken_back_before_the_other_stream_waits() {
    let mut sync = AvSync::default();
    let audio_late = Call {
        audio_path_ms: 120,
        ..Call::default()
    };
    let d = *run(&mut sync, audio_late, 30).last().unwrap();
    assert!(ms(d.video) >= 25, "{d:?}");
    // Video now needs 100 ms more (jitter rose): its sync delay goes first.
    let video_late = Call {
        audio_path_ms: 120,
        video_path_ms: 160,
        ..Call::default()
    };
    let after = run(&mut sync, video_late, 30);
    // Never both streams delayed: video's delay is gone before audio waits.
    assert!(
        after.iter().all(|d| d.video.is_zero() || d.audio.is_zero()),
        "{after:?}"
    );
    assert!(after[0].video < d.video, "{after:?}");
    let last = *after.last().unwrap();
    // Within the settle band (3 ms) of the 40 ms needed.
    assert!((36..=40).contains(&ms(last.audio)), "{last:?}");
}

#[test]
fn clock_offsets_and_rtp_origins_change_nothing() {
    let reference = Call {
        audio_path_ms: 150,
        ..Call::default()
    };
    let shifted = Call {
        clock_offset_us: -3_600_000_000,
        audio_rtp0: u32::MAX - 100,
        video_rtp0: u32::MAX - 2_000,
        ..reference
    };
    let a = run(&mut AvSync::default(), reference, 30);
    let b = run(&mut AvSync::default(), shifted, 30);
    assert_eq!(a, b);
    assert!(ms(a.last().unwrap().video) >= 55);
}

#[test]
fn missing_old_or_absurd_reports_change_nothing() {
    let call = Call {
        audio_path_ms: 200,
        ..Call::default()
    };
    let t0 = Instant::now();
    let (a, v) = call.states(10_000_000, t0, SyncDelays::default());
    let no_report = |s: StreamState| StreamState { report: None, ..s };
    let not_playing = |s: StreamState| StreamState {
        playing: Vec::new(),
        ..s
    };
    let old = t0 + Duration::from_secs(11);
    let far = |s: StreamState| StreamState {
        playing: s
            .playing
            .iter()
            .map(|p| Playing {
                at_us: p.at_us + 30_000_000,
                ..*p
            })
            .collect(),
        ..s
    };
    let cases: [(&str, Instant, StreamState, StreamState); 5] = [
        ("no audio report", t0, no_report(a.clone()), v.clone()),
        ("no video report", t0, a.clone(), no_report(v.clone())),
        ("nothing played yet", t0, a.clone(), not_playing(v.clone())),
        ("reports 11 s old", old, a.clone(), v.clone()),
        ("30 s apart", t0, a.clone(), far(v.clone())),
    ];
    for (case, now, a, v) in cases {
        let mut sync = AvSync::default();
        for _ in 0..5 {
            assert_eq!(sync.update(now, &a, &v), SyncDelays::default(), "{case}");
        }
        assert_eq!(sync.offset_us(), None, "{case}");
    }
    // The same inputs with fresh reports do act.
    let mut sync = AvSync::default();
    assert!(sync.update(t0, &a, &v).video > Duration::ZERO);
    assert_eq!(sync.offset_us(), Some(-140_000));
}

#[test]
fn one_late_frame_or_a_burst_of_audio_does_not_move_the_estimate() {
    let call = Call {
        audio_path_ms: 120,
        ..Call::default()
    };
    let t0 = Instant::now();
    let (mut a, mut v) = call.states(10_000_000, t0, SyncDelays::default());
    // A second of frames and pulls on their paths, the latest frame shown 1.5 s late and
    // the last three pulls made 400 ms late at once.
    let spread = |s: &mut StreamState, n: u32, rate: i64, step_us: i64| {
        let p0 = s.playing[0];
        s.playing = (0..n)
            .map(|k| Playing {
                rtp: p0
                    .rtp
                    .wrapping_add((i64::from(k) * step_us * rate / 1_000_000) as u32),
                at_us: p0.at_us + i64::from(k) * step_us,
            })
            .collect();
    };
    spread(&mut v, 30, 90_000, 33_333);
    spread(&mut a, 100, 48_000, 10_000);
    v.playing[29].at_us += 1_500_000; // the latest frame
    for p in &mut a.playing[97..] {
        p.at_us += 400_000;
    }
    let mut sync = AvSync::default();
    sync.update(t0, &a, &v);
    let offset = sync.offset_us().expect("measured");
    assert!((offset + 60_000).abs() < 100, "{offset}");
}

#[test]
fn the_voice_waits_for_video_s_repair_tail_only_beyond_the_margin() {
    // (case, audio path ms, video path ms, tail (1 in n, +ms), video delay ms range,
    // audio delay ms range). The tail at the 98th percentile may land 40 ms after the
    // voice, the voice waits at most 60 ms for it. The path jitters in every row, so the
    // picture is given no lead: it waits for the voice exactly.
    let table = [
        (
            // 5 % loss + 20 ms jitter at 100 ms RTT: the median frame is even with the
            // voice, one in ten waits ~110 ms more for a retransmission.
            "loss with jitter: the tail sets the voice's wait",
            130,
            120,
            (10, 110),
            (67, 70),
            (57, 60),
        ),
        (
            // Loss without jitter: video is the faster stream, its repairs land within
            // the margin of the voice (which video already waits for).
            "a tail within the margin changes nothing",
            116,
            60,
            (10, 90),
            (53, 56),
            (0, 0),
        ),
        (
            "one late frame in fifty is not the tail",
            130,
            120,
            (50, 200),
            (0, 0),
            (0, 0),
        ),
        (
            "the voice waits at most 60 ms",
            130,
            120,
            (5, 400),
            (67, 70),
            (57, 60),
        ),
        (
            "video slower at the median too: the larger wait wins",
            60,
            140,
            (10, 110),
            (0, 0),
            (77, 80),
        ),
    ];
    for (case, audio_path_ms, video_path_ms, tail, video, audio) in table {
        let call = Call {
            audio_path_ms,
            video_path_ms,
            tail,
            jitter_ms: 45,
            ..Call::default()
        };
        let mut sync = tail_on();
        let last = *run(&mut sync, call, 40).last().unwrap();
        assert_settled(case, last, video, audio);
    }
}

#[test]
fn the_voice_s_wait_is_given_back_once_the_repairs_stop() {
    let jitter = Call {
        audio_path_ms: 130,
        video_path_ms: 120,
        tail: (10, 110),
        jitter_ms: 45,
        ..Call::default()
    };
    let mut sync = tail_on();
    let d = *run(&mut sync, jitter, 30).last().unwrap();
    assert!(ms(d.audio) >= 55, "{d:?}");
    let clean = Call {
        tail: (0, 0),
        jitter_ms: 0,
        ..jitter
    };
    let after = *run(&mut sync, clean, 30).last().unwrap();
    // Within the settle band (3 ms) of none.
    assert!(ms(after.audio) <= 3, "{after:?}");
    // Back to the median rule: video 10 ms ahead is within the dead band.
    assert!(ms(after.video) <= 10, "{after:?}");
}

#[test]
fn too_few_frames_ready_is_no_tail() {
    let call = Call {
        audio_path_ms: 130,
        video_path_ms: 120,
        tail: (10, 110),
        jitter_ms: 45,
        ..Call::default()
    };
    let t0 = Instant::now();
    let mut sync = tail_on();
    let mut update = |k: u64| {
        let at = t0 + Duration::from_secs(k);
        let (a, mut v) = call.states(10_000_000 + k as i64 * 1_000_000, at, sync.delays());
        v.ready.truncate(59);
        sync.update(at, &a, &v)
    };
    // The call's first seconds on a path that jitters: the voice waits the cap while the
    // tail cannot be read yet…
    assert_eq!(update(0).audio, SyncConfig::default().max_tail_wait);
    // …and after them, too few frames is no tail: the wait is given back.
    let last = (6..12).map(&mut update).last();
    assert_eq!(last, Some(SyncDelays::default()));
}

#[test]
fn waiting_from_the_first_pull_is_given_back_once_the_path_reads_steady() {
    let sync = AvSync::default().waiting_from_the_first_pull();
    let cap = SyncConfig::default().max_tail_wait;
    assert_eq!(sync.delays().audio, cap);
    let mut sync = sync;
    let last = *run(&mut sync, Call::default(), 1).last().unwrap();
    assert_eq!(
        last,
        SyncDelays::default(),
        "a clean path, read at the first update"
    );
    // Not above what the voice may wait at all.
    let none = AvSync::new(SyncConfig {
        max_audio: Duration::ZERO,
        ..SyncConfig::default()
    });
    assert_eq!(
        none.waiting_from_the_first_pull().delays(),
        SyncDelays::default()
    );
    // No video (an audio-only call, or video not come yet): given back at the first update.
    let mut sync = AvSync::default().waiting_from_the_first_pull();
    let t0 = Instant::now();
    let (a, mut v) = Call::default().states(10_000_000, t0, sync.delays());
    v.report = None;
    assert_eq!(sync.update(t0, &a, &v), SyncDelays::default());
}

#[test]
fn the_voice_waits_the_cap_at_the_start_until_the_path_reads_steady() {
    let t0 = Instant::now();
    let cap = SyncConfig::default().max_tail_wait;
    // Updates at these seconds; `clean`: whether frames that waited for nothing exist.
    let run_at = |call: Call, clean: bool, seconds: &[u64]| {
        let mut sync = tail_on();
        for &k in seconds {
            let at = t0 + Duration::from_secs(k);
            let (a, mut v) = call.states(10_000_000 + k as i64 * 1_000_000, at, sync.delays());
            if !clean {
                v.ready_clean.clear();
            }
            sync.update(at, &a, &v);
        }
        sync.delays()
    };
    // A clean path, read at the first update: nothing to wait for.
    assert_eq!(run_at(Call::default(), true, &[0]), SyncDelays::default());
    // Loss alone, the frames that waited for nothing arriving together: no wait either.
    let lossy = Call {
        audio_path_ms: 116,
        video_path_ms: 60,
        tail: (10, 130),
        ..Call::default()
    };
    assert_eq!(
        run_at(lossy, true, &[0]).audio,
        Duration::ZERO,
        "loss alone"
    );
    // No frame yet that waited for nothing: the voice waits the cap through the start…
    assert_eq!(run_at(lossy, false, &[0]).audio, cap, "not read yet");
    assert_eq!(run_at(lossy, false, &[0, 2, 4]).audio, cap, "4 s in");
    // …and no longer once it has passed unread.
    let after = run_at(lossy, false, &[0, 2, 4, 6, 7, 8, 9]);
    assert_eq!(after.audio, Duration::ZERO, "after the start");
}

/// The core with the voice's wait for the tail at its default (60 ms).
fn tail_on() -> AvSync {
    AvSync::default()
}

#[test]
fn with_the_wait_off_the_tail_is_measured_but_not_waited_for() {
    let call = Call {
        audio_path_ms: 130,
        video_path_ms: 120,
        tail: (10, 110),
        jitter_ms: 45,
        ..Call::default()
    };
    let mut sync = AvSync::new(SyncConfig {
        max_tail_wait: Duration::ZERO,
        ..SyncConfig::default()
    });
    let last = *run(&mut sync, call, 40).last().unwrap();
    assert_eq!(
        last,
        SyncDelays::default(),
        "10 ms apart: within the dead band"
    );
}

#[test]
fn with_loss_alone_the_tail_is_not_waited_for() {
    // 5 % loss at 100 ms RTT without jitter: frames on time are ready together, video is
    // the faster stream (it waits for the voice), one frame in ten a round trip late.
    let call = Call {
        audio_path_ms: 116,
        video_path_ms: 60,
        tail: (10, 130),
        ..Call::default()
    };
    let last = *run(&mut tail_on(), call, 40).last().unwrap();
    assert_eq!(ms(last.audio), 0, "{last:?}");
    assert!((33..=36).contains(&ms(last.video)), "{last:?}");
    // The same with jitter: the voice waits.
    let jittery = Call {
        jitter_ms: 45,
        ..call
    };
    let last = *run(&mut tail_on(), jittery, 40).last().unwrap();
    assert!(ms(last.audio) >= 30, "{last:?}");
    // ...and the picture is given no lead: the voice's wait less video's path.
    let lead = ms(last.audio) + 116 - 60 - ms(last.video);
    assert!(lead.abs() <= 3, "{last:?}");
}

#[test]
fn the_picture_leads_only_after_the_start_on_a_path_that_does_not_jitter() {
    // Video scheduled on the voice's clock reads the lead from the core.
    let t0 = Instant::now();
    let lead_after = |call: Call, updates: usize| {
        let mut sync = AvSync::default();
        run(&mut sync, call, updates);
        sync.lead(t0 + Duration::from_secs(updates as u64 - 1))
    };
    let plain = Call::default();
    assert_eq!(lead_after(plain, 1), Duration::ZERO, "the call's start");
    assert_eq!(
        lead_after(plain, 5),
        Duration::ZERO,
        "4 s after the first measurement"
    );
    assert_eq!(lead_after(plain, 7), SyncConfig::default().video_lead);
    let jittery = Call {
        audio_path_ms: 130,
        video_path_ms: 120,
        tail: (10, 110),
        jitter_ms: 45,
        ..Call::default()
    };
    assert_eq!(
        lead_after(jittery, 20),
        Duration::ZERO,
        "a path that jitters"
    );
    assert_eq!(
        AvSync::default().lead(t0),
        Duration::ZERO,
        "nothing measured"
    );
}

#[test]
fn on_the_voice_s_clock_only_the_voice_waits() {
    // Video's frames wait for their voice one by one (`clock.rs`): the core is given no
    // video delay, and its measurement of video is when its own playout clock would
    // show each frame.
    let clock = SyncConfig {
        max_video: Duration::ZERO,
        ..SyncConfig::default()
    };
    // (case, audio path ms, video path ms, audio delay ms range)
    let table = [
        ("video quicker: nothing to do", 160, 60, (0, 0)),
        ("video slower: the voice waits", 60, 140, (77, 80)),
    ];
    for (case, audio_path_ms, video_path_ms, audio) in table {
        let call = Call {
            audio_path_ms,
            video_path_ms,
            ..Call::default()
        };
        let last = *run(&mut AvSync::new(clock), call, 40).last().unwrap();
        assert_settled(case, last, (0, 0), audio);
    }
}

#[test]
fn frames_waiting_for_repairs_are_not_jitter() {
    // 720p at 5 % loss without jitter: half the frames wait ~110 ms for a repair (or
    // behind one), so all frames' median stands 110 ms after their quickest; the frames
    // that waited for nothing arrive together. The voice does not wait.
    let call = Call {
        audio_path_ms: 116,
        video_path_ms: 60,
        tail: (2, 110),
        ..Call::default()
    };
    let last = *run(&mut tail_on(), call, 40).last().unwrap();
    assert_eq!(ms(last.audio), 0, "{last:?}");
    // The same frames on a path that jitters: the voice waits for the tail.
    let jittery = Call {
        jitter_ms: 45,
        ..call
    };
    let last = *run(&mut tail_on(), jittery, 40).last().unwrap();
    assert!(ms(last.audio) > 0, "{last:?}");
}
