//! `peercall-signal`: the standalone signaling server.

use clap::Parser;
use peercall_signal::server::cli::Args;
use peercall_signal::server::Server;
use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    // Logs go to stderr; stdout carries only the URLs.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    // Many clients need many descriptors; raise the soft limit to the hard one.
    if let Err(e) = rlimit::increase_nofile_limit(u64::MAX) {
        tracing::warn!("could not raise the file-descriptor limit: {e}");
    }
    let config = match Args::parse().into_config() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("peercall-signal: {e}");
            return ExitCode::from(2);
        }
    };
    let tls = config.tls.is_some();
    let server = match Server::bind(config).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("peercall-signal: {e}");
            return ExitCode::FAILURE;
        }
    };
    print_urls(server.local_addr(), tls);
    wait_for_signal().await;
    tracing::info!("shutting down: closing every connection");
    server.shutdown().await;
    ExitCode::SUCCESS
}

/// Prints the URLs clients can use: loopback and each LAN address.
fn print_urls(addr: SocketAddr, tls: bool) {
    let scheme = if tls { "wss" } else { "ws" };
    let port = addr.port();
    let mut ips: Vec<IpAddr> = Vec::new();
    if addr.ip().is_unspecified() {
        if let Ok(ifaces) = if_addrs::get_if_addrs() {
            ips.extend(
                ifaces
                    .iter()
                    .map(|i| i.ip())
                    .filter(|ip| ip.is_ipv4() == addr.is_ipv4()),
            );
        }
        ips.sort_by_key(|ip| !ip.is_loopback());
    } else {
        ips.push(addr.ip());
    }
    println!(
        "peercall-signal {} listening; clients can use:",
        env!("CARGO_PKG_VERSION")
    );
    for ip in ips {
        println!("  {scheme}://{}/ws", SocketAddr::new(ip, port));
    }
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
