//! The Ironic provisioner against the in-process Ironic simulator: a host driven through
//! its life as the state machine would, one fresh provisioner per reconcile, checking
//! Ironic's state and the requests sent at each step.

use std::sync::Arc;
use std::time::Duration;

use capm3::api::bmo::v1alpha1::{
    AutomatedCleaningMode, BootMode, Image, InspectionMode, RAIDConfig, RootDeviceHints,
};
use capm3::bmc::Credentials;
use capm3::bmo::annotations::RebootMode;
use capm3::bmo::ironic::{Config, IronicProvisionerFactory, hardware_details};
use capm3::bmo::provisioner::{
    HostData, Inspection, Outcome, PrepareData, ProvisionData, ProvisionResult, Provisioner,
    ProvisionerFactory,
};
use capm3::bmo::state::ProvisioningState;
use capm3::ironic::{
    ClientConfig, IronicClient, Node, NodeCreate, ProvisionRequest, states, targets,
};
use capm3::sandbox::ironic::Simulator;
use capm3::sandbox::ironic::knobs::{Failure, Knobs};
use capm3::sandbox::ironic::states::Step;
use serde_json::{Value, json};

const BOOT_MAC: &str = "52:54:00:aa:bb:01";

struct Bed {
    sim: Arc<Simulator>,
    client: IronicClient,
    factory: IronicProvisionerFactory,
}

async fn bed(knobs: Knobs, config: Config) -> Bed {
    let sim = Simulator::start("127.0.0.1:0".parse().expect("addr"), knobs)
        .await
        .expect("simulator");
    let client = IronicClient::connect(&ClientConfig::new(sim.url()))
        .await
        .expect("client");
    let factory = IronicProvisionerFactory::new(client.clone(), config);
    Bed {
        sim,
        client,
        factory,
    }
}

fn config() -> Config {
    Config {
        deploy_kernel_url: Some("http://127.0.0.1/ipa.kernel".into()),
        deploy_ramdisk_url: Some("http://127.0.0.1/ipa.initramfs".into()),
        provisioning_limit: 20,
        allow_fake_hardware: true,
        ..Config::default()
    }
}

fn host(name: &str, address: &str) -> HostData {
    HostData {
        namespace: "metal3".into(),
        name: name.into(),
        uid: format!("uid-{name}"),
        provisioner_id: String::new(),
        bmc_address: address.into(),
        disable_certificate_verification: false,
        credentials: Credentials {
            username: "admin".into(),
            password: "s3cret".into(),
        },
        boot_mac_address: Some(BOOT_MAC.into()),
        boot_mode: BootMode::Uefi,
        automated_cleaning_mode: AutomatedCleaningMode::Metadata,
        inspection_mode: InspectionMode::Agent,
        state: ProvisioningState::Registering,
        current_image: None,
        has_custom_deploy: false,
        disable_power_off: false,
        cpu_architecture: Some("x86_64".into()),
        nics: Vec::new(),
    }
}

fn image() -> Image {
    serde_json::from_value(
        json!({"url": "http://127.0.0.1/os.qcow2", "checksum": "abc123", "format": "qcow2"}),
    )
    .expect("image")
}

