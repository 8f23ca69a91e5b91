//! The BareMetalHost operator against the real OpenStack Ironic that `make test` starts
//! (scripts/real-ironic.sh, docs/real-ironic.md), in process as in tests/bmo_paths.rs but
//! with no simulator: a host goes from registration to provisioned, back to available and is
//! deleted, and Ironic is left with no node for it. Once with Ironic's `fake-hardware`, once
//! with `fake-hardware+redfish` against the sushy emulator, whose system's power the test
//! checks at the BMC itself. Checklist items of bmo-upstream-behaviour.md §9 as `#n`.
//!
//! Skipped (`SKIPPED` on stderr) when `IRONIC_ENDPOINT` is not set. Every test in `make test`
//! shares the one Ironic: hosts have names of their own (`default~real-…` nodes, where
//! tests/ironic_contract.rs uses `contract~…`), the Redfish host uses the emulator's second
//! system (ironic_contract.rs drives the first), and a test that fails midway still deletes
//! its node.

mod common;

use std::future::Future;
use std::time::{Duration, Instant};

use capm3::api::bmo::v1alpha1::{BareMetalHost, BareMetalHostStatus};
use capm3::ironic::{ClientConfig, IronicClient, Node, power, states};
use common::bmo::{BmoBed, NAMESPACE, STEP_LIMIT};
use serde_json::{Value, json};

/// An image URL nothing serves: Ironic's `fake` deploy interface never downloads it.
const IMAGE: &str = "http://127.0.0.1/image.qcow2";

/// The emulator's system the Redfish host drives (`SUSHY_SYSTEMS`, `SUSHY_SYSTEM_MACS`):
/// tests/ironic_contract.rs drives the first one.
const SYSTEM: usize = 1;

/// The real Ironic's endpoint, or `None` (and a `SKIPPED` line) when there is none.
fn ironic_endpoint(test: &str) -> Option<String> {
    let endpoint = std::env::var("IRONIC_ENDPOINT").ok();
    if endpoint.is_none() {
        eprintln!(
            "{test}: SKIPPED (IRONIC_ENDPOINT is not set; `make test` starts the real Ironic)"
        );
    }
    endpoint
}

/// Entry `index` of a comma-separated variable `scripts/real-ironic.sh env` writes.
fn listed(variable: &str, index: usize) -> String {
    let list = std::env::var(variable)
        .unwrap_or_else(|_| panic!("{variable} is not set (`scripts/real-ironic.sh env`)"));
    list.split(',')
        .nth(index)
        .unwrap_or_else(|| panic!("{variable} has no entry {index}: {list}"))
        .to_owned()
}

/// A host name of its own for each run, so a rerun against the same Ironic never meets an
/// earlier run's node.
fn unique(kind: &str) -> String {
    format!("real-{kind}-{:08x}", fastrand::u32(..))
}

/// One of the emulator's systems, as its Redfish API shows it.
struct RedfishSystem {
    url: String,
}

impl RedfishSystem {
    async fn power_state(&self) -> String {
        let body: Value = reqwest::get(&self.url)
            .await
            .unwrap_or_else(|e| panic!("GET {}: {e}", self.url))
            .json()
            .await
            .expect("a Redfish system");
        body["PowerState"].as_str().unwrap_or_default().to_owned()
    }

    /// Waits until the system's own power state is `state` (`On`, `Off`).
    async fn wait_for_power(&self, state: &str) {
        common::eventually(&format!("{} powered {state}", self.url), || async {
            (self.power_state().await == state).then_some(())
        })
        .await;
    }
}

/// The host a lifecycle test enrols.
struct Host {
    name: String,
    boot_mac: String,
    bmc_address: String,
    /// The emulator's system behind the BMC address, when there is one.
    system: Option<RedfishSystem>,
}

fn status(host: &BareMetalHost) -> &BareMetalHostStatus {
    host.status.as_ref().expect("status")
}

fn powered(on: bool) -> impl Fn(Option<&BareMetalHost>) -> bool {
    move |host| {
        host.and_then(|h| h.status.as_ref())
            .is_some_and(|s| s.powered_on == on)
    }
}

