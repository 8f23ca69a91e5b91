//! Bulk polling: hosts at rest (available, provisioned, externally provisioned) read their
//! node and its ports from one listing of every node and every port, taken at most once per
//! [`MAX_AGE`], instead of a GET of each (upstream reads every node and its ports on every
//! reconcile, about once a minute per host).
//!
//! A node this process changed after the listing was taken is read with a GET until the
//! next listing, so a host never acts on a view older than its own last change.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::ironic::{IronicClient, IronicError, Node, Port};

/// How old a listing may be: the steady-state poll interval, so each host at rest is
/// served by one listing per poll.
pub const MAX_AGE: Duration = Duration::from_secs(60);

/// The node fields the provisioner reads, with the microversion that introduced each one
/// newer than [`crate::ironic::MIN_MICROVERSION`].
const FIELDS: &[(&str, Option<&str>)] = &[
    ("uuid", None),
    ("name", None),
    ("driver", None),
    ("provision_state", None),
    ("target_provision_state", None),
    ("power_state", None),
    ("target_power_state", None),
    ("maintenance", None),
    ("maintenance_reason", None),
    ("fault", None),
    ("last_error", None),
    ("driver_info", None),
    ("instance_info", None),
    ("properties", None),
    ("instance_uuid", None),
    ("automated_clean", None),
    ("boot_interface", None),
    ("deploy_interface", None),
    ("provision_updated_at", None),
    ("inspection_finished_at", None),
    ("disable_power_off", Some("1.95")),
    ("health", Some("1.109")),
];

#[derive(Default)]
pub struct Snapshot {
    state: Mutex<State>,
    /// Held while listing, so concurrent reconciles share one request.
    refreshing: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct State {
    nodes: HashMap<String, Node>,
    /// Ports by node UUID.
    ports: HashMap<String, Vec<Port>>,
    /// When the listing was requested (it reflects Ironic at some point after this).
    taken_at: Option<Instant>,
    /// When this process last changed each node.
    changed_at: HashMap<String, Instant>,
}

impl State {
    /// `None` when the listing is too old; `Some(false)` when it cannot speak for the node.
    fn speaks_for(&self, uuid: &str, now: Instant) -> Option<bool> {
        let taken_at = self.taken_at?;
        if now.duration_since(taken_at) >= MAX_AGE {
            return None;
        }
        let changed_since = self.changed_at.get(uuid).is_some_and(|at| *at >= taken_at);
        Some(!changed_since && self.nodes.contains_key(uuid))
    }
}

/// What a listing says about one node.
#[derive(Clone)]
pub struct Listed {
    pub node: Node,
    pub ports: Vec<Port>,
}

impl Snapshot {
    /// The node and its ports from a listing young enough, listing every node and port first
    /// when the last listing is too old. `None` when the listing cannot answer for this node
    /// (it changed since, or was created after it): the caller reads it directly.
    pub async fn node(
        &self,
        client: &IronicClient,
        uuid: &str,
    ) -> Result<Option<Listed>, IronicError> {
        if let Some(answer) = self.lookup(uuid) {
            return Ok(answer);
        }
        let _refreshing = self.refreshing.lock().await;
        // Another reconcile may have listed while this one waited.
        if let Some(answer) = self.lookup(uuid) {
            return Ok(answer);
        }
        let taken_at = Instant::now();
        let nodes = client.nodes(&fields(client)).await?;
        let ports = client.ports().await?;
        let mut state = self.lock();
        state.nodes = nodes
            .into_iter()
            .map(|node| (node.uuid.clone(), node))
            .collect();
        state.ports = HashMap::new();
        for port in ports {
            if let Some(node) = port.node_uuid.clone() {
                state.ports.entry(node).or_default().push(port);
            }
        }
        state.taken_at = Some(taken_at);
        // Changes older than the listing are in it.
        state.changed_at.retain(|_, at| *at >= taken_at);
        drop(state);
        Ok(self.lookup(uuid).flatten())
    }

    /// Records that this process changed the node (or its ports), so the listing no longer
    /// speaks for it.
    pub fn changed(&self, uuid: &str) {
        self.lock()
            .changed_at
            .insert(uuid.to_owned(), Instant::now());
    }

