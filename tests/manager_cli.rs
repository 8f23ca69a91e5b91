//! `capm3 manager` as an operator runs it.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port()
}

fn get(port: u16, path: &str) -> Option<u16> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    response.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn health_endpoints_and_a_clean_stop_on_sigterm() {
    let health = free_port();
    let mut manager = Command::new(env!("CARGO_BIN_EXE_capm3"))
        .args([
            "manager",
            "--webhook-port",
            "0",
            "--health-addr",
            &format!("127.0.0.1:{health}"),
            "--diagnostics-address",
            "127.0.0.1:0",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("manager starts");
    let deadline = Instant::now() + Duration::from_secs(30);
    while get(health, "/readyz") != Some(200) {
        assert!(Instant::now() < deadline, "never ready");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(get(health, "/healthz"), Some(200));
    // SIGTERM, as Kubernetes stops a pod.
    let _ = Command::new("kill")
        .args(["-TERM", &manager.id().to_string()])
        .status();
    let status = manager.wait().expect("exits");
    assert!(status.success(), "{status:?}");
}

#[test]
fn a_missing_webhook_certificate_is_a_clear_error() {
    let output = Command::new(env!("CARGO_BIN_EXE_capm3"))
        .args([
            "manager",
            "--webhook-port",
            &free_port().to_string(),
            "--webhook-cert-dir",
            "/nonexistent/certs",
            "--health-addr",
            "127.0.0.1:0",
        ])
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot read /nonexistent/certs/tls.crt"),
        "{stderr}"
    );
}
