//! What only the simulator does: latency, node locking, failure injection, outages,
//! request counts, and thousands of nodes.

use std::time::Duration;

use capm3::ironic::{
    ClientConfig, IronicClient, IronicError, NodeCreate, PatchOp, ProvisionRequest, states, targets,
};
use capm3::sandbox::ironic::Simulator;
use capm3::sandbox::ironic::knobs::{Failure, Knobs, Outage};
use capm3::sandbox::ironic::states::Step;
use serde_json::Value;

async fn start(knobs: Knobs) -> (std::sync::Arc<Simulator>, IronicClient) {
    let sim = Simulator::start("127.0.0.1:0".parse().expect("addr"), knobs)
        .await
        .expect("simulator");
    let client = IronicClient::connect(&ClientConfig::new(sim.url()))
        .await
        .expect("client");
    (sim, client)
}

fn node(name: &str) -> NodeCreate {
    NodeCreate {
        name: name.into(),
        driver: "fake-hardware".into(),
        ..Default::default()
    }
}

async fn wait_for(client: &IronicClient, id: &str, state: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while client
        .node(id)
        .await
        .map(|n| n.provision_state.as_deref() != Some(state) || n.target_provision_state.is_some())
        .unwrap_or(true)
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "never reached {state}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn available(client: &IronicClient, name: &str) -> String {
    let uuid = client.create_node(&node(name)).await.expect("create").uuid;
    client
        .set_provision_state(&uuid, &ProvisionRequest::target(targets::MANAGE))
        .await
        .expect("manage");
    wait_for(client, &uuid, states::MANAGEABLE).await;
    client
        .set_provision_state(&uuid, &ProvisionRequest::target(targets::PROVIDE))
        .await
        .expect("provide");
    wait_for(client, &uuid, states::AVAILABLE).await;
    uuid
}

#[tokio::test]
async fn a_node_is_locked_while_a_slow_step_runs() {
    let mut knobs = Knobs::default();
    knobs.latency.insert(Step::Deploy, Duration::from_secs(5));
    let (sim, client) = start(knobs).await;
    let uuid = available(&client, "ns~slow").await;
    client
        .set_provision_state(&uuid, &ProvisionRequest::target(targets::ACTIVE))
        .await
        .expect("deploy");
    assert_eq!(
        client
            .node(&uuid)
            .await
            .expect("node")
            .provision_state
            .as_deref(),
        Some(states::DEPLOYING)
    );
    let locked = client
        .patch_node(&uuid, &[PatchOp::add("/extra/x", Value::from(1))])
        .await;
    assert!(
        matches!(&locked, Err(IronicError::Conflict(m)) if m.contains("is locked by host")),
        "{locked:?}"
    );
    wait_for(&client, &uuid, states::ACTIVE).await;
    assert!(
        sim.counts()
            .get("PATCH /v1/nodes/{id}")
            .copied()
            .unwrap_or(0)
            >= 2,
        "the client retried the locked node"
    );
}

#[tokio::test]
async fn injected_failures_land_in_the_failed_state_with_last_error() {
    let knobs = Knobs {
        failures: vec![Failure {
            name_prefix: Some("ns~bad".into()),
            step: Some("deploy".into()),
            probability: 1.0,
            times: Some(1),
        }],
        ..Knobs::default()
    };
    let (_sim, client) = start(knobs).await;
    let good = available(&client, "ns~good-0").await;
    let bad = available(&client, "ns~bad-0").await;
    for uuid in [&good, &bad] {
        client
            .set_provision_state(uuid, &ProvisionRequest::target(targets::ACTIVE))
            .await
            .expect("deploy");
    }
    wait_for(&client, &good, states::ACTIVE).await;
    wait_for(&client, &bad, states::DEPLOY_FAILED).await;
    let failed = client.node(&bad).await.expect("node");
    assert!(
        failed
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("deploy failed")),
        "{:?}",
        failed.last_error
    );
    // The rule fired once: a retry succeeds.
    client
        .set_provision_state(&bad, &ProvisionRequest::target(targets::ACTIVE))
        .await
        .expect("redeploy");
    wait_for(&client, &bad, states::ACTIVE).await;
}

#[tokio::test]
async fn outages_and_recovery() {
    let (sim, client) = start(Knobs::default()).await;
    let uuid = client
        .create_node(&node("ns~outage"))
        .await
        .expect("create")
        .uuid;

    sim.set_outage(Some(Outage::Unavailable))
        .await
        .expect("outage");
    assert!(matches!(
        client.node(&uuid).await,
        Err(IronicError::Http { status: 503, .. })
    ));
    sim.set_outage(Some(Outage::Refused)).await.expect("outage");
    assert!(matches!(
        client.node(&uuid).await,
        Err(IronicError::Unreachable(_))
    ));
    sim.set_outage(None).await.expect("recovered");
    assert_eq!(client.node(&uuid).await.expect("back").uuid, uuid);
}

#[tokio::test]
async fn thousands_of_nodes_list_in_pages() {
    let (sim, client) = start(Knobs::default()).await;
    for i in 0..2_500 {
        client
            .create_node(&node(&format!("ns~host-{i}")))
            .await
            .expect("create");
    }
    let before = sim.total_requests();
    let listed = client
        .nodes(&["uuid", "name", "provision_state"])
        .await
        .expect("list");
    assert_eq!(listed.len(), 2_500);
    assert!(
        listed.iter().all(|n| n.driver.is_none()),
        "only the fields asked for"
    );
    assert_eq!(sim.total_requests() - before, 3, "1,000 nodes a page");
}

#[tokio::test]
async fn requests_are_counted_by_endpoint_and_status() {
    let sim = Simulator::start("127.0.0.1:0".parse().expect("addr"), Knobs::default())
        .await
        .expect("simulator");
    let metrics = capm3::metrics::Metrics::new();
    let client = IronicClient::new(&ClientConfig::new(sim.url()))
        .expect("client")
        .with_metrics(metrics.ironic.clone());
    client.create_node(&node("counted")).await.expect("create");
    client.node("counted").await.expect("get");
    assert!(matches!(
        client.node("missing").await,
        Err(IronicError::NotFound(_))
    ));
    let text = metrics.render();
    for line in [
        r#"capm3_ironic_requests_total{code="201",endpoint="/v1/nodes",method="POST"} 1"#,
        r#"capm3_ironic_requests_total{code="200",endpoint="/v1/nodes/{id}",method="GET"} 1"#,
        r#"capm3_ironic_requests_total{code="404",endpoint="/v1/nodes/{id}",method="GET"} 1"#,
        r#"capm3_ironic_request_duration_seconds_count{endpoint="/v1/nodes/{id}",method="GET"} 2"#,
    ] {
        assert!(text.contains(line), "{line} not in\n{text}");
    }
}
