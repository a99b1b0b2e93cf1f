// Keep a console on Linux (logs go to stderr); hide it on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use clap::Parser;

/// Peercall: peer-to-peer video calls.
#[derive(Debug, Parser)]
#[command(name = "peercall", version, about)]
struct Cli {}

fn main() {
    // `--version` and `--help` are answered here, before any window opens.
    let _cli = Cli::parse();
    // Before any thread starts: it may set an environment variable for WebKit.
    peercall_app::webkit_renderer::choose();
    if let Err(err) = peercall_app::run() {
        eprintln!("peercall: {err}");
        std::process::exit(1);
    }
}