/// Ironic's node for the host, read through the API.
async fn node(bed: &BmoBed, uuid: &str) -> Node {
    bed.ironic
        .node(uuid)
        .await
        .unwrap_or_else(|e| panic!("GET /v1/nodes/{uuid}: {e}"))
}

/// #24, #27, #30, #40, #52, #70, #71, #73, #76, #81, #83: the whole life of one host, checking
/// what the user sees and what Ironic has at each step.
async fn lifecycle(endpoint: String, host: Host) {
    let bed = BmoBed::on_endpoint(&endpoint).await;
    let name = host.name.as_str();
    bed.enrol(
        name,
        &host.boot_mac,
        json!({"spec": {"bmc": {"address": host.bmc_address}}}),
    )
    .await;

    // Registration and inspection.
    let enrolled = bed.wait_for_state(name, "available").await;
    for (from, to) in [
        ("registering", "inspecting"),
        ("inspecting", "preparing"),
        ("preparing", "available"),
    ] {
        assert!(
            bed.went(name, from, to).await,
            "{from} → {to}: {:?}",
            bed.state_changes(name).await
        );
    }
    assert!(bed.has_event(name, "InspectionComplete").await);
    // Ironic's fake inspect interface finishes without an inventory: the host shows what an
    // empty one maps to.
    let hardware = status(&enrolled)
        .hardware
        .as_ref()
        .expect("status.hardware");
    assert_eq!(hardware.nics.as_deref(), Some(&[][..]));
    assert_eq!(hardware.storage.as_deref(), Some(&[][..]));
    assert_eq!(hardware.ram_mebibytes, None);
    let uuid = status(&enrolled).provisioning.id.clone();
    let registered = node(&bed, &uuid).await;
    assert_eq!(
        registered.name.as_deref(),
        Some(format!("{NAMESPACE}~{name}").as_str())
    );
    assert_eq!(registered.driver.as_deref(), Some("fake-hardware"));
    // As upstream, the node stays manageable until the host is provisioned.
    assert_eq!(
        registered.provision_state.as_deref(),
        Some(states::MANAGEABLE)
    );
    let ports = bed
        .ironic
        .ports_by_address(&host.boot_mac)
        .await
        .expect("ports");
    assert_eq!(ports.len(), 1, "{ports:?}");
    assert_eq!(ports[0].node_uuid.as_deref(), Some(uuid.as_str()));

    // Provisioning.
    bed.patch(
        name,
        json!({"spec": {"image": {"url": IMAGE, "checksum": format!("{IMAGE}.sha256sum")}}}),
    )
    .await;
    bed.wait_for(name, "provisioned and powered on", |host| {
        common::provisioning_state(host) == Some("provisioned") && powered(true)(host)
    })
    .await;
    let active = node(&bed, &uuid).await;
    assert_eq!(active.provision_state.as_deref(), Some(states::ACTIVE));
    let instance_info = active.instance_info.unwrap_or_default();
    assert_eq!(instance_info.get("image_source"), Some(&json!(IMAGE)));
    assert_eq!(active.power_state.as_deref(), Some(power::ON));

    // Power follows `online`, at the BMC too.
    for (online, ironic, bmc) in [(false, power::OFF, "Off"), (true, power::ON, "On")] {
        bed.patch(name, json!({"spec": {"online": online}})).await;
        bed.wait_for(name, &format!("poweredOn {online}"), powered(online))
            .await;
        assert_eq!(node(&bed, &uuid).await.power_state.as_deref(), Some(ironic));
        if let Some(system) = &host.system {
            system.wait_for_power(bmc).await;
        }
    }

    // Deprovisioning: the image removed.
    bed.patch(name, json!({"spec": {"image": null}})).await;
    let deprovisioned = bed.wait_for_state(name, "available").await;
    assert!(bed.went(name, "provisioned", "deprovisioning").await);
    assert!(status(&deprovisioned).provisioning.image.is_none());
    let available = node(&bed, &uuid).await;
    assert_eq!(
        available.provision_state.as_deref(),
        Some(states::AVAILABLE)
    );

    // Deletion: powered off, then the node deleted.
    bed.delete(name).await;
    bed.wait_until_gone(name).await;
    assert!(
        bed.went(name, "available", "powering off before delete")
            .await
    );
    let left: Vec<Node> = bed
        .ironic
        .nodes(&["uuid", "name"])
        .await
        .expect("GET /v1/nodes")
        .into_iter()
        .filter(|n| n.uuid == uuid || n.name.as_deref() == registered.name.as_deref())
        .collect();
    assert!(left.is_empty(), "Ironic still has {left:?}");
    let ports = bed
        .ironic
        .ports_by_address(&host.boot_mac)
        .await
        .expect("ports");
    assert!(ports.is_empty(), "Ironic still has {ports:?}");
    if let Some(system) = &host.system {
        system.wait_for_power("Off").await;
    }
    bed.stop().await;
}

