//! netem's option syntax (the part after `tc qdisc add … netem`), parsed into a [`Spec`].
//!
//! Supported, with netem's meaning and defaults:
//! - `delay TIME [JITTER [CORRELATION]]` and `distribution uniform|normal` (uniform when
//!   jitter is given without a distribution, as netem does without a table);
//! - `loss [random] P [CORRELATION]`;
//! - `loss gemodel P [R [1-H [1-K]]]` (Gilbert-Elliott: `P` good→bad, `R` bad→good, `1-H` loss
//!   in the bad state, `1-K` loss in the good state; defaults R = 100 %, 1-H = 100 %, 1-K = 0);
//! - `rate RATE [PACKETOVERHEAD]`;
//! - `limit PACKETS` (default 1000).
//!
//! Times take `ns`, `us`, `ms` or `s` (a bare number is microseconds, as in tc); percentages
//! take an optional `%`; rates take tc's units (`bit`, `kbit`, `mbit`, `gbit`, `Kibit`…,
//! `bps`/`Bps` for bytes, `kbps`…; a bare number is bits per second).

use std::fmt;
use std::time::Duration;

/// A parsed netem specification. `Spec::default()` impairs nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    pub delay: Option<Delay>,
    pub loss: Option<Loss>,
    pub rate: Option<Rate>,
    /// Packets held at once (delayed or waiting for the link); more are tail-dropped.
    pub limit: usize,
}

impl Default for Spec {
    fn default() -> Self {
        Spec {
            delay: None,
            loss: None,
            rate: None,
            limit: DEFAULT_LIMIT,
        }
    }
}

/// netem's default `limit`.
pub const DEFAULT_LIMIT: usize = 1000;

