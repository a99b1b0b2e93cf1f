//! A daily size cap on the log file. The file rolls over daily and only the last
//! [`KEEP_FILES`] days are kept, but a single day could still grow without bound (a device
//! error once logged 242,000 lines in 2.5 minutes). Past [`DAILY_CAP`] bytes in a day one
//! notice line is written and the rest of the day's lines go to stderr only.

use std::io::{self, Write};

/// Bytes one day's log file may hold.
pub const DAILY_CAP: u64 = 20 * 1024 * 1024;
/// Daily files kept (older ones are deleted as days roll over).
pub const KEEP_FILES: usize = 7;

/// What to do with a line of `len` bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admit {
    Write,
    /// The cap is reached with this line: write the notice instead, then drop.
    Notice,
    Drop,
}

/// Bytes written today against the cap. Pure: the day is an input.
#[derive(Debug)]
pub struct DailyBudget {
    cap: u64,
    day: u64,
    used: u64,
    capped: bool,
}

impl DailyBudget {
    pub fn new(cap: u64) -> Self {
        Self {
            cap,
            day: 0,
            used: 0,
            capped: false,
        }
    }

    /// Accounts a line of `len` bytes on day `day` (days since the epoch, UTC).
    pub fn admit(&mut self, day: u64, len: usize) -> Admit {
        if day != self.day {
            *self = Self {
                day,
                ..Self::new(self.cap)
            };
        }
        if self.capped {
            return Admit::Drop;
        }
        let len = len as u64;
        if self.used + len > self.cap {
            self.capped = true;
            return Admit::Notice;
        }
        self.used += len;
        Admit::Write
    }
}

/// The notice written once when a day's cap is reached.
pub const NOTICE: &[u8] =
    b"-- log size cap reached for today: further lines go to stderr only, until midnight UTC --\n";

/// A writer that passes lines to `inner` within the daily budget.
pub struct Capped<W> {
    inner: W,
    budget: DailyBudget,
}

impl<W: Write> Capped<W> {
    pub fn new(inner: W, cap: u64) -> Self {
        Self {
            inner,
            budget: DailyBudget::new(cap),
        }
    }
}

fn today() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400)
}

impl<W: Write> Write for Capped<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self.budget.admit(today(), buf.len()) {
            Admit::Write => self.inner.write_all(buf)?,
            Admit::Notice => self.inner.write_all(NOTICE)?,
            Admit::Drop => {}
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_is_capped_once_and_the_next_day_starts_afresh() {
        let mut b = DailyBudget::new(100);
        let seen: Vec<Admit> = [
            (1, 60),
            (1, 40),
            (1, 1),
            (1, 1),
            (1, 50),
            (2, 90),
            (2, 20),
            (2, 5),
        ]
        .iter()
        .map(|&(day, len)| b.admit(day, len))
        .collect();
        use Admit::*;
        assert_eq!(
            seen,
            vec![Write, Write, Notice, Drop, Drop, Write, Notice, Drop]
        );
    }

    #[test]
    fn the_writer_keeps_the_file_under_the_cap() {
        let mut w = Capped::new(Vec::new(), 1000);
        for _ in 0..10_000 {
            w.write_all(b"device stream error: the speaker went away\n")
                .unwrap();
        }
        let written = w.inner;
        assert!(written.len() <= 1000 + NOTICE.len(), "{}", written.len());
        assert!(written.ends_with(NOTICE));
    }
}