/// Calls `call` (a fresh provisioner each time, as each reconcile makes one) until it
/// reports nothing left to do; returns the last answer.
async fn settle<T>(
    mut call: impl AsyncFnMut() -> ProvisionResult<T>,
    dirty: impl Fn(&T) -> bool,
) -> T {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let answer = call().await.expect("provisioner call");
        if !dirty(&answer) {
            return answer;
        }
        assert!(tokio::time::Instant::now() < deadline, "never settled");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn settle_outcome(call: impl AsyncFnMut() -> ProvisionResult<Outcome>) -> Outcome {
    settle(call, |outcome| outcome.dirty).await
}

async fn node(client: &IronicClient, id: &str) -> Node {
    client.node(id).await.expect("node")
}

/// Registers `host` and records the node's ID in it, as the state machine does.
async fn register(bed: &Bed, host: &mut HostData) -> Outcome {
    let (outcome, id) = settle(
        async || {
            bed.factory
                .for_host(host.clone())
                .register(false, false)
                .await
        },
        |(outcome, _)| outcome.dirty,
    )
    .await;
    host.provisioner_id = id;
    outcome
}

/// Inspects the host until inspection is over; the answer, and how many calls started it.
async fn inspect(bed: &Bed, host: &HostData) -> (Inspection, usize) {
    let mut started = 0;
    let inspection = settle(
        async || {
            let inspection = bed
                .factory
                .for_host(host.clone())
                .inspect_hardware(false, false, false)
                .await?;
            started += usize::from(inspection.started);
            Ok(inspection)
        },
        |inspection| inspection.outcome.dirty,
    )
    .await;
    (inspection, started)
}

#[tokio::test]
async fn a_host_from_registration_to_deletion() {
    let bed = bed(Knobs::default(), config()).await;
    let mut host = host("worker-0", "fake-hardware://127.0.0.1");

    // Registration enrols the node and makes it manageable.
    assert_eq!(register(&bed, &mut host).await, Outcome::done());
    let enrolled = node(&bed.client, &host.provisioner_id).await;
    assert_eq!(enrolled.name.as_deref(), Some("metal3~worker-0"));
    assert_eq!(enrolled.driver.as_deref(), Some("fake-hardware"));
    assert_eq!(
        enrolled.provision_state.as_deref(),
        Some(states::MANAGEABLE)
    );
    assert_eq!(enrolled.automated_clean, Some(true));
    assert_eq!(
        enrolled
            .properties
            .as_ref()
            .map(|p| (p["capabilities"].clone(), p["cpu_arch"].clone())),
        Some((json!("boot_mode:uefi"), json!("x86_64")))
    );
    let driver_info = enrolled.driver_info.clone().unwrap_or_default();
    assert_eq!(driver_info["deploy_kernel"], "http://127.0.0.1/ipa.kernel");
    assert_eq!(
        driver_info["deploy_ramdisk"],
        "http://127.0.0.1/ipa.initramfs"
    );
    let ports = bed
        .client
        .ports_of_node(&host.provisioner_id)
        .await
        .expect("ports");
    assert_eq!(ports.len(), 1);
    assert_eq!(
        (ports[0].address.as_str(), ports[0].pxe_enabled),
        (BOOT_MAC, Some(true))
    );
    assert_eq!(bed.sim.counts().get("POST /v1/nodes"), Some(&1));

    // Registering the unchanged host again writes nothing.
    let writes = |bed: &Bed| {
        let counts = bed.sim.counts();
        [
            "POST /v1/nodes",
            "PATCH /v1/nodes/{id}",
            "POST /v1/ports",
            "PUT /v1/nodes/{id}/states/provision",
        ]
        .map(|route| counts.get(route).copied().unwrap_or_default())
    };
    let before = writes(&bed);
    assert_eq!(register(&bed, &mut host).await, Outcome::done());
    assert_eq!(writes(&bed), before);

    // Inspection starts once, then reports the inventory.
    host.state = ProvisioningState::Inspecting;
    let (inspection, started) = inspect(&bed, &host).await;
    assert_eq!(started, 1);
    assert_eq!(inspection.outcome, Outcome::done());
    let details = inspection.details.expect("hardware details");
    let nics = details.nics.unwrap_or_default();
    assert!(nics.iter().any(|n| n.mac.as_deref() == Some(BOOT_MAC)));
    assert_eq!(details.cpu.and_then(|c| c.arch).as_deref(), Some("x86_64"));
    assert_eq!(details.storage.map(|s| s.len()), Some(2));

    // Preparing with software RAID cleans with RAID steps; then nothing is left to do.
    host.state = ProvisioningState::Preparing;
    let raid: RAIDConfig =
        serde_json::from_value(json!({"softwareRAIDVolumes": [{"level": "1"}]})).expect("raid");
    let mut data = PrepareData {
        target_raid: Some(raid.clone()),
        ..PrepareData::default()
    };
    let (outcome, started) = bed
        .factory
        .for_host(host.clone())
        .prepare(&data, true, false)
        .await
        .expect("prepare");
    assert!(started && outcome.dirty);
    let cleaning = node(&bed.client, &host.provisioner_id).await;
    assert_eq!(cleaning.other.get("raid_interface"), Some(&json!("agent")));
    assert_eq!(
        cleaning.other["target_raid_config"]["logical_disks"][0],
        json!({"size_gb": "MAX", "raid_level": "1", "controller": "software", "is_root_volume": true})
    );
    // The host saves the applied RAID: the next calls see no change.
    data.actual_raid = Some(raid);
    let (outcome, _) = settle(
        async || {
            bed.factory
                .for_host(host.clone())
                .prepare(&data, true, false)
                .await
        },
        |(outcome, _)| outcome.dirty,
    )
    .await;
    assert_eq!(outcome, Outcome::done());
    assert_eq!(
        node(&bed.client, &host.provisioner_id)
            .await
            .provision_state
            .as_deref(),
        Some(states::MANAGEABLE)
    );

    // Provisioning provides (cleans), deploys with the configdrive, and ends active.
    host.state = ProvisioningState::Provisioning;
    let hints: RootDeviceHints =
        serde_json::from_value(json!({"deviceName": "/dev/sda"})).expect("hints");
    let provision = ProvisionData {
        image: Some(image()),
        root_device_hints: Some(hints),
        user_data: Some("#cloud-config\n".into()),
        ..ProvisionData::default()
    };
    let outcome = settle_outcome(async || {
        bed.factory
            .for_host(host.clone())
            .provision(&provision, false)
            .await
    })
    .await;
    assert_eq!(outcome, Outcome::done());
    let active = node(&bed.client, &host.provisioner_id).await;
    assert_eq!(active.provision_state.as_deref(), Some(states::ACTIVE));
    assert_eq!(active.instance_uuid.as_deref(), Some("uid-worker-0"));
    let info = active.instance_info.clone().unwrap_or_default();
    assert_eq!(info["image_source"], "http://127.0.0.1/os.qcow2");
    assert_eq!(info["image_checksum"], "abc123");
    assert_eq!(info["image_disk_format"], "qcow2");
    assert_eq!(info["root_device"], json!({"name": "s== /dev/sda"}));
    assert_eq!(info["configdrive"]["user_data"], "#cloud-config\n");
    assert_eq!(info["configdrive"]["meta_data"]["metal3-name"], "worker-0");
    assert_eq!(
        active.driver_info.unwrap_or_default()["force_persistent_boot_device"],
        "Default"
    );

    // Power follows the requests.
    host.state = ProvisioningState::Provisioned;
    let p = bed.factory.for_host(host.clone());
    assert_eq!(
        p.update_hardware_state().await.expect("state").powered_on,
        Some(true)
    );
    let outcome = settle_outcome(async || {
        bed.factory
            .for_host(host.clone())
            .power_off(RebootMode::Default, false)
            .await
    })
    .await;
    assert_eq!(outcome, Outcome::done());
    assert_eq!(
        node(&bed.client, &host.provisioner_id)
            .await
            .power_state
            .as_deref(),
        Some("power off")
    );
    let outcome =
        settle_outcome(async || bed.factory.for_host(host.clone()).power_on(false).await).await;
    assert_eq!(outcome, Outcome::done());
    let p = bed.factory.for_host(host.clone());
    assert_eq!(
        p.update_hardware_state().await.expect("state").powered_on,
        Some(true)
    );
    assert_eq!(
        p.adopt(false).await.expect("adopt"),
        Outcome::done(),
        "an active node needs no adoption"
    );

    // Deprovisioning undeploys and cleans back to available.
    host.state = ProvisioningState::Deprovisioning;
    let outcome =
        settle_outcome(async || bed.factory.for_host(host.clone()).deprovision(false).await).await;
    assert_eq!(outcome, Outcome::done());
    let available = node(&bed.client, &host.provisioner_id).await;
    assert_eq!(
        available.provision_state.as_deref(),
        Some(states::AVAILABLE)
    );
    assert_eq!(available.instance_uuid, None);

    // Deleting removes the node.
    host.state = ProvisioningState::Deleting;
    let outcome = settle_outcome(async || bed.factory.for_host(host.clone()).delete().await).await;
    assert_eq!(outcome, Outcome::done());
    assert_eq!(
        bed.client
            .find_node(&host.provisioner_id)
            .await
            .expect("lookup"),
        None
    );
    assert_eq!(bed.sim.ironic.node_count(), 0);
}

#[tokio::test]
async fn a_boot_mac_used_by_another_named_node_is_a_conflict() {
    let bed = bed(Knobs::default(), config()).await;
    let other = bed
        .client
        .create_node(&NodeCreate {
            name: "other~node".into(),
            driver: "fake-hardware".into(),
            ..NodeCreate::default()
        })
        .await
        .expect("node");
    bed.client
        .create_port(&other.uuid, BOOT_MAC, true)
        .await
        .expect("port");
    let (outcome, id) = bed
        .factory
        .for_host(host("worker-1", "fake-hardware://127.0.0.1"))
        .register(false, false)
        .await
        .expect("register");
    assert_eq!(
        outcome,
        Outcome::failed(format!(
            "MAC address {BOOT_MAC} conflicts with existing node other~node"
        ))
    );
    assert_eq!(id, "");
    assert_eq!(bed.sim.ironic.node_count(), 1);
}

#[tokio::test]
async fn credentials_are_sent_again_only_when_they_change() {
    let bed = bed(Knobs::default(), config()).await;
    let mut host = host("bmc-0", "redfish://127.0.0.1:8000/redfish/v1/Systems/1");
    host.boot_mac_address = None;
    assert_eq!(register(&bed, &mut host).await, Outcome::done());
    let enrolled = node(&bed.client, &host.provisioner_id).await;
    let info = enrolled.driver_info.unwrap_or_default();
    assert_eq!(info["redfish_address"], "https://127.0.0.1:8000");
    assert_eq!(
        info["redfish_password"], "******",
        "Ironic never returns passwords"
    );
    assert_eq!(
        enrolled.other.get("raid_interface"),
        Some(&json!("redfish"))
    );
    assert_eq!(
        enrolled.other.get("inspect_interface"),
        Some(&json!("agent"))
    );
    let patches = |bed: &Bed| {
        bed.sim
            .counts()
            .get("PATCH /v1/nodes/{id}")
            .copied()
            .unwrap_or_default()
    };
    let before = patches(&bed);
    let p = bed.factory.for_host(host.clone());
    assert_eq!(
        p.register(false, false).await.expect("register").0,
        Outcome::done()
    );
    assert_eq!(patches(&bed), before);
    // Replacing driver_info drops the deploy images, which configuring puts back.
    let register_with = async |host: &HostData, credentials_changed: bool| {
        let p = bed.factory.for_host(host.clone());
        let (outcome, _) = p
            .register(credentials_changed, false)
            .await
            .expect("register");
        assert_eq!(outcome, Outcome::done());
        patches(&bed)
    };
    assert!(
        register_with(&host, true).await > before,
        "credentials changed"
    );
    let after_credentials = patches(&bed);
    assert_eq!(register_with(&host, false).await, after_credentials);
    host.bmc_address = "redfish://127.0.0.2:8000/redfish/v1/Systems/1".into();
    assert!(
        register_with(&host, false).await > after_credentials,
        "address changed"
    );
    let info = node(&bed.client, &host.provisioner_id)
        .await
        .driver_info
        .unwrap_or_default();
    assert_eq!(info["deploy_kernel"], "http://127.0.0.1/ipa.kernel");
    assert_eq!(info["redfish_address"], "https://127.0.0.2:8000");
}

/// #73: Ironic's `fake` inspect interface stores no inventory (tests/bmo_real_ironic.rs sees
/// it on the real Ironic). Upstream would start such an inspection again for ever; here an
/// inspection Ironic saw succeed is done once, with what an empty inventory maps to.
#[tokio::test]
async fn an_inspection_that_stores_no_inventory_is_done_once() {
    let knobs = Knobs {
        no_inventory: true,
        ..Knobs::default()
    };
    let bed = bed(knobs, config()).await;
    let mut host = host("worker-0", "fake-hardware://127.0.0.1");
    assert_eq!(register(&bed, &mut host).await, Outcome::done());
    host.state = ProvisioningState::Inspecting;
    let (inspection, started) = inspect(&bed, &host).await;
    assert_eq!(started, 1);
    assert_eq!(inspection.outcome, Outcome::done());
    assert_eq!(inspection.details, Some(hardware_details(&Value::Null)));
    assert!(bed.sim.ironic.inventory(&host.provisioner_id).is_err());
    let inspected = node(&bed.client, &host.provisioner_id).await;
    assert!(inspected.inspection_finished_at.is_some());
}

#[tokio::test]
async fn refused_hosts_are_not_enrolled() {
    let bed = bed(Knobs::default(), config()).await;
    let mut ipmi = host("ipmi-0", "ipmi://127.0.0.1");
    ipmi.inspection_mode = InspectionMode::Fast;
    let (outcome, _) = bed
        .factory
        .for_host(ipmi.clone())
        .register(false, false)
        .await
        .expect("register");
    assert_eq!(
        outcome,
        Outcome::failed("BMC driver ipmi does not support fast (out-of-band) inspection")
    );
    ipmi.inspection_mode = InspectionMode::Agent;
    ipmi.boot_mode = BootMode::UefiSecureBoot;
    let (outcome, _) = bed
        .factory
        .for_host(ipmi)
        .register(false, false)
        .await
        .expect("register");
    assert_eq!(
        outcome,
        Outcome::failed("BMC driver ipmi does not support secure boot")
    );
    let mut libvirt = host("vm-0", "libvirt://127.0.0.1");
    libvirt.boot_mac_address = None;
    let (outcome, _) = bed
        .factory
        .for_host(libvirt)
        .register(false, false)
        .await
        .expect("register");
    assert_eq!(
        outcome,
        Outcome::failed("BMC driver libvirt requires a BootMACAddress value")
    );
    let (outcome, _) = bed
        .factory
        .for_host(host("bad-0", "bogus://127.0.0.1"))
        .register(false, false)
        .await
        .expect("register");
    assert!(
        outcome
            .error_message
            .is_some_and(|m| m.starts_with("Unknown BMC type 'bogus'"))
    );
    assert_eq!(bed.sim.ironic.node_count(), 0);
}

#[tokio::test]
async fn a_failed_deployment_of_the_same_image_is_reported() {
    let knobs = Knobs {
        failures: vec![Failure {
            name_prefix: Some("metal3~broken".into()),
            step: Some("deploy".into()),
            probability: 1.0,
            times: None,
        }],
        ..Knobs::default()
    };
    let bed = bed(knobs, config()).await;
    let mut host = host("broken", "fake-hardware://127.0.0.1");
    register(&bed, &mut host).await;
    host.state = ProvisioningState::Provisioning;
    let data = ProvisionData {
        image: Some(image()),
        ..ProvisionData::default()
    };
    let outcome = settle_outcome(async || {
        bed.factory
            .for_host(host.clone())
            .provision(&data, false)
            .await
    })
    .await;
    let message = outcome.error_message.expect("failure");
    assert!(
        message.starts_with("Image provisioning failed (url: http://127.0.0.1/os.qcow2, checksum: abc123): deploy failed on node"),
        "{message}"
    );
    assert_eq!(
        node(&bed.client, &host.provisioner_id)
            .await
            .provision_state
            .as_deref(),
        Some(states::DEPLOY_FAILED)
    );

    // Detaching a failed node puts it in maintenance first, then deletes it.
    let p = bed.factory.for_host(host.clone());
    assert!(p.detach(false).await.expect("detach").dirty);
    assert_eq!(
        node(&bed.client, &host.provisioner_id).await.maintenance,
        Some(true)
    );
    let outcome =
        settle_outcome(async || bed.factory.for_host(host.clone()).detach(false).await).await;
    assert_eq!(outcome, Outcome::done());
    assert_eq!(bed.sim.ironic.node_count(), 0);
}

#[tokio::test]
async fn the_provisioning_limit_counts_busy_nodes_once() {
    let mut knobs = Knobs::default();
    knobs.latency.insert(Step::Deploy, Duration::from_secs(60));
    let bed = bed(
        knobs,
        Config {
            provisioning_limit: 1,
            ..config()
        },
    )
    .await;
    let mut busy = host("busy", "fake-hardware://127.0.0.1");
    register(&bed, &mut busy).await;
    let uuid = busy.provisioner_id.clone();
    for target in [targets::PROVIDE, targets::ACTIVE] {
        bed.client
            .set_provision_state(&uuid, &ProvisionRequest::target(target))
            .await
            .expect("state change");
        settle(
            async || Ok(node(&bed.client, &uuid).await),
            |n| n.provision_state.as_deref() == Some(states::CLEANING),
        )
        .await;
    }
    assert_eq!(
        node(&bed.client, &uuid).await.provision_state.as_deref(),
        Some(states::DEPLOYING)
    );
    let lists = |bed: &Bed| {
        bed.sim
            .counts()
            .get("GET /v1/nodes")
            .copied()
            .unwrap_or_default()
    };
    let before = lists(&bed);
    // Fake hardware boots from virtual media, which has no limit: the hosts checked here
    // use IPMI.
    let waiting = host("waiting", "ipmi://127.0.0.1");
    assert!(
        !bed.factory
            .for_host(waiting)
            .has_capacity()
            .await
            .expect("capacity")
    );
    let counted = host("busy", "ipmi://127.0.0.1");
    assert!(
        bed.factory
            .for_host(counted)
            .has_capacity()
            .await
            .expect("capacity"),
        "already counted"
    );
    assert_eq!(lists(&bed), before + 2, "one list request per check");
    let virtual_media = host(
        "vm",
        "redfish-virtualmedia://127.0.0.1/redfish/v1/Systems/1",
    );
    assert!(
        bed.factory
            .for_host(virtual_media)
            .has_capacity()
            .await
            .expect("capacity")
    );
}