#[derive(Debug, Clone, PartialEq)]
pub struct Delay {
    pub latency: Duration,
    /// Half the width for `uniform`, the standard deviation for `normal`.
    pub jitter: Duration,
    /// 0..=1.
    pub correlation: f64,
    pub distribution: Distribution,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Distribution {
    Uniform,
    Normal,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Loss {
    /// Independent (or correlated) random loss with probability `p` (0..=1).
    Random { p: f64, correlation: f64 },
    /// Gilbert-Elliott, all probabilities 0..=1.
    GilbertElliott {
        /// good → bad transition.
        p: f64,
        /// bad → good transition.
        r: f64,
        /// loss probability in the bad state (netem's `1-h`).
        loss_bad: f64,
        /// loss probability in the good state (netem's `1-k`).
        loss_good: f64,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Rate {
    pub bytes_per_sec: f64,
    /// Added to (or, negative, taken from) every packet's length when timing it.
    pub packet_overhead: i64,
}

/// What was wrong with a specification, in words a user can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    #[error("unknown netem option {0:?} (supported: delay, distribution, loss, rate, limit)")]
    UnknownOption(String),
    #[error("netem option {0:?} is not supported by peercall-netem{1}")]
    Unsupported(String, &'static str),
    #[error("{option}: missing {what}")]
    Missing {
        option: &'static str,
        what: &'static str,
    },
    #[error("{option}: {what} {value:?} is not valid: expected {expected}")]
    Invalid {
        option: &'static str,
        what: &'static str,
        value: String,
        expected: &'static str,
    },
    #[error("{0} given twice")]
    Duplicate(&'static str),
    #[error("distribution needs a delay with a jitter (e.g. delay 50ms 10ms distribution normal)")]
    DistributionWithoutJitter,
}

impl Spec {
    /// Parses netem's words, e.g. `["delay", "50ms", "10ms", "loss", "5%"]`.
    pub fn parse<S: AsRef<str>>(words: &[S]) -> Result<Spec, SpecError> {
        let words: Vec<&str> = words.iter().map(AsRef::as_ref).collect();
        let mut p = Parser {
            words: &words,
            pos: 0,
        };
        let mut spec = Spec::default();
        let mut distribution = None;
        let mut limit_seen = false;
        while let Some(word) = p.next() {
            match word {
                "delay" | "latency" => {
                    if spec.delay.is_some() {
                        return Err(SpecError::Duplicate("delay"));
                    }
                    let latency = parse_time("delay", "time", p.require("delay", "a time")?)?;
                    let mut delay = Delay {
                        latency,
                        jitter: Duration::ZERO,
                        correlation: 0.0,
                        distribution: Distribution::Uniform,
                    };
                    if let Some(w) = p.next_number() {
                        delay.jitter = parse_time("delay", "jitter", w)?;
                        if let Some(w) = p.next_number() {
                            delay.correlation = parse_percent("delay", "correlation", w)?;
                        }
                    }
                    spec.delay = Some(delay);
                }
                "distribution" | "dist" => {
                    if distribution.is_some() {
                        return Err(SpecError::Duplicate("distribution"));
                    }
                    let w = p.require("distribution", "a name (uniform or normal)")?;
                    distribution = Some(match w {
                        "normal" => Distribution::Normal,
                        "uniform" => Distribution::Uniform,
                        "pareto" | "paretonormal" | "experimental" => {
                            return Err(SpecError::Unsupported(
                                format!("distribution {w}"),
                                " (use normal or uniform)",
                            ))
                        }
                        _ => {
                            return Err(SpecError::Invalid {
                                option: "distribution",
                                what: "name",
                                value: w.to_string(),
                                expected: "normal or uniform",
                            })
                        }
                    });
                }
                "loss" | "drop" => {
                    if spec.loss.is_some() {
                        return Err(SpecError::Duplicate("loss"));
                    }
                    spec.loss = Some(parse_loss(&mut p)?);
                }
                "rate" => {
                    if spec.rate.is_some() {
                        return Err(SpecError::Duplicate("rate"));
                    }
                    let bytes_per_sec = parse_rate(p.require("rate", "a rate such as 500kbit")?)?;
                    let mut rate = Rate {
                        bytes_per_sec,
                        packet_overhead: 0,
                    };
                    if let Some(w) = p.next_number() {
                        rate.packet_overhead = match w.parse::<i64>() {
                            Ok(n) if n.abs() <= 65_535 => n,
                            _ => {
                                return Err(SpecError::Invalid {
                                    option: "rate",
                                    what: "packet overhead",
                                    value: w.to_string(),
                                    expected: "a whole number of bytes within ±65535",
                                })
                            }
                        };
                        if p.next_number().is_some() {
                            return Err(SpecError::Unsupported(
                                "rate CELLSIZE".into(),
                                " (only RATE [PACKETOVERHEAD])",
                            ));
                        }
                    }
                    spec.rate = Some(rate);
                }
                "limit" => {
                    if limit_seen {
                        return Err(SpecError::Duplicate("limit"));
                    }
                    limit_seen = true;
                    let w = p.require("limit", "a number of packets")?;
                    spec.limit = match w.parse::<usize>() {
                        Ok(n) if n >= 1 => n,
                        _ => {
                            return Err(SpecError::Invalid {
                                option: "limit",
                                what: "packet count",
                                value: w.to_string(),
                                expected: "a whole number of packets, at least 1",
                            })
                        }
                    };
                }
                "reorder" | "gap" | "duplicate" | "corrupt" | "slot" | "ecn" => {
                    return Err(SpecError::Unsupported(word.to_string(), ""))
                }
                "seed" => {
                    return Err(SpecError::Unsupported(
                        word.to_string(),
                        " in the spec (use --seed or NETEM_SEED)",
                    ))
                }
                _ => return Err(SpecError::UnknownOption(word.to_string())),
            }
        }
        if let Some(d) = distribution {
            match &mut spec.delay {
                Some(delay) if !delay.jitter.is_zero() => delay.distribution = d,
                _ => return Err(SpecError::DistributionWithoutJitter),
            }
        }
        Ok(spec)
    }

    /// True when it changes nothing (no delay, loss or rate).
    pub fn is_noop(&self) -> bool {
        self.delay.is_none() && self.loss.is_none() && self.rate.is_none()
    }
}

impl fmt::Display for Spec {
    /// netem's own syntax, normalised (times in ms, percentages, rates in kbit).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        if let Some(d) = &self.delay {
            let mut s = format!("delay {}", fmt_time(d.latency));
            if !d.jitter.is_zero() {
                s += &format!(" {}", fmt_time(d.jitter));
                if d.correlation != 0.0 {
                    s += &format!(" {}%", d.correlation * 100.0);
                }
                if d.distribution == Distribution::Normal {
                    s += " distribution normal";
                }
            }
            parts.push(s);
        }
        match &self.loss {
            Some(Loss::Random { p, correlation }) => {
                let mut s = format!("loss {}%", p * 100.0);
                if *correlation != 0.0 {
                    s += &format!(" {}%", correlation * 100.0);
                }
                parts.push(s);
            }
            Some(Loss::GilbertElliott {
                p,
                r,
                loss_bad,
                loss_good,
            }) => parts.push(format!(
                "loss gemodel {}% {}% {}% {}%",
                p * 100.0,
                r * 100.0,
                loss_bad * 100.0,
                loss_good * 100.0
            )),
            None => {}
        }
        if let Some(r) = &self.rate {
            let mut s = format!("rate {}kbit", r.bytes_per_sec * 8.0 / 1000.0);
            if r.packet_overhead != 0 {
                s += &format!(" {}", r.packet_overhead);
            }
            parts.push(s);
        }
        if self.limit != DEFAULT_LIMIT {
            parts.push(format!("limit {}", self.limit));
        }
        if parts.is_empty() {
            f.write_str("(no impairment)")
        } else {
            f.write_str(&parts.join(" "))
        }
    }
}

fn fmt_time(d: Duration) -> String {
    format!("{}ms", d.as_secs_f64() * 1000.0)
}

struct Parser<'a> {
    words: &'a [&'a str],
    pos: usize,
}

impl<'a> Parser<'a> {
    fn next(&mut self) -> Option<&'a str> {
        let w = self.words.get(self.pos).copied();
        if w.is_some() {
            self.pos += 1;
        }
        w
    }

