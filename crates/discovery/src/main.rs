//! `peercall-lan`: announce a Peercall server on the local network, or list the ones
//! found there (what the app does when it hosts for the network, and in its lobby).

use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use peercall_discovery::{Announcement, Announcer, Browser, FoundHost};

#[derive(Parser)]
#[command(
    version,
    about = "Announce or find Peercall hosts on the local network (mDNS / DNS-SD)"
)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Announce a server until stopped (SIGINT / SIGTERM say goodbye first).
    Announce {
        /// The name the others see.
        #[arg(long)]
        name: String,
        /// The signaling server's port.
        #[arg(long, default_value_t = 7788)]
        port: u16,
        /// The server speaks TLS (wss://).
        #[arg(long)]
        tls: bool,
    },
    /// Print the hosts found, as a JSON list, each time the list changes.
    Browse {
        /// Exit (0) once this many hosts are listed.
        #[arg(long)]
        until: Option<usize>,
        /// Give up (exit 1) after this many seconds.
        #[arg(long, default_value_t = 30)]
        timeout: u64,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Cmd::Announce { name, port, tls } => announce(Announcement { name, port, tls }).await,
        Cmd::Browse { until, timeout } => browse(until, Duration::from_secs(timeout)).await,
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("peercall-lan: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn announce(what: Announcement) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let announcer = Announcer::start(&what)?;
    println!("announcing {}", announcer.fullname());
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    drop(announcer);
    // The goodbye leaves from the daemon's thread: give it a moment before the process ends.
    tokio::time::sleep(Duration::from_millis(300)).await;
    Ok(ExitCode::SUCCESS)
}

async fn browse(
    until: Option<usize>,
    timeout: Duration,
) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let browser = Browser::start(None)?;
    let mut hosts = browser.hosts();
    let watch = async {
        loop {
            let now: Vec<FoundHost> = hosts.borrow_and_update().clone();
            println!("{}", serde_json::to_string(&now)?);
            if until.is_some_and(|n| now.len() >= n) {
                return Ok::<_, serde_json::Error>(());
            }
            if hosts.changed().await.is_err() {
                return Ok(());
            }
        }
    };
    match tokio::time::timeout(timeout, watch).await {
        Ok(done) => done.map(|()| ExitCode::SUCCESS).map_err(Into::into),
        Err(_) => Ok(ExitCode::FAILURE),
    }
}
