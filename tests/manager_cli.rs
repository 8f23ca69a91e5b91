//! `capm3 manager` as an operator runs it.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long a process may take to start or answer, or a host to reach a state, on a loaded
/// machine (a bound on waiting, not a timing assertion: these normally take seconds).
const WAIT_LIMIT: Duration = Duration::from_secs(120);

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port()
}

fn get(port: u16, path: &str) -> Option<u16> {
    fetch(port, path).map(|(status, _)| status)
}

/// The status and the whole response (headers and body).
fn fetch(port: u16, path: &str) -> Option<(u16, String)> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let status = response.split_whitespace().nth(1)?.parse().ok()?;
    Some((status, response))
}

#[tokio::test]
async fn health_metrics_and_a_clean_stop_on_sigterm() {
    let (_sandbox, kubeconfig, _) = sandbox("health", None).await;
    let (health, diagnostics) = (free_port(), free_port());
    let mut manager = Command::new(env!("CARGO_BIN_EXE_capm3"))
        .args([
            "manager",
            "--webhook-port",
            "0",
            "--health-addr",
            &format!("127.0.0.1:{health}"),
            "--diagnostics-address",
            &format!("127.0.0.1:{diagnostics}"),
            "--insecure-diagnostics",
            "--kubeconfig",
        ])
        .arg(&kubeconfig)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("manager starts");
    let deadline = Instant::now() + WAIT_LIMIT;
    while get(health, "/readyz") != Some(200) {
        assert!(Instant::now() < deadline, "never ready");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(get(health, "/healthz"), Some(200));
    let (status, metrics) = fetch(diagnostics, "/metrics").expect("metrics answer");
    assert_eq!(status, 200, "{metrics}");
    assert!(metrics.contains("text/plain; version=0.0.4"), "{metrics}");
    assert!(
        metrics.contains("\nmetal3_reconcile_error_total 0\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("# TYPE metal3_host_unmanaged_total counter"),
        "{metrics}"
    );
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

struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// An embedded API server in its own process, its kubeconfig and a client of it.
/// With `crds`, it serves the CRDs in that folder instead of capm3's and Cluster API's.
async fn sandbox(
    name: &str,
    crds: Option<&std::path::Path>,
) -> (Child, std::path::PathBuf, kube::Client) {
    let dir = std::env::temp_dir().join(format!("capm3-manager-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let kubeconfig = dir.join("kubeconfig");
    let _ = std::fs::remove_file(&kubeconfig);
    let api_port = free_port();
    let sandbox = Child(
        Command::new(env!("CARGO_BIN_EXE_capm3"))
            .args([
                "sandbox",
                "--api-only",
                "--listen",
                &format!("127.0.0.1:{api_port}"),
                "--kubeconfig-out",
            ])
            .arg(&kubeconfig)
            .args(
                crds.map(|dir| [std::ffi::OsStr::new("--crds"), dir.as_os_str()])
                    .into_iter()
                    .flatten(),
            )
            .stdout(Stdio::null())
            .spawn()
            .expect("sandbox"),
    );
    let deadline = Instant::now() + WAIT_LIMIT;
    while !(kubeconfig.exists() && std::net::TcpStream::connect(("127.0.0.1", api_port)).is_ok()) {
        assert!(Instant::now() < deadline, "sandbox did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let config = kube::Config::from_custom_kubeconfig(
        kube::config::Kubeconfig::read_from(&kubeconfig).expect("kubeconfig"),
        &Default::default(),
    )
    .await
    .expect("config");
    let client = kube::Client::try_from(config).expect("client");
    (sandbox, kubeconfig, client)
}

#[tokio::test]
async fn leader_election_takes_and_releases_the_lease() {
    let (_sandbox, kubeconfig, client) = sandbox("leader", None).await;
    let mut manager = Child(
        Command::new(env!("CARGO_BIN_EXE_capm3"))
            .args([
                "manager",
                "--leader-elect",
                "--webhook-port",
                "0",
                "--health-addr",
                "127.0.0.1:0",
                "--diagnostics-address",
                "127.0.0.1:0",
                "--kubeconfig",
            ])
            .arg(&kubeconfig)
            .env("POD_NAMESPACE", "default")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("manager"),
    );
    let holder = || lease_holder(&client);
    let deadline = Instant::now() + WAIT_LIMIT;
    while holder().await.is_none() {
        assert!(
            Instant::now() < deadline,
            "the manager never took the Lease"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = Command::new("kill")
        .args(["-TERM", &manager.0.id().to_string()])
        .status();
    assert!(manager.0.wait().expect("exits").success());
    assert_eq!(holder().await, None, "the Lease is released on SIGTERM");
}

#[tokio::test]
async fn metrics_need_a_token_that_rbac_allows() {
    use kube::api::{Api, DynamicObject, PostParams};
    let (_sandbox, kubeconfig, client) = sandbox("metrics", None).await;
    let create = |api_version: &str, kind: &str, plural: &str, object: serde_json::Value| {
        let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
        let resource = kube::discovery::ApiResource {
            group: group.into(),
            version: version.into(),
            api_version: api_version.into(),
            kind: kind.into(),
            plural: plural.into(),
        };
        let namespaced = kind == "Secret";
        let api: Api<DynamicObject> = if namespaced {
            Api::namespaced_with(client.clone(), "default", &resource)
        } else {
            Api::all_with(client.clone(), &resource)
        };
        let mut object = object;
        object["apiVersion"] = api_version.into();
        object["kind"] = kind.into();
        async move {
            api.create(
                &PostParams::default(),
                &serde_json::from_value(object).expect("object"),
            )
            .await
            .expect("created");
        }
    };
    for (account, token) in [("prometheus", "cHJvbQ=="), ("nobody", "bm9ib2R5")] {
        create(
            "v1",
            "Secret",
            "secrets",
            serde_json::json!({
                "metadata": {"name": format!("{account}-token"),
                             "annotations": {"kubernetes.io/service-account.name": account}},
                "type": "kubernetes.io/service-account-token", "data": {"token": token},
            }),
        )
        .await;
    }
    create(
        "rbac.authorization.k8s.io/v1",
        "ClusterRole",
        "clusterroles",
        serde_json::json!({
            "metadata": {"name": "capm3-metrics-reader"},
            "rules": [{"nonResourceURLs": ["/metrics"], "verbs": ["get"]}],
        }),
    )
    .await;
    create("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "clusterrolebindings", serde_json::json!({
        "metadata": {"name": "prometheus-capm3-metrics"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "capm3-metrics-reader"},
        "subjects": [{"kind": "ServiceAccount", "name": "prometheus", "namespace": "default"}],
    }))
    .await;

    let diagnostics = free_port();
    let _manager = Child(
        Command::new(env!("CARGO_BIN_EXE_capm3"))
            .args([
                "manager",
                "--webhook-port",
                "0",
                "--health-addr",
                "127.0.0.1:0",
                "--diagnostics-address",
                &format!("127.0.0.1:{diagnostics}"),
                "--kubeconfig",
            ])
            .arg(&kubeconfig)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("manager"),
    );
    // The certificate is self-signed, as upstream's.
    let http = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .build()
        .expect("client");
    let url = format!("https://127.0.0.1:{diagnostics}/metrics");
    let scrape = |token: Option<&'static str>| {
        let mut request = http.get(&url);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        async move {
            let response = request.send().await.ok()?;
            Some((response.status().as_u16(), response.text().await.ok()?))
        }
    };
    let deadline = Instant::now() + WAIT_LIMIT;
    while scrape(None).await.is_none() {
        assert!(Instant::now() < deadline, "metrics never served");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(scrape(None).await.map(|r| r.0), Some(401), "no token");
    assert_eq!(
        scrape(Some("wrong")).await.map(|r| r.0),
        Some(401),
        "bad token"
    );
    let (status, body) = scrape(Some("nobody")).await.expect("answer");
    assert_eq!(status, 403, "{body}");
    assert!(
        body.contains("system:serviceaccount:default:nobody"),
        "{body}"
    );
    let (status, body) = scrape(Some("prom")).await.expect("answer");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("metal3_reconcile_error_total 0"), "{body}");
}

#[tokio::test]
async fn not_ready_until_the_watch_caches_sync() {
    // A cluster without capm3's CRDs: nothing can be listed, so the caches never sync — the
    // shared host and machine caches, and the IPAM controller's own (the only ones with
    // --controllers=ipam).
    for (name, groups) in [
        ("unready", "capm3,baremetalhost,ipam"),
        ("unready-ipam", "ipam"),
    ] {
        never_ready(name, groups).await;
    }
}

async fn never_ready(name: &str, groups: &str) {
    let empty = std::env::temp_dir().join(format!("capm3-no-crds-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&empty).expect("dir");
    let (_sandbox, kubeconfig, _) = sandbox(name, Some(&empty)).await;
    let health = free_port();
    let _manager = Child(
        Command::new(env!("CARGO_BIN_EXE_capm3"))
            .args([
                "manager",
                "--controllers",
                groups,
                "--webhook-port",
                "0",
                "--health-addr",
                &format!("127.0.0.1:{health}"),
                "--diagnostics-address",
                "127.0.0.1:0",
                "--kubeconfig",
            ])
            .arg(&kubeconfig)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("manager"),
    );
    let deadline = Instant::now() + WAIT_LIMIT;
    while get(health, "/healthz") != Some(200) {
        assert!(Instant::now() < deadline, "never healthy");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Give the watches time to fail a few times.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (status, body) = fetch(health, "/readyz").expect("answer");
    assert_eq!(status, 503, "{groups}: {body}");
    assert!(body.contains("watch caches not synced"), "{groups}: {body}");
    let _ = std::fs::remove_dir_all(&empty);
}

#[tokio::test]
async fn the_manager_waits_for_ironic_then_runs_the_baremetalhost_operator() {
    use capm3::api::bmo::v1alpha1::BareMetalHost;
    use capm3::sandbox::ironic::{Simulator, knobs::Knobs};
    let (_sandbox, kubeconfig, client) = sandbox("bmh", None).await;
    // Ironic is not up yet when the manager starts.
    let ironic_port = free_port();
    let _manager = Child(
        Command::new(env!("CARGO_BIN_EXE_capm3"))
            .args([
                "manager",
                "--controllers=baremetalhost",
                "--enable-fake-hardware",
            ])
            .args(["--webhook-port", "0", "--health-addr", "127.0.0.1:0"])
            .args([
                "--diagnostics-address",
                "127.0.0.1:0",
                "--insecure-diagnostics",
            ])
            .args([
                "--ironic-endpoint",
                &format!("http://127.0.0.1:{ironic_port}/v1"),
            ])
            .args(["--deploy-kernel-url", "http://127.0.0.1/ipa.kernel"])
            .args(["--deploy-ramdisk-url", "http://127.0.0.1/ipa.initramfs"])
            .arg("--kubeconfig")
            .arg(&kubeconfig)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("manager"),
    );
    common::enrol_fake_host(&client, "default", "worker-0", "52:54:00:00:00:01").await;
    let hosts: kube::Api<BareMetalHost> = kube::Api::namespaced(client, "default");
    let _ironic = Simulator::start(
        format!("127.0.0.1:{ironic_port}").parse().expect("addr"),
        Knobs::default(),
    )
    .await
    .expect("simulator");
    common::wait_for_host(&hosts, "worker-0", "available", WAIT_LIMIT, |host| {
        common::provisioning_state(host) == Some("available")
    })
    .await;
}

/// Who holds the manager's leader-election Lease in `default`, if anyone.
async fn lease_holder(client: &kube::Client) -> Option<String> {
    use k8s_openapi::api::coordination::v1::Lease;
    kube::Api::<Lease>::namespaced(client.clone(), "default")
        .get_opt("controller-leader-election-capm3")
        .await
        .ok()
        .flatten()
        .and_then(|lease| lease.spec?.holder_identity)
}

/// The sum of a metric's samples whose labels contain `labels` (0 when it has none).
fn metric_sum(metrics: &str, name: &str, labels: &str) -> f64 {
    metrics
        .lines()
        .filter(|line| line.starts_with(&format!("{name}{{")) && line.contains(labels))
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// A manager standing for election under its own name, running the BareMetalHost operator.
fn elected_manager(name: &str, kubeconfig: &std::path::Path, ironic: &str, metrics: u16) -> Child {
    Child(
        Command::new(env!("CARGO_BIN_EXE_capm3"))
            .args([
                "manager",
                "--controllers=baremetalhost",
                "--enable-fake-hardware",
            ])
            .args(["--leader-elect", "--leader-elect-lease-duration=3s"])
            .args([
                "--leader-elect-renew-deadline=2s",
                "--leader-elect-retry-period=1s",
            ])
            .args(["--webhook-port", "0", "--health-addr", "127.0.0.1:0"])
            .args(["--diagnostics-address", &format!("127.0.0.1:{metrics}")])
            .args(["--insecure-diagnostics", "--ironic-endpoint", ironic])
            .args(["--deploy-kernel-url", "http://127.0.0.1/ipa.kernel"])
            .args(["--deploy-ramdisk-url", "http://127.0.0.1/ipa.initramfs"])
            .arg("--kubeconfig")
            .arg(kubeconfig)
            .env("POD_NAMESPACE", "default")
            .env("HOSTNAME", name)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("manager"),
    )
}

#[tokio::test]
async fn only_the_leader_reconciles_and_a_standby_takes_over_when_it_dies() {
    use capm3::api::bmo::v1alpha1::BareMetalHost;
    use capm3::sandbox::ironic::{Simulator, knobs::Knobs};
    const HOSTS: usize = 3;
    let (_sandbox, kubeconfig, client) = sandbox("failover", None).await;
    let ironic = Simulator::start("127.0.0.1:0".parse().expect("addr"), Knobs::default())
        .await
        .expect("simulator");
    let ports = [free_port(), free_port()];
    let mut managers = [
        Some(elected_manager(
            "manager-a",
            &kubeconfig,
            &ironic.url(),
            ports[0],
        )),
        Some(elected_manager(
            "manager-b",
            &kubeconfig,
            &ironic.url(),
            ports[1],
        )),
    ];
    let holder = || lease_holder(&client);
    let deadline = Instant::now() + WAIT_LIMIT;
    let leader = loop {
        if let Some(identity) = holder().await {
            break usize::from(identity.starts_with("manager-b_"));
        }
        assert!(Instant::now() < deadline, "nobody took the Lease");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let standby = 1 - leader;

    let hosts: kube::Api<BareMetalHost> = kube::Api::namespaced(client.clone(), "default");
    for i in 0..HOSTS {
        let name = format!("worker-{i}");
        common::enrol_fake_host(&client, "default", &name, &format!("52:54:00:00:01:0{i}")).await;
    }
    for i in 0..HOSTS {
        common::wait_for_host(
            &hosts,
            &format!("worker-{i}"),
            "available",
            WAIT_LIMIT,
            |host| common::provisioning_state(host) == Some("available"),
        )
        .await;
    }
    let scrape = |port: u16| {
        fetch(port, "/metrics")
            .map(|(_, body)| body)
            .unwrap_or_default()
    };
    let (led, stood) = (scrape(ports[leader]), scrape(ports[standby]));
    let reconciles = |metrics: &str| {
        metric_sum(
            metrics,
            "controller_runtime_reconcile_total",
            "controller=\"baremetalhost\"",
        )
    };
    assert!(reconciles(&led) > 0.0, "the leader reconciled:\n{led}");
    assert_eq!(reconciles(&stood), 0.0, "the standby did not:\n{stood}");
    // Sensible values after the scenario: every host went through registering and
    // inspecting, and Ironic was called for nodes.
    assert!(
        metric_sum(
            &led,
            "metal3_provisioning_state_change_total",
            "new_state=\"available\""
        ) >= HOSTS as f64,
        "{led}"
    );
    assert!(
        metric_sum(
            &led,
            "capm3_ironic_requests_total",
            "endpoint=\"/v1/nodes\""
        ) > 0.0,
        "{led}"
    );
    assert!(
        metric_sum(
            &led,
            "controller_runtime_reconcile_time_seconds_count",
            "baremetalhost"
        ) > 0.0,
        "{led}"
    );

    // The leader dies without releasing the Lease; the standby provisions the hosts.
    managers[leader] = None;
    for i in 0..HOSTS {
        hosts
            .patch(
                &format!("worker-{i}"),
                &kube::api::PatchParams::default(),
                &kube::api::Patch::Merge(serde_json::json!({"spec": {"image": {
                    "url": "http://127.0.0.1/image.qcow2", "checksum": "http://127.0.0.1/image.qcow2.sha256sum"}}})),
            )
            .await
            .expect("image set");
    }
    for i in 0..HOSTS {
        common::wait_for_host(
            &hosts,
            &format!("worker-{i}"),
            "provisioned",
            WAIT_LIMIT,
            |host| common::provisioning_state(host) == Some("provisioned"),
        )
        .await;
    }
    assert!(
        holder()
            .await
            .is_some_and(|h| h.starts_with(["manager-a_", "manager-b_"][standby]))
    );
    assert!(reconciles(&scrape(ports[standby])) > 0.0);
    assert_eq!(
        ironic.ironic.node_count(),
        HOSTS,
        "no host was registered twice"
    );
    drop(managers);
}
