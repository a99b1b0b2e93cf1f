//! `peercall-netem [--queue N] [--seed S] [--stats-json PATH] [--ready-file PATH]
//! [--shared-rate] -- <netem spec…>`
//!
//! Impairs the packets an iptables NFQUEUE rule hands it (see `docs/netem.md`; the usual way
//! to run it is `scripts/netem-run.sh`). Stops on SIGTERM/SIGINT and prints a one-line summary
//! to stderr. `rate` and `limit` apply per flow (each UDP/TCP sender has its own queue, so
//! each direction of a call gets the full rate) unless `--shared-rate`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use peercall_netem::{driver, Impairment, Spec};

#[derive(Debug, Parser)]
#[command(
    name = "peercall-netem",
    about = "netem-like network emulator over an iptables NFQUEUE",
    after_help = "Example: peercall-netem --seed 7 -- delay 50ms 20ms distribution normal loss 5%\n\
                  Spec syntax: docs/netem.md (delay, distribution, loss, loss gemodel, rate, limit)."
)]
struct Args {
    /// NFQUEUE number the iptables rule sends packets to.
    #[arg(long, default_value_t = 0)]
    queue: u16,
    /// Seed of the impairment's random choices (default: from the clock).
    #[arg(long, env = "NETEM_SEED")]
    seed: Option<u64>,
    /// Write statistics as JSON here at exit.
    #[arg(long)]
    stats_json: Option<PathBuf>,
    /// Create this file once the queue is bound (for scripts waiting to start traffic).
    #[arg(long)]
    ready_file: Option<PathBuf>,
    /// Keep normal scheduling (by default the emulator asks for SCHED_FIFO priority 10 so
    /// that a loaded machine does not delay its releases).
    #[arg(long)]
    no_realtime: bool,
    /// One `rate` queue and one `limit` for all packets, as one link shared by both
    /// directions of a call (default: one per flow, i.e. per UDP/TCP sender, so that each
    /// direction gets the full rate, like netem on each side's uplink).
    /// NETEM_SHARED_RATE=1 does the same (0, false, no, off or empty: per flow).
    #[arg(
        long,
        env = "NETEM_SHARED_RATE",
        value_parser = clap::builder::FalseyValueParser::new()
    )]
    shared_rate: bool,
    /// Parse and print the spec, then exit (no queue needed).
    #[arg(long)]
    check: bool,
    /// netem's options, e.g. `delay 50ms 10ms distribution normal loss 5% rate 2mbit`.
    #[arg(last = true, allow_hyphen_values = true)]
    spec: Vec<String>,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let args = Args::parse();
    let spec = match Spec::parse(&args.spec) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("peercall-netem: {e}");
            return ExitCode::from(2);
        }
    };
    if args.check {
        println!("{spec}");
        return ExitCode::SUCCESS;
    }
    let seed = args.seed.unwrap_or_else(clock_seed);
    let model = Impairment::new(spec.clone(), seed).shared_rate(args.shared_rate);
    if !args.no_realtime {
        driver::raise_priority();
    }
    let ready_file = args.ready_file.clone();
    let result = driver::run(args.queue, model, || {
        if let Some(path) = &ready_file {
            if let Err(e) = std::fs::write(path, format!("{}\n", std::process::id())) {
                eprintln!("peercall-netem: writing {}: {e}", path.display());
            }
        }
    });
    let stats = match result {
        Ok(s) => s,
        Err(e) => {
            eprintln!("peercall-netem: {e}");
            return ExitCode::FAILURE;
        }
    };
    let scope = if args.shared_rate {
        "one shared queue".to_string()
    } else {
        let n = stats.flows.len();
        format!("per-flow queues, {n} flow{}", if n == 1 { "" } else { "s" })
    };
    eprintln!("{} [{spec}, {scope}, seed {seed}]", stats.summary());
    if let Some(path) = &args.stats_json {
        let json = stats.to_json(&spec.to_string(), seed, args.queue, args.shared_rate);
        let text = serde_json::to_string_pretty(&json).unwrap_or_else(|_| json.to_string());
        if let Err(e) = std::fs::write(path, text + "\n") {
            eprintln!("peercall-netem: writing {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

fn clock_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    nanos ^ u64::from(std::process::id()).rotate_left(32)
}
