//! The benchmark's cluster: `examples/cluster.yaml` grown to `machines` Machines (one
//! control plane, the rest workers) with an IPPool large enough for all of them.

use serde_json::{Value, json};

/// The example, compiled in so the benchmark runs from any directory.
const EXAMPLE: &str = include_str!("../../../examples/cluster.yaml");

/// The Cluster's name in the example.
pub const CLUSTER: &str = "sandbox";

pub fn cluster_of(machines: usize) -> Result<Vec<Value>, String> {
    let mut documents = super::super::apply::documents(EXAMPLE)?;
    for document in &mut documents {
        match document["kind"].as_str() {
            Some("MachineDeployment") => {
                document["spec"]["replicas"] = json!(machines.saturating_sub(1));
            }
            // 198.18.0.0/15 is set aside for benchmarks (RFC 2544): 131,000 addresses.
            Some("IPPool") => {
                document["spec"]["pools"] =
                    json!([{"start": "198.18.0.10", "end": "198.19.255.250"}]);
                document["spec"]["prefix"] = json!(15);
                document["spec"]["gateway"] = json!("198.18.0.1");
            }
            _ => {}
        }
    }
    Ok(documents)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_cluster_has_one_control_plane_and_the_rest_workers() {
        let documents = super::cluster_of(1000).expect("the example parses");
        let find = |kind: &str| {
            documents
                .iter()
                .find(|d| d["kind"] == kind)
                .unwrap_or_else(|| panic!("{kind} in the example"))
        };
        assert_eq!(find("KubeadmControlPlane")["spec"]["replicas"], 1);
        assert_eq!(find("MachineDeployment")["spec"]["replicas"], 999);
        assert_eq!(find("IPPool")["spec"]["prefix"], 15);
        assert_eq!(find("Cluster")["metadata"]["name"], super::CLUSTER);
    }
}