    fn require(&mut self, option: &'static str, what: &'static str) -> Result<&'a str, SpecError> {
        self.next().ok_or(SpecError::Missing { option, what })
    }

    /// The next word if it starts like a number (tc's `NEXT_IS_NUMBER`), else nothing.
    fn next_number(&mut self) -> Option<&'a str> {
        let w = self.words.get(self.pos).copied()?;
        if split_number(w).is_some() {
            self.pos += 1;
            Some(w)
        } else {
            None
        }
    }
}

fn parse_loss(p: &mut Parser<'_>) -> Result<Loss, SpecError> {
    const WHAT: &str = "a probability such as 5% (or gemodel P [R [1-H [1-K]]])";
    let first = p.require("loss", WHAT)?;
    match first {
        "gemodel" | "gmodel" => {
            let prob = parse_percent("loss gemodel", "P", p.require("loss gemodel", "P")?)?;
            let mut model = Loss::GilbertElliott {
                p: prob,
                r: 1.0,
                loss_bad: 1.0,
                loss_good: 0.0,
            };
            if let Loss::GilbertElliott {
                r,
                loss_bad,
                loss_good,
                ..
            } = &mut model
            {
                if let Some(w) = p.next_number() {
                    *r = parse_percent("loss gemodel", "R", w)?;
                    if let Some(w) = p.next_number() {
                        *loss_bad = parse_percent("loss gemodel", "1-H", w)?;
                        if let Some(w) = p.next_number() {
                            *loss_good = parse_percent("loss gemodel", "1-K", w)?;
                        }
                    }
                }
            }
            Ok(model)
        }
        "state" => Err(SpecError::Unsupported(
            "loss state".into(),
            " (use loss gemodel)",
        )),
        "random" => {
            let w = p.require("loss random", "a probability such as 5%")?;
            parse_random_loss(p, w)
        }
        w => parse_random_loss(p, w),
    }
}

