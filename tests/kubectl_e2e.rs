//! kubectl against `capm3 sandbox --api-only`, as a person would use it.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

struct Sandbox {
    child: Child,
    kubeconfig: PathBuf,
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn kubectl_available() -> bool {
    let found = Command::new("kubectl")
        .arg("version")
        .arg("--client")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        eprintln!("SKIPPED: kubectl is not installed on this machine");
    }
    found
}

fn start_sandbox(dir: &Path, extra_args: &[&str]) -> Sandbox {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let kubeconfig = dir.join("sandbox.kubeconfig");
    let child = Command::new(env!("CARGO_BIN_EXE_capm3"))
        .args([
            "sandbox",
            "--api-only",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--kubeconfig-out",
        ])
        .arg(&kubeconfig)
        .args(extra_args)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("capm3 starts");
    let sandbox = Sandbox { child, kubeconfig };
    let deadline = Instant::now() + Duration::from_secs(30);
    while !(sandbox.kubeconfig.exists()
        && std::net::TcpStream::connect(("127.0.0.1", port)).is_ok())
    {
        assert!(Instant::now() < deadline, "the sandbox did not come up");
        std::thread::sleep(Duration::from_millis(50));
    }
    sandbox
}

fn kubectl(sandbox: &Sandbox, args: &[&str]) -> Output {
    Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(&sandbox.kubeconfig)
        .args(args)
        .output()
        .expect("kubectl runs")
}

fn ok(sandbox: &Sandbox, args: &[&str]) -> String {
    let out = kubectl(sandbox, args);
    assert!(
        out.status.success(),
        "kubectl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn kubectl_drives_the_sandbox_api_server() {
    if !kubectl_available() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("capm3-kubectl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let sandbox = start_sandbox(&dir, &[]);
    let fixtures =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/manifests/baremetalhosts.yaml");
    let fixtures = fixtures.to_str().expect("utf-8 path");

    let applied = ok(&sandbox, &["apply", "-f", fixtures]);
    assert!(
        applied.contains("baremetalhost.metal3.io/node-0 created"),
        "{applied}"
    );
    assert!(ok(&sandbox, &["apply", "-f", fixtures]).contains("node-0 unchanged"));

    let table = ok(&sandbox, &["get", "bmh"]);
    let header: Vec<&str> = table
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    assert_eq!(
        header,
        ["NAME", "STATE", "CONSUMER", "ONLINE", "ERROR", "AGE"]
    );
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("node-2") && l.contains("test1-controlplane-abcde")),
        "{table}"
    );

    let yaml = ok(&sandbox, &["get", "bmh", "node-0", "-o", "yaml"]);
    assert!(
        yaml.contains("address: redfish-virtualmedia://127.0.0.1:8000/redfish/v1/Systems/1"),
        "{yaml}"
    );
    assert!(yaml.contains("automatedCleaningMode: metadata"));

    // kubectl patch does not ask for strict validation: an unknown field is dropped.
    let typo = kubectl(
        &sandbox,
        &[
            "patch",
            "bmh",
            "node-0",
            "--type",
            "merge",
            "-p",
            r#"{"spec":{"onlin":false}}"#,
        ],
    );
    assert!(
        typo.status.success(),
        "{}",
        String::from_utf8_lossy(&typo.stderr)
    );
    assert!(!ok(&sandbox, &["get", "bmh", "node-0", "-o", "yaml"]).contains("onlin:"));
    // kubectl apply does: the server refuses the unknown field.
    let strict = Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(&sandbox.kubeconfig)
        .args(["apply", "-f", "-"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            let manifest = "apiVersion: metal3.io/v1alpha1\nkind: BareMetalHost\nmetadata:\n  name: typo\nspec:\n  online: true\n  onlin: false\n";
            child.stdin.take().map(|mut stdin| stdin.write_all(manifest.as_bytes()));
            child.wait_with_output()
        })
        .expect("kubectl apply runs");
    assert!(
        String::from_utf8_lossy(&strict.stderr)
            .contains("strict decoding error: unknown field \"spec.onlin\""),
        "{}",
        String::from_utf8_lossy(&strict.stderr)
    );
    ok(
        &sandbox,
        &[
            "patch",
            "bmh",
            "node-0",
            "--type",
            "merge",
            "-p",
            r#"{"spec":{"online":false}}"#,
        ],
    );
    assert_eq!(
        ok(
            &sandbox,
            &["get", "bmh", "node-0", "-o", "jsonpath={.spec.online}"]
        ),
        "false"
    );

    // kubectl wait sees a change made after it started.
    let waiter = Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(&sandbox.kubeconfig)
        .args([
            "wait",
            "bmh/node-1",
            "--for=jsonpath={.spec.online}=false",
            "--timeout=30s",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kubectl wait starts");
    std::thread::sleep(Duration::from_millis(500));
    ok(
        &sandbox,
        &[
            "patch",
            "bmh",
            "node-1",
            "--type",
            "merge",
            "-p",
            r#"{"spec":{"online":false}}"#,
        ],
    );
    let waited = waiter.wait_with_output().expect("kubectl wait ends");
    assert!(
        waited.status.success(),
        "kubectl wait: {}",
        String::from_utf8_lossy(&waited.stderr)
    );

    // Deletion waits for finalizers.
    ok(
        &sandbox,
        &[
            "patch",
            "bmh",
            "node-3",
            "--type",
            "merge",
            "-p",
            r#"{"metadata":{"finalizers":["example.com/hold"]}}"#,
        ],
    );
    ok(&sandbox, &["delete", "bmh", "node-3", "--wait=false"]);
    let held = ok(
        &sandbox,
        &[
            "get",
            "bmh",
            "node-3",
            "-o",
            "jsonpath={.metadata.deletionTimestamp}",
        ],
    );
    assert!(
        !held.is_empty(),
        "deletionTimestamp set while a finalizer holds the host"
    );
    ok(
        &sandbox,
        &[
            "patch",
            "bmh",
            "node-3",
            "--type",
            "json",
            "-p",
            r#"[{"op":"remove","path":"/metadata/finalizers"}]"#,
        ],
    );
    let gone = kubectl(&sandbox, &["get", "bmh", "node-3"]);
    assert!(
        !gone.status.success() && String::from_utf8_lossy(&gone.stderr).contains("NotFound"),
        "node-3 is gone"
    );

    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn kubectl_over_tls_trusts_the_kubeconfigs_ca() {
    if !kubectl_available() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("capm3-kubectl-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let sandbox = start_sandbox(&dir, &["--tls"]);
    let namespaces = ok(&sandbox, &["get", "namespaces", "-o", "name"]);
    assert!(namespaces.contains("namespace/default"), "{namespaces}");
    let _ = std::fs::remove_dir_all(&dir);
}
