//! The BareMetalHost controller end to end, in process: the embedded API server, the Ironic
//! simulator, and the real controller over the shared host cache. A host is enrolled,
//! inspected, provisioned and deleted as a user would do it, checking what the user sees
//! (status, HardwareData, the Secret's finalizer, Events) at each step.

mod common;

use capm3::api::bmo::v1alpha1::{HardwareData, OperationalStatus};
use capm3::bmo::controller::{HOST_FINALIZER, SECRET_FINALIZER};
use common::bmo::{BmoBed, NAMESPACE};
use kube::ResourceExt;
use kube::api::Api;
use serde_json::json;

#[tokio::test]
async fn a_host_goes_from_enrolment_to_provisioned_and_back_to_nothing() {
    let bed = BmoBed::start().await;
    common::enrol_fake_host(&bed.client, NAMESPACE, "worker-0", "52:54:00:00:00:01").await;

    // Registration and inspection end in `available`, with the hardware reported.
    let host = bed.wait_for_state("worker-0", "available").await;
    assert!(host.finalizers().contains(&HOST_FINALIZER.to_owned()));
    let status = host.status.as_ref().expect("status");
    assert_eq!(status.operational_status, OperationalStatus::Ok);
    assert_eq!(
        status
            .good_credentials
            .as_ref()
            .and_then(|c| c.credentials.as_ref())
            .and_then(|r| r.name.as_deref()),
        Some("worker-0-bmc")
    );
    let hardware = status.hardware.as_ref().expect("status.hardware");
    assert!(!hardware.nics.as_deref().unwrap_or_default().is_empty());
    let details = Api::<HardwareData>::namespaced(bed.client.clone(), NAMESPACE)
        .get_opt("worker-0")
        .await
        .expect("read HardwareData");
    assert!(
        details.is_some(),
        "a HardwareData object named after the host"
    );
    let secret = bed.secret("worker-0-bmc").await.expect("secret");
    assert!(
        secret.finalizers().contains(&SECRET_FINALIZER.to_owned()),
        "the BMC Secret is protected while the host uses it"
    );

    // Provisioning: an image and user data.
    bed.create_secret("worker-0-user-data", json!({"userData": "#cloud-config\n"}))
        .await;
    bed.patch(
        "worker-0",
        json!({"spec": {
            "image": {"url": "http://127.0.0.1/image.qcow2", "checksum": "http://127.0.0.1/image.qcow2.sha256sum"},
            "userData": {"name": "worker-0-user-data"},
        }}),
    )
    .await;
    let host = bed
        .wait_for("worker-0", "provisioned and powered on", |host| {
            common::provisioning_state(host) == Some("provisioned")
                && host
                    .and_then(|h| h.status.as_ref())
                    .is_some_and(|s| s.powered_on)
        })
        .await
        .expect("host exists");
    let status = host.status.as_ref().expect("status");
    assert_eq!(
        status.provisioning.image.as_ref().map(|i| i.url.as_str()),
        Some("http://127.0.0.1/image.qcow2")
    );

    // Ironic loses the node (its database was reset): the host registers a new node and
    // adopts it without re-provisioning.
    let lost = status.provisioning.id.clone();
    bed.sim()
        .ironic
        .set_maintenance(&lost, Some("test"))
        .expect("maintenance");
    bed.sim().ironic.delete(&lost).expect("node deleted");
    bed.poke("worker-0").await;
    let host = bed
        .wait_for("worker-0", "a new node", |host| {
            host.and_then(|h| h.status.as_ref())
                .is_some_and(|s| !s.provisioning.id.is_empty() && s.provisioning.id != lost)
        })
        .await
        .expect("host exists");
    assert_eq!(common::provisioning_state(Some(&host)), Some("provisioned"));
    let adopted = host
        .status
        .as_ref()
        .expect("status")
        .provisioning
        .id
        .clone();
    bed.eventually("the new node adopted", async || {
        bed.sim().ironic.node(&adopted).expect("node")["provision_state"] == "active"
    })
    .await;

    // Deletion deprovisions, removes the node and releases the Secret.
    bed.delete("worker-0").await;
    bed.wait_until_gone("worker-0").await;
    // The host owns its BMC Secret (as upstream): released, it is garbage-collected.
    bed.eventually("the BMC Secret garbage-collected", async || {
        bed.secret("worker-0-bmc").await.is_none()
    })
    .await;
    assert_eq!(bed.sim().ironic.node_count(), 0, "the Ironic node is gone");
    // Every step the user would want to see was an Event.
    let reasons = bed.event_reasons("worker-0").await;
    for expected in [
        "Registered",
        "InspectionStarted",
        "InspectionComplete",
        "PowerOn",
        "ProvisioningStarted",
        "ProvisioningComplete",
        "DeprovisioningStarted",
        "DeprovisioningComplete",
    ] {
        assert!(
            reasons.iter().any(|r| r == expected),
            "an Event {expected}; got {reasons:?}"
        );
    }

    assert!(bed.metrics.render().contains("capm3_ironic_requests_total"));
    bed.stop().await;
}
