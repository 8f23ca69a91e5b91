//! The sandbox's simulated servers, enrolled as a platform team enrols real ones: a BMC
//! credentials Secret and a BareMetalHost per server. Their BMC is Ironic's fake hardware,
//! which the Ironic simulator drives.

use k8s_openapi::api::core::v1::Secret;
use kube::api::{Api, Patch, PatchParams};
use serde_json::json;

use crate::api::bmo::v1alpha1::BareMetalHost;

/// The field manager of what the sandbox creates.
pub const FIELD_MANAGER: &str = "capm3-sandbox";

/// The name of the `index`-th host (as metal3-dev-env names its VMs).
pub fn host_name(index: usize) -> String {
    format!("node-{index}")
}

/// A locally administered MAC (`02:…`) unique to the `index`-th host, so it cannot clash with
/// a real NIC.
fn boot_mac(index: usize) -> String {
    let [.., a, b, c] = (index as u32).to_be_bytes();
    format!("02:00:5a:{a:02x}:{b:02x}:{c:02x}")
}

/// Creates (or leaves as they are) hosts `node-0` … `node-<count-1>` in `namespace`.
pub async fn enrol(
    client: &kube::Client,
    namespace: &str,
    count: usize,
) -> Result<(), kube::Error> {
    let secrets = Api::<Secret>::namespaced(client.clone(), namespace);
    let hosts = Api::<BareMetalHost>::namespaced(client.clone(), namespace);
    let apply = PatchParams::apply(FIELD_MANAGER);
    for index in 0..count {
        let name = host_name(index);
        let secret = format!("{name}-bmc");
        secrets
            .patch(
                &secret,
                &apply,
                &Patch::Apply(json!({
                    "apiVersion": "v1", "kind": "Secret",
                    "metadata": {"name": secret},
                    "type": "Opaque",
                    "stringData": {"username": "admin", "password": "password"},
                })),
            )
            .await?;
        hosts
            .patch(
                &name,
                &apply,
                &Patch::Apply(json!({
                    "apiVersion": "metal3.io/v1alpha1", "kind": "BareMetalHost",
                    "metadata": {"name": name},
                    "spec": {
                        "online": true,
                        "bootMACAddress": boot_mac(index),
                        "bootMode": "UEFI",
                        "bmc": {"address": "fake-hardware://127.0.0.1", "credentialsName": secret},
                    },
                })),
            )
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn boot_macs_are_locally_administered_and_distinct() {
        assert_eq!(super::boot_mac(0), "02:00:5a:00:00:00");
        assert_eq!(super::boot_mac(1000), "02:00:5a:00:03:e8");
        assert_ne!(super::boot_mac(256), super::boot_mac(1));
    }
}
