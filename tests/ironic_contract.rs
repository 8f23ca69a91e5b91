//! The same Ironic scenarios against the simulator (always) and the real Ironic (when
//! `IRONIC_ENDPOINT` is set, as `make test` does), so the simulator cannot drift from Ironic.
//! Through capm3's own Ironic client, which they test as well.

use std::time::Duration;

use capm3::ironic::{
    ClientConfig, IronicClient, IronicError, Node, NodeCreate, PatchOp, ProvisionRequest, power,
    states, targets,
};
use capm3::sandbox::ironic::Simulator;
use capm3::sandbox::ironic::knobs::Knobs;
use serde_json::{Map, Value, json};

/// Where a scenario runs.
struct Target {
    label: &'static str,
    client: IronicClient,
    _simulator: Option<std::sync::Arc<Simulator>>,
}

async fn targets() -> Vec<Target> {
    let simulator = Simulator::start("127.0.0.1:0".parse().expect("addr"), Knobs::default())
        .await
        .expect("simulator");
    let client = IronicClient::connect(&ClientConfig::new(simulator.url()))
        .await
        .expect("simulator client");
    let mut all = vec![Target {
        label: "simulator",
        client,
        _simulator: Some(simulator),
    }];
    match std::env::var("IRONIC_ENDPOINT") {
        Ok(endpoint) => {
            let client = IronicClient::connect(&ClientConfig::new(endpoint))
                .await
                .expect("real Ironic client");
            all.push(Target {
                label: "real Ironic",
                client,
                _simulator: None,
            });
        }
        Err(_) => {
            eprintln!("real Ironic: SKIPPED (IRONIC_ENDPOINT is not set; `make test` starts it)")
        }
    }
    all
}

fn unique(name: &str) -> String {
    format!("contract~{name}-{}", &uuid::Uuid::new_v4().to_string()[..8])
}

/// A node of Ironic's fake-hardware type, every interface fake.
fn fake_node(name: &str) -> NodeCreate {
    let interfaces = [
        "boot",
        "deploy",
        "inspect",
        "management",
        "power",
        "bios",
        "firmware",
        "raid",
        "vendor",
    ]
    .into_iter()
    .map(|i| (format!("{i}_interface"), "fake".to_owned()))
    .collect();
    NodeCreate {
        name: name.to_owned(),
        driver: "fake-hardware".into(),
        interfaces,
        ..Default::default()
    }
}

