//! Benchmark, not a check (ignored by default): call setup time through the NAT lab per
//! NAT pair and path — offer → connected and offer → first frame, as the caller's report
//! measures them — over a few calls each, printed as a table for `BENCHMARKS.md`:
//!
//! `cargo test -p peercall-agent --test nat_setup_figures -- --ignored --nocapture`
//! (`NAT_FIGURE_RUNS`, default 5, calls per pair).

mod common;
use common::labcall::{call_between, Outcome};
use common::natlab::{Nat, NatLab, PROGRAMS};
use common::netns::prerequisites;

/// One measured call: (offer → connected, offer → first frame, the caller's path).
fn figures(o: &Outcome) -> Option<(f64, f64, String)> {
    let setup = &o.report["setupMs"];
    let path = &o.report["network"]["path"];
    Some((
        setup["offerToConnected"].as_f64()?,
        setup["offerToFirstFrame"].as_f64()?,
        format!(
            "{} → {}",
            path["local"].as_str()?,
            path["remote"].as_str().unwrap_or("?")
        ),
    ))
}

fn median_min_max(v: &mut [f64]) -> String {
    if v.is_empty() {
        return "–".into();
    }
    v.sort_by(f64::total_cmp);
    format!("{:.0} ({:.0}–{:.0})", v[v.len() / 2], v[0], v[v.len() - 1])
}

#[test]
#[ignore = "benchmark: prints figures, run by hand"]
fn nat_setup_figures() {
    if !prerequisites("nat_setup_figures", PROGRAMS) {
        return;
    }
    let runs: usize = std::env::var("NAT_FIGURE_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let cases: [(&str, Nat, Nat, &[&str]); 4] = [
        ("cone ↔ cone", Nat::Cone, Nat::Cone, &[]),
        ("symmetric ↔ cone", Nat::Symmetric, Nat::Cone, &[]),
        ("symmetric ↔ symmetric", Nat::Symmetric, Nat::Symmetric, &[]),
        (
            "cone ↔ cone, caller relay-only",
            Nat::Cone,
            Nat::Cone,
            &["--relay-only"],
        ),
    ];
    println!("| NAT pair (caller ↔ callee) | caller's path (local → remote) | offer → connected, ms | offer → first frame, ms | connected |");
    println!("|---|---|---|---|---|");
    for (name, nat_a, nat_b, alice_extra) in cases {
        let lab = NatLab::up(nat_a, nat_b);
        let (mut connected, mut first_frame, mut paths) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..runs {
            let (a, _b) = call_between(&lab.a, &lab.b, &NatLab::server_url(), alice_extra, &[]);
            if let Some((c, f, p)) = figures(&a) {
                connected.push(c);
                first_frame.push(f);
                if !paths.contains(&p) {
                    paths.push(p);
                }
            }
        }
        println!(
            "| {name} | {} | {} | {} | {}/{runs} |",
            paths.join(", "),
            median_min_max(&mut connected),
            median_min_max(&mut first_frame),
            connected.len()
        );
    }
}
