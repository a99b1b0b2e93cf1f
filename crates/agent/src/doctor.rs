//! `--doctor`: the engine's connectivity check on the agent's server, token and
//! devices, printed as text (or JSON with `--report json`).

use std::process::ExitCode;

use peercall_engine::doctor::{self, DoctorConfig};

use crate::cli::Args;
use crate::run::engine_config;

/// Runs the check; failure when a line failed.
pub async fn run(args: &Args) -> ExitCode {
    let config = DoctorConfig::for_engine(&engine_config(args));
    let lines = doctor::run(config).await;
    if args.report.is_some() {
        match serde_json::to_string(&lines) {
            Ok(json) => println!("{json}"),
            Err(e) => eprintln!("peercall-agent: report: {e}"),
        }
    } else {
        print!("{}", doctor::render_text(&lines));
    }
    if doctor::any_failed(&lines) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