    /// `Some(answer)` when the current listing is young enough to answer for `uuid`.
    fn lookup(&self, uuid: &str) -> Option<Option<Listed>> {
        let state = self.lock();
        let speaks = state.speaks_for(uuid, Instant::now())?;
        Some(speaks.then(|| Listed {
            node: state.nodes[uuid].clone(),
            ports: state.ports.get(uuid).cloned().unwrap_or_default(),
        }))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn fields(client: &IronicClient) -> Vec<&'static str> {
    FIELDS
        .iter()
        .filter(|(_, since)| since.is_none_or(|version| client.has_microversion(version)))
        .map(|(field, _)| *field)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ironic::{ClientConfig, NodeCreate};
    use crate::sandbox::ironic::Simulator;
    use crate::sandbox::ironic::knobs::Knobs;

    async fn ironic_with_nodes(
        names: &[&str],
    ) -> (std::sync::Arc<Simulator>, IronicClient, Vec<String>) {
        let sim = Simulator::start("127.0.0.1:0".parse().expect("addr"), Knobs::default())
            .await
            .expect("simulator");
        let client = IronicClient::connect(&ClientConfig::new(sim.url()))
            .await
            .expect("client");
        let mut uuids = Vec::new();
        for name in names {
            let node = NodeCreate {
                name: (*name).to_owned(),
                driver: "fake-hardware".into(),
                ..Default::default()
            };
            uuids.push(client.create_node(&node).await.expect("node").uuid);
        }
        (sim, client, uuids)
    }

    fn requests(sim: &Simulator, route: &str) -> u64 {
        sim.counts().get(route).copied().unwrap_or_default()
    }

    #[tokio::test]
    async fn hosts_at_rest_share_one_listing() {
        let (sim, client, uuids) = ironic_with_nodes(&["a", "b", "c"]).await;
        let snapshot = Snapshot::default();
        for uuid in &uuids {
            let node = snapshot.node(&client, uuid).await.expect("listed");
            assert_eq!(node.map(|n| n.node.uuid).as_ref(), Some(uuid));
        }
        assert_eq!(requests(&sim, "GET /v1/nodes"), 1);
        assert_eq!(requests(&sim, "GET /v1/ports"), 1);
        assert_eq!(requests(&sim, "GET /v1/nodes/{id}"), 0);
    }

    #[tokio::test]
    async fn a_node_changed_or_created_since_the_listing_is_read_directly() {
        let (_sim, client, uuids) = ironic_with_nodes(&["a", "b"]).await;
        let snapshot = Snapshot::default();
        assert!(
            snapshot
                .node(&client, &uuids[0])
                .await
                .expect("listed")
                .is_some()
        );
        snapshot.changed(&uuids[0]);
        assert!(
            snapshot
                .node(&client, &uuids[0])
                .await
                .expect("answer")
                .is_none()
        );
        assert!(
            snapshot
                .node(&client, &uuids[1])
                .await
                .expect("listed")
                .is_some()
        );
        let late = client
            .create_node(&NodeCreate {
                name: "late".into(),
                driver: "fake-hardware".into(),
                ..Default::default()
            })
            .await
            .expect("node");
        assert!(
            snapshot
                .node(&client, &late.uuid)
                .await
                .expect("answer")
                .is_none()
        );
    }

    #[tokio::test]
    async fn a_listed_node_carries_every_field_the_provisioner_reads_and_its_ports() {
        let (_sim, client, uuids) = ironic_with_nodes(&["a"]).await;
        client
            .create_port(&uuids[0], "00:5c:52:31:00:01", true)
            .await
            .expect("port");
        let snapshot = Snapshot::default();
        let listed = snapshot
            .node(&client, &uuids[0])
            .await
            .expect("listed")
            .expect("node");
        let full = client.node(&uuids[0]).await.expect("node");
        let typed = |node: Node| Node {
            other: Default::default(),
            ..node
        };
        let addresses: Vec<&str> = listed.ports.iter().map(|p| p.address.as_str()).collect();
        assert_eq!(addresses, ["00:5c:52:31:00:01"]);
        assert_eq!(typed(listed.node), typed(full));
    }
}
