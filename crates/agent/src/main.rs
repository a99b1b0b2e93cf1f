//! `peercall-agent`: a headless Peercall client that places or answers calls and
//! measures them (setup time, frames, glass-to-glass latency, tone, CPU, RSS).

mod audio_gaps;
mod audio_report;
mod av_sync;
mod chat;
mod cli;
mod doctor;
mod keyframe_ask;
mod measure;
mod pause;
mod procstat;
mod report;
mod run;
mod smoothness;
mod speaker_heard;
mod speaker_monitor;
mod ticks;

use std::process::ExitCode;

use clap::Parser;

use cli::Args;
use report::Outcome;

fn list_devices() {
    println!("cameras:");
    for c in peercall_media::camera::list_cameras() {
        println!("  {}\t{}", c.id, c.name);
    }
    println!("microphones:");
    for m in peercall_media::audio::list_microphones() {
        println!("  {}\t{}", m.id, m.name);
    }
    println!("speakers:");
    for s in peercall_media::audio::list_speakers() {
        println!("  {}\t{}", s.id, s.name);
    }
}

/// Whether the run did what was asked: a call for callers and auto-answerers, the
/// refusal for `--reject` / `--busy`.
fn succeeded(args: &Args, result: Outcome) -> bool {
    match result {
        Outcome::Ok => true,
        Outcome::Rejected => args.reject,
        Outcome::Busy => args.busy,
        Outcome::Timeout | Outcome::Failed => false,
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
                tracing_subscriber::EnvFilter::new("info,webrtc=warn,rtc=warn")
            }),
        )
        .init();
    if args.list_devices {
        list_devices();
        return ExitCode::SUCCESS;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("peercall-agent: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    if args.doctor {
        return runtime.block_on(doctor::run(&args));
    }
    let report = runtime.block_on(run::run(&args));
    if args.report.is_some() {
        match serde_json::to_string(&report) {
            Ok(json) => println!("{json}"),
            Err(e) => eprintln!("peercall-agent: report: {e}"),
        }
    }
    if succeeded(&args, report.result) {
        ExitCode::SUCCESS
    } else {
        let reason = report.reason.as_deref().unwrap_or("failed");
        eprintln!("peercall-agent: {:?}: {reason}", report.result);
        ExitCode::FAILURE
    }
}