/// Polls until the node reaches `state` (and no transition is pending); returns every
/// provision state seen on the way.
async fn wait_for(client: &IronicClient, id: &str, state: &str) -> Vec<String> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    let mut seen: Vec<String> = Vec::new();
    loop {
        let node = client.node(id).await.expect("node");
        let current = node.provision_state.clone().unwrap_or_default();
        if seen.last() != Some(&current) {
            seen.push(current.clone());
        }
        if current == state && node.target_provision_state.is_none() {
            return seen;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "node {id} stuck in {current} (wanted {state}); seen {seen:?}, last_error {:?}",
            node.last_error
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Every state seen is one Ironic passes through on the way, in order.
fn follows(seen: &[String], expected: &[&str]) {
    let mut position = 0;
    for state in seen {
        match expected[position..].iter().position(|e| e == state) {
            Some(offset) => position += offset,
            None => panic!(
                "state {state} out of order: seen {seen:?}, expected a subsequence of {expected:?}"
            ),
        }
    }
}

#[tokio::test]
async fn the_lifecycle_the_operator_drives() {
    for target in targets().await {
        let client = &target.client;
        let name = unique("lifecycle");
        let node = client
            .create_node(&fake_node(&name))
            .await
            .unwrap_or_else(|e| panic!("{}: create: {e}", target.label));
        assert_eq!(
            node.provision_state.as_deref(),
            Some(states::ENROLL),
            "{}",
            target.label
        );
        let mac = format!(
            "52:54:00:{:02x}:{:02x}:{:02x}",
            fastrand::u8(..),
            fastrand::u8(..),
            fastrand::u8(..)
        );
        client
            .create_port(&node.uuid, &mac, true)
            .await
            .expect("port");
        assert_eq!(
            client.ports_by_address(&mac).await.expect("ports")[0]
                .node_uuid
                .as_deref(),
            Some(node.uuid.as_str())
        );
        assert_eq!(
            client
                .find_node(&name)
                .await
                .expect("lookup by name")
                .map(|n| n.uuid),
            Some(node.uuid.clone())
        );

        client
            .set_provision_state(&node.uuid, &ProvisionRequest::target(targets::MANAGE))
            .await
            .expect("manage");
        follows(
            &wait_for(client, &node.uuid, states::MANAGEABLE).await,
            &[states::ENROLL, states::VERIFYING, states::MANAGEABLE],
        );
        let inspected = |node: Node| node.inspection_finished_at.is_some();
        assert!(
            !inspected(client.node(&node.uuid).await.expect("node")),
            "{}: never inspected",
            target.label
        );
        client
            .set_provision_state(&node.uuid, &ProvisionRequest::target(targets::INSPECT))
            .await
            .expect("inspect");
        follows(
            &wait_for(client, &node.uuid, states::MANAGEABLE).await,
            &[
                states::MANAGEABLE,
                states::INSPECTING,
                states::INSPECT_WAIT,
                states::MANAGEABLE,
            ],
        );
        // The operator takes an inspection that stored no inventory as done by this stamp.
        assert!(
            inspected(client.node(&node.uuid).await.expect("node")),
            "{}: inspected",
            target.label
        );
        client
            .set_provision_state(&node.uuid, &ProvisionRequest::target(targets::PROVIDE))
            .await
            .expect("provide");
        follows(
            &wait_for(client, &node.uuid, states::AVAILABLE).await,
            &[
                states::MANAGEABLE,
                states::CLEANING,
                states::CLEAN_WAIT,
                states::AVAILABLE,
            ],
        );

        let configdrive = json!({"user_data": "#cloud-config\n", "meta_data": {"uuid": node.uuid, "name": name}, "network_data": {"links": [], "networks": [], "services": []}});
        let deploy = ProvisionRequest {
            configdrive: Some(configdrive),
            ..ProvisionRequest::target(targets::ACTIVE)
        };
        client
            .set_provision_state(&node.uuid, &deploy)
            .await
            .expect("deploy");
        follows(
            &wait_for(client, &node.uuid, states::ACTIVE).await,
            &[
                states::AVAILABLE,
                states::DEPLOYING,
                states::WAIT_CALL_BACK,
                states::ACTIVE,
            ],
        );
        assert!(
            client
                .validate_node(&node.uuid)
                .await
                .expect("validate")
                .deploy_blockers()
                .is_empty(),
            "{}",
            target.label
        );

        // A node in active cannot be deleted.
        assert!(
            matches!(
                client.delete_node(&node.uuid).await,
                Err(IronicError::Conflict(_) | IronicError::Http { status: 400, .. })
            ),
            "{}",
            target.label
        );

        client
            .set_provision_state(&node.uuid, &ProvisionRequest::target(targets::DELETED))
            .await
            .expect("undeploy");
        follows(
            &wait_for(client, &node.uuid, states::AVAILABLE).await,
            &[
                states::ACTIVE,
                states::DELETING,
                states::CLEANING,
                states::CLEAN_WAIT,
                states::AVAILABLE,
            ],
        );
        client.delete_node(&node.uuid).await.expect("delete");
        assert!(
            client
                .find_node(&node.uuid)
                .await
                .expect("lookup")
                .is_none(),
            "{}: the node is gone",
            target.label
        );
    }
}

#[tokio::test]
async fn power_changes_land() {
    for target in targets().await {
        let client = &target.client;
        let node = client
            .create_node(&fake_node(&unique("power")))
            .await
            .expect("create");
        client
            .set_provision_state(&node.uuid, &ProvisionRequest::target(targets::MANAGE))
            .await
            .expect("manage");
        wait_for(client, &node.uuid, states::MANAGEABLE).await;
        for (request, lands) in [
            (power::ON, power::ON),
            (power::OFF, power::OFF),
            (power::ON, power::ON),
            (power::SOFT_OFF, power::OFF),
        ] {
            let timeout = (request == power::SOFT_OFF).then_some(60);
            client
                .set_power_state(&node.uuid, request, timeout)
                .await
                .unwrap_or_else(|e| panic!("{}: {request}: {e}", target.label));
            let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
            loop {
                let n = client.node(&node.uuid).await.expect("node");
                if n.power_state.as_deref() == Some(lands) && n.target_power_state.is_none() {
                    break;
                }
                assert!(
                    tokio::time::Instant::now() < deadline,
                    "{}: power never became {lands}",
                    target.label
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        client.delete_node(&node.uuid).await.expect("delete");
    }
}

#[tokio::test]
async fn errors_are_of_the_same_kind() {
    for target in targets().await {
        let client = &target.client;
        let unknown = client.node("no-such-node").await;
        assert!(
            matches!(unknown, Err(IronicError::NotFound(_))),
            "{}: {unknown:?}",
            target.label
        );

        let mut bad = fake_node(&unique("bad-driver"));
        bad.driver = "no-such-driver".into();
        let refused = client.create_node(&bad).await;
        assert!(
            matches!(refused, Err(IronicError::Http { status: 400, .. })),
            "{}: {refused:?}",
            target.label
        );

        let name = unique("dup");
        let node = client.create_node(&fake_node(&name)).await.expect("create");
        let duplicate = client.create_node(&fake_node(&name)).await;
        assert!(
            matches!(duplicate, Err(IronicError::Conflict(_))),
            "{}: {duplicate:?}",
            target.label
        );

        // Deploying from enroll is not a valid transition.
        let invalid = client
            .set_provision_state(&node.uuid, &ProvisionRequest::target(targets::ACTIVE))
            .await;
        assert!(
            matches!(invalid, Err(IronicError::Http { status: 400, .. })),
            "{}: {invalid:?}",
            target.label
        );

        // A node whose driver cannot work fails verification and stays in enroll with last_error.
        let mut redfish = NodeCreate {
            name: unique("no-address"),
            driver: "redfish".into(),
            ..Default::default()
        };
        redfish.driver_info = Map::new();
        let node2 = client
            .create_node(&redfish)
            .await
            .expect("create redfish node");
        client
            .set_provision_state(&node2.uuid, &ProvisionRequest::target(targets::MANAGE))
            .await
            .expect("manage");
        wait_for(client, &node2.uuid, states::ENROLL).await;
        let failed = client.node(&node2.uuid).await.expect("node");
        assert!(
            failed
                .last_error
                .as_deref()
                .is_some_and(|e| e.contains("redfish_address")),
            "{}: {:?}",
            target.label,
            failed.last_error
        );

        client
            .patch_node(
                &node.uuid,
                &[PatchOp::add("/extra/owner", Value::from("contract"))],
            )
            .await
            .expect("patch");
        for uuid in [node.uuid, node2.uuid] {
            client.delete_node(&uuid).await.expect("delete");
        }
    }
}

/// The node body for a BMC address, as the operator builds it from capm3's BMC parsing.
fn node_for_address(name: &str, address: &str) -> NodeCreate {
    use capm3::bmc::{Credentials, DeployMethod, ParseOptions, parse};
    let options = ParseOptions {
        disable_certificate_verification: true,
        allow_fake_hardware: true,
    };
    let access = parse(address, &options).unwrap_or_else(|e| panic!("{address}: {e}"));
    let credentials = Credentials {
        username: "admin".into(),
        password: "password".into(),
    };
    let interfaces = access.interfaces();
    let mut sent: std::collections::BTreeMap<String, String> = [
        ("bios", interfaces.bios),
        ("boot", interfaces.boot),
        ("console", interfaces.console),
        ("firmware", interfaces.firmware),
        ("management", interfaces.management),
        ("power", interfaces.power),
        ("raid", interfaces.raid),
        ("vendor", interfaces.vendor),
        ("deploy", access.deploy_interface(DeployMethod::Image)),
        ("inspect", access.inspect_interface(false)),
    ]
    .into_iter()
    .filter_map(|(i, v)| Some((format!("{i}_interface"), v?.to_owned())))
    .collect();
    sent.retain(|_, v| !v.is_empty());
    NodeCreate {
        name: name.into(),
        driver: access.driver().into(),
        driver_info: access.driver_info(&credentials),
        interfaces: sent,
        ..Default::default()
    }
}

#[tokio::test]
async fn nodes_registered_from_bmc_addresses() {
    for target in targets().await {
        let client = &target.client;
        let name = unique("bmc");
        let node = client
            .create_node(&node_for_address(&name, "fake-hardware://node-0"))
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", target.label));
        assert_eq!(node.driver.as_deref(), Some("fake-hardware"));
        client
            .set_provision_state(&node.uuid, &ProvisionRequest::target(targets::MANAGE))
            .await
            .expect("manage");
        wait_for(client, &node.uuid, states::MANAGEABLE).await;
        // Ironic never returns passwords.
        let fetched = client.node(&node.uuid).await.expect("node");
        assert!(
            !serde_json::to_string(&fetched.driver_info)
                .unwrap_or_default()
                .contains("\"password\""),
            "{}",
            target.label
        );
        client.delete_node(&node.uuid).await.expect("delete");
    }
}

/// The Redfish emulator's system for BMC-side checks (real Ironic runs only).
fn sushy() -> Option<(String, String)> {
    let endpoint = std::env::var("SUSHY_ENDPOINT").ok()?;
    let system = std::env::var("SUSHY_SYSTEMS")
        .ok()?
        .split(',')
        .next()?
        .to_owned();
    Some((endpoint, system))
}

async fn bmc_power_state(sushy: &str, system: &str) -> String {
    let url = format!("{sushy}/redfish/v1/Systems/{system}");
    let body: Value = reqwest::get(&url)
        .await
        .expect("sushy")
        .json()
        .await
        .expect("json");
    body["PowerState"].as_str().unwrap_or_default().to_owned()
}

async fn wait_for_power(client: &IronicClient, id: &str, state: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
    loop {
        let node = client.node(id).await.expect("node");
        if node.power_state.as_deref() == Some(state) && node.target_power_state.is_none() {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "power of {id} never became {state}: {:?}",
            node.last_error
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// `fake-hardware+redfish` (fake boot and deploy, Redfish power) and plain `redfish` nodes
/// register, verify against the BMC and change its power for real.
#[tokio::test]
async fn redfish_power_changes_reach_the_bmc() {
    let bmc = sushy();
    let (endpoint, system) = bmc
        .clone()
        .unwrap_or(("http://127.0.0.1:8000".into(), "simulated-1".into()));
    for target in targets().await {
        let client = &target.client;
        let real = target.label == "real Ironic";
        for scheme in ["fake-hardware+redfish+http", "redfish+http"] {
            let address = format!(
                "{scheme}://{}/redfish/v1/Systems/{system}",
                endpoint.trim_start_matches("http://")
            );
            let node = client
                .create_node(&node_for_address(&unique("redfish-power"), &address))
                .await
                .unwrap_or_else(|e| panic!("{}: {e}", target.label));
            client
                .set_provision_state(&node.uuid, &ProvisionRequest::target(targets::MANAGE))
                .await
                .expect("manage");
            wait_for(client, &node.uuid, states::MANAGEABLE).await;
            for (request, state, at_bmc) in [
                (power::OFF, power::OFF, "Off"),
                (power::ON, power::ON, "On"),
            ] {
                client
                    .set_power_state(&node.uuid, request, None)
                    .await
                    .unwrap_or_else(|e| panic!("{} {scheme}: {request}: {e}", target.label));
                wait_for_power(client, &node.uuid, state).await;
                if let (true, Some((sushy, system))) = (real, &bmc) {
                    assert_eq!(
                        bmc_power_state(sushy, system).await,
                        at_bmc,
                        "{scheme}: the BMC's own power state"
                    );
                }
            }
            client.delete_node(&node.uuid).await.expect("delete");
        }
    }
}
