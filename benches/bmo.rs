//! Measures the BareMetalHost operator at scale: `capm3 manager --controllers=baremetalhost`
//! (its own process) against the embedded API server and the Ironic simulator (in this
//! process). It enrols BENCH_HOSTS hosts (default 1,000) with an image, waits until all are
//! provisioned, then counts Ironic requests for BENCH_WINDOW seconds (default 180) of steady
//! state, and reads the manager's memory. BENCH_CONCURRENCY sets
//! `--baremetalhost-concurrency` (default 0, the manager's own). Prints numbers; asserts
//! nothing.

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use capm3::api::bmo::v1alpha1::BareMetalHost;
use capm3::sandbox::apiserver::ApiServer;
use capm3::sandbox::ironic::Simulator;
use capm3::sandbox::ironic::knobs::Knobs;
use capm3::sandbox::measure::rss_of;
use futures::StreamExt;
use k8s_openapi::api::core::v1::Secret;
use kube::api::{Api, ListParams, PostParams};
use serde_json::json;

const CONCURRENCY: usize = 32;

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn enrol(client: &kube::Client, hosts: u64) {
    let secrets: Api<Secret> = Api::namespaced(client.clone(), "default");
    let api: Api<BareMetalHost> = Api::namespaced(client.clone(), "default");
    futures::stream::iter(0..hosts)
        .map(|i| {
            let (secrets, api) = (secrets.clone(), api.clone());
            async move {
                let secret = serde_json::from_value(json!({
                    "metadata": {"name": format!("host-{i}-bmc")},
                    "stringData": {"username": "admin", "password": "s3cret"},
                }))
                .expect("secret");
                secrets
                    .create(&PostParams::default(), &secret)
                    .await
                    .expect("secret created");
                let host = serde_json::from_value(json!({
                    "apiVersion": "metal3.io/v1alpha1", "kind": "BareMetalHost",
                    "metadata": {"name": format!("host-{i}")},
                    "spec": {
                        "online": true,
                        "bootMACAddress": format!("00:5c:52:31:{:02x}:{:02x}", i / 256, i % 256),
                        "bmc": {"address": "fake-hardware://127.0.0.1",
                                "credentialsName": format!("host-{i}-bmc")},
                        "image": {"url": "http://127.0.0.1/images/ubuntu.qcow2",
                                  "checksum": "http://127.0.0.1/images/ubuntu.qcow2.sha256sum"},
                    },
                }))
                .expect("host");
                api.create(&PostParams::default(), &host)
                    .await
                    .expect("host created");
            }
        })
        .buffer_unordered(CONCURRENCY)
        .collect::<Vec<()>>()
        .await;
}

async fn states(client: &kube::Client) -> BTreeMap<String, usize> {
    let api: Api<BareMetalHost> = Api::namespaced(client.clone(), "default");
    let mut states = BTreeMap::new();
    for host in api.list(&ListParams::default()).await.expect("hosts").items {
        let state = host
            .status
            .map(|s| s.provisioning.state)
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "none".into());
        *states.entry(state).or_default() += 1;
    }
    states
}

fn difference(
    after: &BTreeMap<String, u64>,
    before: &BTreeMap<String, u64>,
) -> BTreeMap<String, u64> {
    after
        .iter()
        .map(|(route, n)| (route.clone(), n - before.get(route).copied().unwrap_or(0)))
        .filter(|(_, n)| *n > 0)
        .collect()
}

#[tokio::main]
async fn main() {
    let hosts = setting("BENCH_HOSTS", 1_000);
    let window = Duration::from_secs(setting("BENCH_WINDOW", 180));
    // 0: the manager's default, min(CPUs, 8) but at least 2, as upstream.
    let concurrency = setting("BENCH_CONCURRENCY", 0);
    let server = ApiServer::start("127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("server");
    server
        .install_crds(&capm3::crds::metal3())
        .await
        .expect("CRDs");
    let client = server.client().expect("client");
    let sim = Simulator::start("127.0.0.1:0".parse().expect("addr"), Knobs::default())
        .await
        .expect("simulator");

    let dir = std::env::temp_dir().join(format!("capm3-bench-bmo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let kubeconfig = dir.join("kubeconfig");
    std::fs::write(&kubeconfig, server.kubeconfig()).expect("kubeconfig");
    let mut manager = Command::new(env!("CARGO_BIN_EXE_capm3"))
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
        .args(["--ironic-endpoint", &sim.url()])
        .args(["--provisioning-limit", &hosts.to_string()])
        .args(["--baremetalhost-concurrency", &concurrency.to_string()])
        .args(["--deploy-kernel-url", "http://127.0.0.1/ipa.kernel"])
        .args(["--deploy-ramdisk-url", "http://127.0.0.1/ipa.initramfs"])
        .arg("--kubeconfig")
        .arg(&kubeconfig)
        .stdout(std::fs::File::create(dir.join("manager.log")).expect("log"))
        .stderr(Stdio::null())
        .spawn()
        .expect("manager");
    println!("manager log: {}", dir.join("manager.log").display());

    let started = Instant::now();
    enrol(&client, hosts).await;
    println!(
        "enrolled {hosts} hosts in {:.2?} (--baremetalhost-concurrency {concurrency})",
        started.elapsed()
    );
    let mut reported = Instant::now();
    loop {
        let now = states(&client).await;
        if now.get("provisioned") == Some(&(hosts as usize)) {
            break;
        }
        if reported.elapsed() > Duration::from_secs(30) {
            println!("after {:.0?}: {now:?}", started.elapsed());
            reported = Instant::now();
        }
        if started.elapsed() > Duration::from_secs(1_800) {
            println!("gave up waiting: {now:?}");
            let _ = manager.kill();
            let _ = manager.wait();
            return;
        }
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
    let provisioned = started.elapsed();
    println!(
        "all {hosts} provisioned after {provisioned:.2?}; Ironic requests so far: {}",
        sim.total_requests()
    );

    // Let the last transitions' requeues run out, then count a quiet window.
    tokio::time::sleep(Duration::from_secs(30)).await;
    let before = sim.counts();
    tokio::time::sleep(window).await;
    let during = difference(&sim.counts(), &before);
    let total: u64 = during.values().sum();
    let per_host_hour = total as f64 / hosts as f64 * 3600.0 / window.as_secs_f64();
    println!(
        "steady state over {window:.0?}: {total} Ironic requests = {per_host_hour:.1} per host per hour \
         (upstream: ~60 GETs per host per hour)"
    );
    for (route, n) in &during {
        println!("  {n:>8}  {route}");
    }
    match rss_of(manager.id()) {
        Some((now, peak)) => println!("manager RSS with {hosts} hosts: {now} (peak {peak})"),
        None => println!("manager RSS: not readable"),
    }
    let _ = manager.kill();
    let _ = manager.wait();
}