fn parse_random_loss(p: &mut Parser<'_>, w: &str) -> Result<Loss, SpecError> {
    let prob = parse_percent("loss", "probability", w)?;
    let correlation = match p.next_number() {
        Some(c) => parse_percent("loss", "correlation", c)?,
        None => 0.0,
    };
    Ok(Loss::Random {
        p: prob,
        correlation,
    })
}

/// Splits a leading decimal number (digits, one dot, optional sign) from its unit.
fn split_number(s: &str) -> Option<(f64, &str)> {
    let bytes = s.as_bytes();
    let mut end = 0;
    if matches!(bytes.first(), Some(b'+' | b'-')) {
        end = 1;
    }
    let digits_start = end;
    let mut seen_dot = false;
    while let Some(&b) = bytes.get(end) {
        if b.is_ascii_digit() {
            end += 1;
        } else if b == b'.' && !seen_dot {
            seen_dot = true;
            end += 1;
        } else {
            break;
        }
    }
    let number = &s[..end];
    if !number[digits_start..].bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    let value: f64 = number.parse().ok()?;
    Some((value, &s[end..]))
}

fn parse_time(option: &'static str, what: &'static str, w: &str) -> Result<Duration, SpecError> {
    let invalid = || SpecError::Invalid {
        option,
        what,
        value: w.to_string(),
        expected: "a time such as 50ms, 1.5s or 800us",
    };
    let (value, unit) = split_number(w).ok_or_else(invalid)?;
    let scale = match unit {
        "" | "us" | "usec" | "usecs" => 1e-6,
        "ns" | "nsec" | "nsecs" => 1e-9,
        "ms" | "msec" | "msecs" => 1e-3,
        "s" | "sec" | "secs" => 1.0,
        _ => return Err(invalid()),
    };
    let secs = value * scale;
    if !(0.0..=3600.0).contains(&secs) {
        return Err(SpecError::Invalid {
            option,
            what,
            value: w.to_string(),
            expected: "a time between 0 and 1 hour",
        });
    }
    Ok(Duration::from_secs_f64(secs))
}

/// A probability from `5%` or `5` (tc reads both as 5 %), as 0..=1.
fn parse_percent(option: &'static str, what: &'static str, w: &str) -> Result<f64, SpecError> {
    let invalid = || SpecError::Invalid {
        option,
        what,
        value: w.to_string(),
        expected: "a percentage from 0% to 100%",
    };
    match split_number(w) {
        Some((v, "" | "%")) if (0.0..=100.0).contains(&v) => Ok(v / 100.0),
        _ => Err(invalid()),
    }
}

