//! A real coturn (`turnserver`) on 127.0.0.1 with TURN REST credentials
//! (`use-auth-secret`), relaying between loopback peers; stopped when dropped. Its log is
//! read to see what it did (allocations, refreshes, refusals).

use std::net::UdpSocket;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use peercall_engine::session::IceServerConfig;
use peercall_signal::server::turn::turn_credentials;

const SECRET: &str = "peercall-engine-tests";

pub struct Coturn {
    child: Child,
    dir: PathBuf,
    pub port: u16,
}

impl Drop for Coturn {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Coturn {
    /// Starts coturn on a free loopback port; waits until it listens.
    pub fn start() -> Coturn {
        let port = UdpSocket::bind("127.0.0.1:0")
            .and_then(|s| s.local_addr())
            .expect("a free port")
            .port();
        let dir =
            std::env::temp_dir().join(format!("peercall-coturn-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("coturn dir");
        let conf = [
            "listening-ip=127.0.0.1".to_owned(),
            "relay-ip=127.0.0.1".to_owned(),
            format!("listening-port={port}"),
            "realm=peercall.test".to_owned(),
            "use-auth-secret".to_owned(),
            format!("static-auth-secret={SECRET}"),
            "allow-loopback-peers".to_owned(),
            "fingerprint".to_owned(),
            "no-tls".to_owned(),
            "no-dtls".to_owned(),
            "no-cli".to_owned(),
            format!("userdb={}", dir.join("turndb").display()),
            format!("pidfile={}", dir.join("turn.pid").display()),
            "log-file=stdout".to_owned(),
            "simple-log".to_owned(),
            "verbose".to_owned(),
        ];
        let path = dir.join("turnserver.conf");
        std::fs::write(&path, conf.join("\n") + "\n").expect("coturn configuration");
        let out = std::fs::File::create(dir.join("turn.log")).expect("coturn log");
        let err = out.try_clone().expect("coturn log");
        let child = Command::new("turnserver")
            .arg("-c")
            .arg(&path)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .expect("turnserver runs (apt-get install coturn)");
        let coturn = Coturn { child, dir, port };
        let end = Instant::now() + Duration::from_secs(20);
        while !coturn.log().contains("UDP listener opened on: 127.0.0.1") {
            assert!(
                Instant::now() < end,
                "coturn did not start: {}",
                coturn.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        coturn
    }

    /// What coturn logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("turn.log")).unwrap_or_default()
    }

    /// The log lines about `username`'s requests.
    pub fn lines_of(&self, username: &str) -> Vec<String> {
        let needle = format!("user <{username}>");
        self.log()
            .lines()
            .filter(|l| l.contains(&needle))
            .map(str::to_owned)
            .collect()
    }

    /// A TURN server entry with credentials for `name` that expire `ttl` from now
    /// (as the signaling server mints them), and the username.
    pub fn server(&self, name: &str, ttl: Duration) -> (IceServerConfig, String) {
        let (username, credential) = turn_credentials(SECRET, &name.into(), SystemTime::now(), ttl);
        let server = IceServerConfig {
            urls: vec![format!("turn:127.0.0.1:{}?transport=udp", self.port)],
            username: Some(username.clone()),
            credential: Some(credential),
        };
        (server, username)
    }
}