/// Runs `test`, then deletes the node named after host `name` should it still be in Ironic
/// (the test failed midway), and fails as the test did.
async fn leaving_no_node(
    endpoint: &str,
    name: &str,
    test: impl Future<Output = ()> + Send + 'static,
) {
    let outcome = tokio::spawn(test).await;
    remove_node(endpoint, &format!("{NAMESPACE}~{name}")).await;
    if let Err(failure) = outcome {
        std::panic::resume_unwind(failure.into_panic());
    }
}

/// Deletes the node, in maintenance so that any provision state allows it, retrying while
/// Ironic has it locked. Reports rather than fails: it runs after a failure.
async fn remove_node(endpoint: &str, node_name: &str) {
    let client = match IronicClient::connect(&ClientConfig::new(endpoint.to_owned())).await {
        Ok(client) => client,
        Err(e) => return eprintln!("cleanup: cannot reach Ironic: {e}"),
    };
    let deadline = Instant::now() + STEP_LIMIT;
    loop {
        let failure = match client.find_node(node_name).await {
            Ok(None) => return,
            Ok(Some(node)) => {
                eprintln!("cleanup: deleting node {node_name} ({})", node.uuid);
                if node.maintenance != Some(true)
                    && let Err(e) = client.set_maintenance(&node.uuid, "test cleanup").await
                {
                    eprintln!("cleanup: maintenance on {node_name}: {e}");
                }
                match client.delete_node(&node.uuid).await {
                    Ok(()) => return,
                    Err(e) => e.to_string(),
                }
            }
            Err(e) => e.to_string(),
        };
        if Instant::now() >= deadline {
            return eprintln!("cleanup: node {node_name} left in Ironic: {failure}");
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// #24, #27, #30, #40: Ironic's `fake-hardware` driver, every interface fake.
#[tokio::test]
async fn a_fake_hardware_host_lives_and_leaves_no_node() {
    let Some(endpoint) = ironic_endpoint("a_fake_hardware_host_lives_and_leaves_no_node") else {
        return;
    };
    let name = unique("fake");
    let host = Host {
        name: name.clone(),
        boot_mac: format!(
            "02:00:00:cb:{:02x}:{:02x}",
            fastrand::u8(..),
            fastrand::u8(..)
        ),
        bmc_address: "fake-hardware://127.0.0.1".into(),
        system: None,
    };
    leaving_no_node(&endpoint, &name, lifecycle(endpoint.clone(), host)).await;
}

/// #24, #27, #30, #40, #52, #57: `fake-hardware+redfish` (Redfish power and management
/// against the emulator, everything else fake); power changes reach the emulated BMC.
#[tokio::test]
async fn a_redfish_host_powers_its_bmc_and_leaves_no_node() {
    let Some(endpoint) = ironic_endpoint("a_redfish_host_powers_its_bmc_and_leaves_no_node") else {
        return;
    };
    let sushy =
        std::env::var("SUSHY_ENDPOINT").expect("SUSHY_ENDPOINT (`scripts/real-ironic.sh env`)");
    let system = listed("SUSHY_SYSTEMS", SYSTEM);
    let name = unique("redfish");
    let host = Host {
        name: name.clone(),
        boot_mac: listed("SUSHY_SYSTEM_MACS", SYSTEM),
        bmc_address: format!(
            "fake-hardware+redfish+http://{}/redfish/v1/Systems/{system}",
            sushy.trim_start_matches("http://")
        ),
        system: Some(RedfishSystem {
            url: format!("{sushy}/redfish/v1/Systems/{system}"),
        }),
    };
    leaving_no_node(&endpoint, &name, lifecycle(endpoint.clone(), host)).await;
}