/// A rate in tc's units, as bytes per second.
fn parse_rate(w: &str) -> Result<f64, SpecError> {
    let invalid = || SpecError::Invalid {
        option: "rate",
        what: "rate",
        value: w.to_string(),
        expected: "a positive rate such as 500kbit, 2mbit or 100kbps (bytes)",
    };
    let (value, unit) = split_number(w).ok_or_else(invalid)?;
    const UNITS: [(&str, f64); 19] = [
        ("", 1.0),
        ("bit", 1.0),
        ("kibit", 1024.0),
        ("kbit", 1000.0),
        ("mibit", 1024.0 * 1024.0),
        ("mbit", 1e6),
        ("gibit", 1024.0 * 1024.0 * 1024.0),
        ("gbit", 1e9),
        ("tibit", 1024.0 * 1024.0 * 1024.0 * 1024.0),
        ("tbit", 1e12),
        ("bps", 8.0),
        ("kibps", 8.0 * 1024.0),
        ("kbps", 8e3),
        ("mibps", 8.0 * 1024.0 * 1024.0),
        ("mbps", 8e6),
        ("gibps", 8.0 * 1024.0 * 1024.0 * 1024.0),
        ("gbps", 8e9),
        ("tibps", 8.0 * 1024.0 * 1024.0 * 1024.0 * 1024.0),
        ("tbps", 8e12),
    ];
    let unit = unit.to_ascii_lowercase();
    let bits = UNITS
        .iter()
        .find(|(name, _)| *name == unit)
        .map(|(_, scale)| value * scale)
        .ok_or_else(invalid)?;
    if !(bits.is_finite() && bits >= 8.0) {
        return Err(invalid());
    }
    Ok(bits / 8.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Spec, SpecError> {
        Spec::parse(&s.split_whitespace().collect::<Vec<_>>())
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn good_specs() {
        let delay = |latency, jitter, correlation, distribution| {
            Some(Delay {
                latency,
                jitter,
                correlation,
                distribution,
            })
        };
        let cases: Vec<(&str, Spec)> = vec![
            ("", Spec::default()),
            (
                "delay 50ms",
                Spec {
                    delay: delay(ms(50), ms(0), 0.0, Distribution::Uniform),
                    ..Spec::default()
                },
            ),
            (
                "delay 100ms 10ms 25%",
                Spec {
                    delay: delay(ms(100), ms(10), 0.25, Distribution::Uniform),
                    ..Spec::default()
                },
            ),
            (
                "delay 50ms 20ms distribution normal loss 5%",
                Spec {
                    delay: delay(ms(50), ms(20), 0.0, Distribution::Normal),
                    loss: Some(Loss::Random {
                        p: 0.05,
                        correlation: 0.0,
                    }),
                    ..Spec::default()
                },
            ),
            (
                "distribution normal delay 1s 500000",
                Spec {
                    delay: delay(ms(1000), ms(500), 0.0, Distribution::Normal),
                    ..Spec::default()
                },
            ),
            (
                "delay 0.5ms 250us",
                Spec {
                    delay: delay(
                        Duration::from_micros(500),
                        Duration::from_micros(250),
                        0.0,
                        Distribution::Uniform,
                    ),
                    ..Spec::default()
                },
            ),
            (
                "loss random 1.5 25%",
                Spec {
                    loss: Some(Loss::Random {
                        p: 0.015,
                        correlation: 0.25,
                    }),
                    ..Spec::default()
                },
            ),
            (
                "loss gemodel 1%",
                Spec {
                    loss: Some(Loss::GilbertElliott {
                        p: 0.01,
                        r: 1.0,
                        loss_bad: 1.0,
                        loss_good: 0.0,
                    }),
                    ..Spec::default()
                },
            ),
            (
                "loss gemodel 1% 10% 70% 0.1% rate 2mbit",
                Spec {
                    loss: Some(Loss::GilbertElliott {
                        p: 0.01,
                        r: 0.1,
                        loss_bad: 0.7,
                        loss_good: 0.001,
                    }),
                    rate: Some(Rate {
                        bytes_per_sec: 250_000.0,
                        packet_overhead: 0,
                    }),
                    ..Spec::default()
                },
            ),
            (
                "rate 500kbit 14 limit 50",
                Spec {
                    rate: Some(Rate {
                        bytes_per_sec: 62_500.0,
                        packet_overhead: 14,
                    }),
                    limit: 50,
                    ..Spec::default()
                },
            ),
            (
                "rate 100KBps",
                Spec {
                    rate: Some(Rate {
                        bytes_per_sec: 100_000.0,
                        packet_overhead: 0,
                    }),
                    ..Spec::default()
                },
            ),
            (
                "rate 8000",
                Spec {
                    rate: Some(Rate {
                        bytes_per_sec: 1000.0,
                        packet_overhead: 0,
                    }),
                    ..Spec::default()
                },
            ),
        ];
        for (text, want) in cases {
            match parse(text) {
                Ok(got) => assert_eq!(got, want, "{text:?}"),
                Err(e) => panic!("{text:?} should parse, got error: {e}"),
            }
        }
    }

    #[test]
    fn bad_specs_say_what_is_wrong() {
        let cases = [
            ("delay", "delay: missing a time"),
            (
                "delay fast",
                "delay: time \"fast\" is not valid: expected a time",
            ),
            ("delay 50 parsecs", "unknown netem option \"parsecs\""),
            (
                "delay 50furlongs",
                "delay: time \"50furlongs\" is not valid",
            ),
            ("delay -5ms", "delay: time \"-5ms\" is not valid"),
            (
                "delay 50ms 10ms 120%",
                "delay: correlation \"120%\" is not valid",
            ),
            ("delay 2h", "delay: time \"2h\" is not valid"),
            ("delay 5000s", "expected a time between 0 and 1 hour"),
            ("loss", "loss: missing a probability"),
            (
                "loss 120%",
                "loss: probability \"120%\" is not valid: expected a percentage",
            ),
            ("loss lots", "loss: probability \"lots\" is not valid"),
            ("loss 5%%", "loss: probability \"5%%\" is not valid"),
            ("loss gemodel", "loss gemodel: missing P"),
            (
                "loss gemodel 1% 200%",
                "loss gemodel: R \"200%\" is not valid",
            ),
            ("loss state 1%", "\"loss state\" is not supported"),
            ("loss 1% loss 2%", "loss given twice"),
            ("rate", "rate: missing a rate"),
            ("rate fast", "rate: rate \"fast\" is not valid"),
            ("rate 5furlongs", "rate: rate \"5furlongs\" is not valid"),
            ("rate 0kbit", "rate: rate \"0kbit\" is not valid"),
            ("rate 1mbit 14 64", "\"rate CELLSIZE\" is not supported"),
            ("rate 1mbit 1.5", "packet overhead \"1.5\" is not valid"),
            ("rate 1mbit 99999999999", "within ±65535"),
            ("limit 0", "limit: packet count \"0\" is not valid"),
            ("limit many", "limit: packet count \"many\" is not valid"),
            (
                "distribution normal",
                "distribution needs a delay with a jitter",
            ),
            (
                "delay 5ms distribution normal",
                "distribution needs a delay with a jitter",
            ),
            (
                "delay 5ms 1ms distribution pareto",
                "\"distribution pareto\" is not supported",
            ),
            (
                "delay 5ms 1ms distribution gaussian",
                "distribution: name \"gaussian\"",
            ),
            ("reorder 25% 50%", "\"reorder\" is not supported"),
            ("duplicate 1%", "\"duplicate\" is not supported"),
            ("seed 5", "use --seed"),
            ("frobnicate 5", "unknown netem option \"frobnicate\""),
            ("50ms", "unknown netem option \"50ms\""),
        ];
        for (text, want) in cases {
            match parse(text) {
                Ok(spec) => panic!("{text:?} should fail, parsed as {spec:?}"),
                Err(e) => {
                    let msg = e.to_string();
                    assert!(msg.contains(want), "{text:?}: error {msg:?} lacks {want:?}");
                }
            }
        }
    }

    #[test]
    fn display_round_trips() {
        for text in [
            "delay 50ms 20ms distribution normal loss 5%",
            "delay 10ms 2ms 25% loss 1% 10% rate 500kbit limit 20",
            "loss gemodel 1% 10% 70% 0.1%",
        ] {
            let spec = parse(text).expect("parses");
            let again = parse(&spec.to_string()).expect("its display parses");
            assert_eq!(spec, again, "{text:?} -> {spec}");
        }
        assert_eq!(Spec::default().to_string(), "(no impairment)");
    }
}
