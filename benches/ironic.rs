//! Measures the Ironic simulator with 10,000 nodes, driven through capm3's Ironic client.
//! Prints numbers; asserts nothing.

use std::sync::Arc;
use std::time::{Duration, Instant};

use capm3::ironic::{ClientConfig, IronicClient, NodeCreate, ProvisionRequest, states, targets};
use capm3::sandbox::ironic::Simulator;
use capm3::sandbox::ironic::knobs::Knobs;
use futures::StreamExt;

const NODES: usize = 10_000;
const CONCURRENCY: usize = 32;

async fn for_all<F, Fut>(uuids: &[String], step: F) -> Duration
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let started = Instant::now();
    futures::stream::iter(uuids.iter().cloned())
        .map(&step)
        .buffer_unordered(CONCURRENCY)
        .collect::<Vec<()>>()
        .await;
    started.elapsed()
}

async fn wait_all(client: &IronicClient, state: &str) -> Duration {
    let started = Instant::now();
    loop {
        let nodes = client
            .nodes(&["uuid", "provision_state", "target_provision_state"])
            .await
            .expect("list");
        if nodes.iter().all(|n| {
            n.provision_state.as_deref() == Some(state) && n.target_provision_state.is_none()
        }) {
            return started.elapsed();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn run() {
    let sim = Simulator::start("127.0.0.1:0".parse().expect("addr"), Knobs::default())
        .await
        .expect("simulator");
    let client = Arc::new(
        IronicClient::connect(&ClientConfig::new(sim.url()))
            .await
            .expect("client"),
    );

    let started = Instant::now();
    let names: Vec<String> = (0..NODES).map(|i| format!("bench~host-{i}")).collect();
    let created: Vec<String> = futures::stream::iter(names)
        .map(|name| {
            let client = client.clone();
            async move {
                let body = NodeCreate {
                    name,
                    driver: "fake-hardware".into(),
                    ..Default::default()
                };
                client.create_node(&body).await.expect("create").uuid
            }
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let create = started.elapsed();
    println!("Ironic simulator, {NODES} nodes, {CONCURRENCY} requests in flight:");
    println!(
        "  create           {:>7.0} nodes/s",
        NODES as f64 / create.as_secs_f64()
    );

    for (target, state) in [
        (targets::MANAGE, states::MANAGEABLE),
        (targets::PROVIDE, states::AVAILABLE),
        (targets::ACTIVE, states::ACTIVE),
    ] {
        let request = ProvisionRequest::target(target);
        let sent = for_all(&created, |uuid| {
            let client = client.clone();
            let request = request.clone();
            async move {
                client
                    .set_provision_state(&uuid, &request)
                    .await
                    .expect("provision")
            }
        })
        .await;
        let settled = wait_all(&client, state).await;
        println!(
            "  {target:<8} → {state:<10} {:>7.0} requests/s, all settled {:.2} s after the last",
            NODES as f64 / sent.as_secs_f64(),
            settled.as_secs_f64()
        );
    }
    let started = Instant::now();
    let listed = client
        .nodes(&["uuid", "name", "provision_state", "power_state"])
        .await
        .expect("list");
    println!(
        "  bulk list of {} nodes (4 fields, pages of 1,000): {:.0} ms",
        listed.len(),
        started.elapsed().as_secs_f64() * 1e3
    );
    println!("  requests served: {}", sim.total_requests());
    if let Some(rss) = capm3::sandbox::measure::peak_rss() {
        println!("  peak RSS (simulator and client in one process): {rss}");
    }
}

fn main() {
    tokio::runtime::Runtime::new()
        .expect("runtime")
        .block_on(run());
}
