//! The README's main job, as a newcomer runs it: `capm3 sandbox --apply examples/cluster.yaml`
//! takes a one-control-plane, two-worker cluster to Running on the simulated hosts, kubectl
//! shows the hosts as on a real cluster, and deleting the Cluster brings them back to
//! `available`. Only the ports differ from the README (ephemeral, so tests run side by side).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use capm3::api::bmo::v1alpha1::BareMetalHost;
use capm3::api::capi::{Cluster, Machine};
use capm3::api::capm3::v1beta2::Metal3Machine;
use k8s_openapi::api::core::v1::Secret;
use kube::api::{Api, DeleteParams, ListParams};

/// A bound on waiting for each step (not a timing assertion: steps take seconds).
const STEP_LIMIT: Duration = Duration::from_secs(180);

struct Sandbox {
    child: Option<Child>,
    dir: PathBuf,
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn free_port() -> String {
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port");
    addr.to_string()
}

fn start(dir: &Path) -> Sandbox {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/cluster.yaml");
    let child = Command::new(env!("CARGO_BIN_EXE_capm3"))
        .args(["sandbox", "--apply"])
        .arg(example)
        .args(["--listen", &free_port(), "--ironic-listen", &free_port()])
        .arg("--kubeconfig-out")
        .arg(dir.join("sandbox.kubeconfig"))
        .arg("--log")
        .arg(dir.join("sandbox.log"))
        .stdout(std::fs::File::create(dir.join("stdout")).expect("stdout file"))
        .stderr(Stdio::inherit())
        .spawn()
        .expect("capm3 sandbox starts");
    Sandbox {
        child: Some(child),
        dir: dir.to_owned(),
    }
}

async fn client(sandbox: &Sandbox) -> kube::Client {
    let path = sandbox.dir.join("sandbox.kubeconfig");
    let deadline = Instant::now() + STEP_LIMIT;
    loop {
        // The kubeconfig is written once the server listens; the example is applied after.
        if let Ok(kubeconfig) = kube::config::Kubeconfig::read_from(&path) {
            let config =
                kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default()).await;
            if let Ok(client) = kube::Client::try_from(config.expect("valid kubeconfig")) {
                return client;
            }
        }
        assert!(Instant::now() < deadline, "the sandbox did not come up");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Hosts per provisioning state.
async fn host_states(client: &kube::Client) -> Vec<(String, String)> {
    let hosts = Api::<BareMetalHost>::namespaced(client.clone(), "default")
        .list(&ListParams::default())
        .await
        .map(|l| l.items)
        .unwrap_or_default();
    let mut states: Vec<(String, String)> = hosts
        .into_iter()
        .map(|h| {
            let state = h.status.map(|s| s.provisioning.state).unwrap_or_default();
            (h.metadata.name.unwrap_or_default(), state)
        })
        .collect();
    states.sort();
    states
}

async fn wait_until<F, Fut>(sandbox: &Sandbox, what: &str, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + STEP_LIMIT;
    while !done().await {
        let log = std::fs::read_to_string(sandbox.dir.join("stdout")).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(8).collect();
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}; the sandbox's view:\n{}",
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

fn kubectl(sandbox: &Sandbox, args: &[&str]) -> Option<String> {
    let out = Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(sandbox.dir.join("sandbox.kubeconfig"))
        .args(args)
        .output()
        .ok()?;
    assert!(
        out.status.success(),
        "kubectl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_example_cluster_runs_on_the_sandbox_and_tears_down() {
    let dir = std::env::temp_dir().join(format!("capm3-sandbox-e2e-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut sandbox = start(&dir);
    let client = client(&sandbox).await;
    let machines = Api::<Machine>::namespaced(client.clone(), "default");
    let clusters = Api::<Cluster>::namespaced(client.clone(), "default");

    // Three Machines Running (one control plane, two workers) on three provisioned hosts.
    wait_until(&sandbox, "three Machines Running", || async {
        let list = machines.list(&ListParams::default()).await;
        list.is_ok_and(|l| {
            l.items.len() == 3
                && l.items.iter().all(|m| {
                    m.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running")
                        && m.status.as_ref().is_some_and(|s| s.node_ref.is_some())
                })
        })
    })
    .await;
    let states = host_states(&client).await;
    let provisioned = states.iter().filter(|(_, s)| s == "provisioned").count();
    let available = states.iter().filter(|(_, s)| s == "available").count();
    assert_eq!((provisioned, available), (3, 1), "{states:?}");
    let cluster = clusters.get("sandbox").await.expect("the Cluster");
    assert_eq!(
        cluster.status.and_then(|s| s.phase).as_deref(),
        Some("Provisioned")
    );
    // Each Metal3Machine has its host's providerID, in both served versions.
    let metal3machines = Api::<Metal3Machine>::namespaced(client.clone(), "default")
        .list(&ListParams::default())
        .await
        .expect("Metal3Machines");
    assert_eq!(metal3machines.items.len(), 3);
    assert!(
        metal3machines.items.iter().all(|m| m
            .spec
            .provider_id
            .as_deref()
            .is_some_and(|id| id.starts_with("metal3://"))),
        "{:?}",
        metal3machines
            .items
            .iter()
            .map(|m| &m.spec.provider_id)
            .collect::<Vec<_>>()
    );

    // Each provisioned host got its Metal3Data's rendered Secrets with its image (one write),
    // with an address from the example's IPPool.
    let hosts = Api::<BareMetalHost>::namespaced(client.clone(), "default")
        .list(&ListParams::default())
        .await
        .expect("hosts");
    let secrets = Api::<Secret>::namespaced(client.clone(), "default");
    for host in hosts.items.iter().filter(|h| h.spec.image.is_some()) {
        for (field, key, wanted) in [
            (&host.spec.meta_data, "metaData", "baremetal_ip: 192.0.2."),
            (&host.spec.network_data, "networkData", "192.0.2."),
        ] {
            let name = field
                .as_ref()
                .and_then(|r| r.name.clone())
                .unwrap_or_else(|| panic!("{key} on {:?}", host.metadata.name));
            let secret = secrets.get(&name).await.expect("rendered Secret");
            let text = secret
                .data
                .as_ref()
                .and_then(|d| d.get(key))
                .map(|b| String::from_utf8_lossy(&b.0).into_owned())
                .unwrap_or_default();
            assert!(text.contains(wanted), "{key} of {name}: {text}");
        }
    }

    // kubectl shows the hosts as on a real cluster: state and consumer columns.
    match kubectl(&sandbox, &["get", "bmh"]) {
        Some(table) => {
            let consumed = table
                .lines()
                .filter(|l| l.contains(" provisioned ") && l.contains("sandbox-"))
                .count();
            assert_eq!(consumed, 3, "{table}");
        }
        None => eprintln!("kubectl: SKIPPED (not installed)"),
    }

    // Deleting the Cluster deprovisions every host back to available.
    clusters
        .delete("sandbox", &DeleteParams::default())
        .await
        .expect("Cluster deleted");
    wait_until(
        &sandbox,
        "every host available and the Cluster gone",
        || async {
            let states = host_states(&client).await;
            let gone = clusters.get_opt("sandbox").await.is_ok_and(|c| c.is_none());
            gone && states.len() == 4 && states.iter().all(|(_, s)| s == "available")
        },
    )
    .await;
    assert!(
        machines
            .list(&ListParams::default())
            .await
            .expect("Machines")
            .items
            .is_empty()
    );

    // Ctrl-C stops it with a summary.
    let mut child = sandbox.child.take().expect("running");
    let interrupted = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(interrupted.success());
    let status = child.wait().expect("the sandbox exits");
    assert!(status.success(), "{status:?}");
    let out = std::fs::read_to_string(dir.join("stdout")).expect("stdout");
    assert!(out.contains("Summary after"), "{out}");
    assert!(out.contains("hosts     4 — available 4"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}
