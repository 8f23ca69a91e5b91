//! The simulator's state and what each Ironic call does to it, independent of HTTP.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{Map, Value, json};

use super::inventory;
use super::knobs::Knobs;
use super::states::{self, Step, Transition};
use crate::ironic::{power, states as s};

/// Drivers the simulator offers, as the real test bed enables them.
pub const DRIVERS: &[&str] = &["fake-hardware", "redfish", "idrac", "ipmi"];
const HOST: &str = "capm3-ironic-simulator";

/// An Ironic error: HTTP status and `faultstring`.
#[derive(Clone, Debug, PartialEq)]
pub struct Fault {
    pub status: u16,
    pub message: String,
}

impl Fault {
    pub fn new(status: u16, message: impl Into<String>) -> Self {
        Fault {
            status,
            message: message.into(),
        }
    }

    fn not_found(id: &str) -> Self {
        Fault::new(404, format!("Node {id} could not be found."))
    }

    fn locked(uuid: &str) -> Self {
        Fault::new(
            409,
            format!(
                "Node {uuid} is locked by host {HOST}, please retry after the current operation is completed."
            ),
        )
    }

    /// Ironic's error body: the fault as a JSON string inside `error_message`.
    pub fn body(&self) -> Value {
        let inner = json!({"faultstring": self.message, "faultcode": if self.status < 500 { "Client" } else { "Server" }, "debuginfo": null});
        json!({"error_message": inner.to_string()})
    }
}

#[derive(Default)]
struct State {
    nodes: BTreeMap<String, Value>,
    /// Node name → UUID, so lookups by name and the uniqueness check do not scan.
    names: HashMap<String, String>,
    ports: BTreeMap<String, Value>,
    inventories: HashMap<String, Value>,
}

/// The simulated Ironic: nodes, ports, and the transitions running on them.
#[derive(Default)]
pub struct Ironic {
    state: Mutex<State>,
    pub knobs: Mutex<Knobs>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Ironic {
    pub fn node(&self, id: &str) -> Result<Value, Fault> {
        let state = lock(&self.state);
        find(&state, id).map(|uuid| state.nodes[&uuid].clone())
    }

    /// Nodes ordered by UUID, after `marker`, at most `limit`, with only `fields`.
    pub fn list(
        &self,
        fields: Option<&[String]>,
        marker: Option<&str>,
        limit: usize,
    ) -> (Vec<Value>, Option<String>) {
        let state = lock(&self.state);
        let mut page: Vec<Value> = state
            .nodes
            .range::<str, _>((
                marker.map_or(std::ops::Bound::Unbounded, std::ops::Bound::Excluded),
                std::ops::Bound::Unbounded,
            ))
            .take(limit + 1)
            .map(|(_, n)| n.clone())
            .collect();
        let next = (page.len() > limit).then(|| {
            page.truncate(limit);
            page.last()
                .and_then(|n| n["uuid"].as_str())
                .unwrap_or_default()
                .to_owned()
        });
        let projected = page.into_iter().map(|n| project(n, fields)).collect();
        (projected, next)
    }

    pub fn create(&self, body: &Value) -> Result<Value, Fault> {
        let driver = body["driver"].as_str().unwrap_or_default();
        if !DRIVERS.contains(&driver) {
            return Err(Fault::new(
                400,
                format!("Could not find the following driver(s) or hardware type(s): {driver}."),
            ));
        }
        let mut state = lock(&self.state);
        if let Some(name) = body["name"]
            .as_str()
            .filter(|n| state.nodes.values().any(|node| node["name"] == *n))
        {
            return Err(Fault::new(
                409,
                format!("A node with name {name} already exists."),
            ));
        }
        let uuid = uuid::Uuid::new_v4().to_string();
        let mut node = json!({
            "uuid": uuid, "name": null, "driver": driver, "driver_info": {}, "driver_internal_info": {}, "instance_info": {}, "properties": {},
            "extra": {}, "provision_state": s::ENROLL, "target_provision_state": null, "power_state": null,
            "target_power_state": null, "maintenance": false, "maintenance_reason": null, "fault": null,
            "last_error": null, "instance_uuid": null, "automated_clean": null, "disable_power_off": false,
            "reservation": null, "created_at": crate::sandbox::apiserver::api::now(), "provision_updated_at": null,
            "inspection_started_at": null, "inspection_finished_at": null,
        });
        for (k, v) in body.as_object().into_iter().flatten() {
            if k != "uuid" {
                node[k] = v.clone();
            }
        }
        node["driver_info"] = masked(&node["driver_info"]);
        if let Some(name) = node["name"].as_str() {
            state.names.insert(name.to_owned(), uuid.clone());
        }
        state.nodes.insert(uuid, node.clone());
        Ok(node)
    }

    pub fn patch(&self, id: &str, ops: &Value) -> Result<Value, Fault> {
        let mut state = lock(&self.state);
        let uuid = find(&state, id)?;
        let node = state.nodes.get(&uuid).ok_or_else(|| Fault::not_found(id))?;
        unlocked(node, &uuid)?;
        let patch: json_patch::Patch = serde_json::from_value(ops.clone())
            .map_err(|e| Fault::new(400, format!("Invalid patch: {e}")))?;
        let mut updated = node.clone();
        for op in &patch.0 {
            ensure_parent(&mut updated, op);
        }
        json_patch::patch(&mut updated, &patch.0)
            .map_err(|e| Fault::new(400, format!("Invalid patch: {e}")))?;
        updated["driver_info"] = masked(&updated["driver_info"]);
        let old_name = node["name"].as_str().map(str::to_owned);
        let new_name = updated["name"].as_str().map(str::to_owned);
        if old_name != new_name {
            if let Some(name) = new_name.as_ref().filter(|n| state.names.contains_key(*n)) {
                return Err(Fault::new(
                    409,
                    format!("A node with name {name} already exists."),
                ));
            }
            if let Some(old) = old_name {
                state.names.remove(&old);
            }
            if let Some(new) = new_name {
                state.names.insert(new, uuid.clone());
            }
        }
        state.nodes.insert(uuid, updated.clone());
        Ok(updated)
    }

    pub fn delete(&self, id: &str) -> Result<(), Fault> {
        let mut state = lock(&self.state);
        let uuid = find(&state, id)?;
        let node = &state.nodes[&uuid];
        let provision_state = unlocked(node, &uuid)?;
        if !states::deletable(&provision_state) && node["maintenance"] != true {
            return Err(Fault::new(
                409,
                format!(
                    "Node {uuid} can not be deleted while it is in state \"{provision_state}\""
                ),
            ));
        }
        if let Some(name) = state
            .nodes
            .remove(&uuid)
            .and_then(|n| n["name"].as_str().map(str::to_owned))
        {
            state.names.remove(&name);
        }
        state.ports.retain(|_, p| p["node_uuid"] != *uuid);
        state.inventories.remove(&uuid);
        Ok(())
    }

    /// Starts a provision-state change; returns the transition to run.
    pub fn begin_provision(
        &self,
        id: &str,
        request: &Value,
    ) -> Result<(String, Transition), Fault> {
        let mut state = lock(&self.state);
        let uuid = find(&state, id)?;
        let node = state
            .nodes
            .get_mut(&uuid)
            .ok_or_else(|| Fault::not_found(id))?;
        let current = unlocked(node, &uuid)?;
        let target = request["target"].as_str().unwrap_or_default();
        let automated_clean = node["automated_clean"] != false;
        let transition = states::transition(&current, target, automated_clean).ok_or_else(|| {
            Fault::new(400, format!("The requested action \"{target}\" can not be performed on node \"{uuid}\" while it is in state \"{current}\"."))
        })?;
        if let (Step::Deploy, Some(configdrive)) = (transition.step, request.get("configdrive")) {
            node["instance_info"]["configdrive"] = configdrive.clone();
        }
        // Ironic keeps the requested deploy steps for the deployment's duration.
        if let (Step::Deploy, Some(steps)) = (transition.step, request.get("deploy_steps")) {
            node["driver_internal_info"]["user_deploy_steps"] = steps.clone();
        }
        start(node, &transition);
        Ok((uuid, transition))
    }

    /// Ends a running transition (successfully unless `failed`); returns the follow-up
    /// transition, if any (cleaning after an undeploy).
    pub fn finish(&self, uuid: &str, transition: &Transition, failed: bool) -> Option<Transition> {
        let stores_inventory = !lock(&self.knobs).no_inventory;
        let mut state = lock(&self.state);
        let State {
            nodes,
            inventories,
            ports,
            ..
        } = &mut *state;
        let node = nodes.get_mut(uuid)?;
        let automated_clean = node["automated_clean"] != false;
        node["target_provision_state"] = Value::Null;
        node["reservation"] = Value::Null;
        node["provision_updated_at"] = json!(crate::sandbox::apiserver::api::now());
        if transition.step == Step::Deploy
            && let Some(info) = node["driver_internal_info"].as_object_mut()
        {
            // Ironic wipes them when the deployment ends, however it ends.
            info.remove("user_deploy_steps");
        }
        if failed {
            set_provision_state(node, transition.failure);
            node["last_error"] = json!(format!(
                "{} failed on node {uuid} (injected by the simulator)",
                transition.step.name()
            ));
            return None;
        }
        if let Some(error) = verification_error(node, transition.step) {
            set_provision_state(node, transition.failure);
            node["last_error"] = json!(error);
            return None;
        }
        set_provision_state(node, transition.success);
        match transition.step {
            Step::Inspect if stores_inventory => {
                let boot_mac = ports
                    .values()
                    .find(|p| p["node_uuid"] == *uuid && p["pxe_enabled"] != false);
                let inventory =
                    inventory::for_node(node, boot_mac.and_then(|p| p["address"].as_str()));
                inventories.insert(uuid.to_owned(), inventory);
            }
            Step::Deploy | Step::Adopt => {
                node["instance_uuid"] = json!(
                    node["instance_uuid"]
                        .as_str()
                        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned)
                );
                if node["power_state"] != power::ON && node["disable_power_off"] != true {
                    node["power_state"] = json!(power::ON);
                }
            }
            Step::Undeploy => {
                node["instance_info"] = json!({});
                node["instance_uuid"] = Value::Null;
                node["power_state"] = json!(power::OFF);
            }
            _ => {}
        }
        let next = states::after(transition.step, automated_clean)?;
        start(node, &next);
        Some(next)
    }

    /// Starts a power change; returns the node's name, for failure matching.
    pub fn begin_power(&self, id: &str, target: &str) -> Result<(String, String), Fault> {
        let mut state = lock(&self.state);
        let uuid = find(&state, id)?;
        let node = state
            .nodes
            .get_mut(&uuid)
            .ok_or_else(|| Fault::not_found(id))?;
        if unlocked(node, &uuid).is_err() || !node["target_power_state"].is_null() {
            return Err(Fault::locked(&uuid));
        }
        if ![
            power::ON,
            power::OFF,
            power::SOFT_OFF,
            power::REBOOT,
            power::SOFT_REBOOT,
        ]
        .contains(&target)
        {
            return Err(Fault::new(400, format!("Invalid power state {target}")));
        }
        node["target_power_state"] = json!(target);
        Ok((uuid, node["name"].as_str().unwrap_or_default().to_owned()))
    }

    pub fn finish_power(&self, uuid: &str, failed: bool) {
        let mut state = lock(&self.state);
        let Some(node) = state.nodes.get_mut(uuid) else {
            return;
        };
        let target = node["target_power_state"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        node["target_power_state"] = Value::Null;
        if failed {
            node["last_error"] = json!(format!(
                "Failed to change power state to '{target}' (injected by the simulator)"
            ));
            return;
        }
        node["last_error"] = Value::Null;
        node["power_state"] = json!(if target == power::OFF || target == power::SOFT_OFF {
            power::OFF
        } else {
            power::ON
        });
    }

    pub fn set_maintenance(&self, id: &str, reason: Option<&str>) -> Result<(), Fault> {
        self.update(id, |node| {
            node["maintenance"] = json!(reason.is_some());
            node["maintenance_reason"] = reason.map_or(Value::Null, |r| json!(r));
            Ok(())
        })
    }

    pub fn set_raid(&self, id: &str, body: &Value) -> Result<(), Fault> {
        self.update(id, |node| {
            node["target_raid_config"] = body.clone();
            Ok(())
        })
    }

    pub fn set_vmedia(&self, id: &str, image: Option<&str>) -> Result<(), Fault> {
        self.update(id, |node| {
            node["extra"]["capm3_vmedia"] = image.map_or(Value::Null, |i| json!(i));
            Ok(())
        })
    }

    pub fn inventory(&self, id: &str) -> Result<Value, Fault> {
        let state = lock(&self.state);
        let uuid = find(&state, id)?;
        state
            .inventories
            .get(&uuid)
            .cloned()
            .ok_or_else(|| Fault::new(404, format!("Node {uuid} has no inventory yet")))
    }

    pub fn validate(&self, id: &str) -> Result<Value, Fault> {
        let node = self.node(id)?;
        let ok = json!({"result": true, "reason": null});
        let mut result = json!({"boot": ok, "deploy": ok, "management": ok, "power": ok, "inspect": ok, "raid": ok, "bios": ok, "console": ok, "network": ok, "storage": ok, "rescue": ok});
        if let Some(error) = verification_error(&node, Step::Verify) {
            for interface in ["power", "management"] {
                result[interface] = json!({"result": false, "reason": error});
            }
        }
        Ok(result)
    }

    pub fn ports(&self, address: Option<&str>, node: Option<&str>) -> Vec<Value> {
        let state = lock(&self.state);
        state
            .ports
            .values()
            .filter(|p| {
                address.is_none_or(|a| {
                    p["address"]
                        .as_str()
                        .is_some_and(|pa| pa.eq_ignore_ascii_case(a))
                })
            })
            .filter(|p| node.is_none_or(|n| p["node_uuid"] == *n))
            .cloned()
            .collect()
    }

    pub fn create_port(&self, body: &Value) -> Result<Value, Fault> {
        let mut state = lock(&self.state);
        let node_uuid = body["node_uuid"].as_str().unwrap_or_default().to_owned();
        if !state.nodes.contains_key(&node_uuid) {
            return Err(Fault::new(
                400,
                format!("Node {node_uuid} could not be found."),
            ));
        }
        let address = body["address"].as_str().unwrap_or_default().to_lowercase();
        if state.ports.values().any(|p| p["address"] == *address) {
            return Err(Fault::new(
                409,
                format!("A port with MAC address {address} already exists."),
            ));
        }
        let uuid = uuid::Uuid::new_v4().to_string();
        let port = json!({"uuid": uuid, "address": address, "node_uuid": node_uuid, "pxe_enabled": body["pxe_enabled"].as_bool().unwrap_or(true)});
        state.ports.insert(uuid, port.clone());
        Ok(port)
    }

    pub fn node_count(&self) -> usize {
        lock(&self.state).nodes.len()
    }

    fn update(
        &self,
        id: &str,
        change: impl FnOnce(&mut Value) -> Result<(), Fault>,
    ) -> Result<(), Fault> {
        let mut state = lock(&self.state);
        let uuid = find(&state, id)?;
        let node = state
            .nodes
            .get_mut(&uuid)
            .ok_or_else(|| Fault::not_found(id))?;
        change(node)
    }
}

pub type Shared = Arc<Ironic>;

fn find(state: &State, id: &str) -> Result<String, Fault> {
    if state.nodes.contains_key(id) {
        return Ok(id.to_owned());
    }
    state
        .names
        .get(id)
        .cloned()
        .ok_or_else(|| Fault::not_found(id))
}

/// The node's provision state, or the lock error while a transition runs on it.
fn unlocked(node: &Value, uuid: &str) -> Result<String, Fault> {
    let state = node["provision_state"].as_str().unwrap_or_default();
    if states::busy(state) {
        Err(Fault::locked(uuid))
    } else {
        Ok(state.to_owned())
    }
}

fn start(node: &mut Value, transition: &Transition) {
    set_provision_state(node, transition.during);
    node["target_provision_state"] = json!(transition.target);
    node["last_error"] = Value::Null;
    node["reservation"] = json!(HOST);
}

/// Moves the node to `state`, stamping the inspection times as Ironic's database layer does:
/// entering `inspecting` starts an inspection, leaving it (or `inspect wait`) for
/// `manageable` finishes one, for `inspect failed` drops it.
fn set_provision_state(node: &mut Value, state: &str) {
    let inspecting = matches!(
        node["provision_state"].as_str(),
        Some(s::INSPECTING | s::INSPECT_WAIT)
    );
    let now = || json!(crate::sandbox::apiserver::api::now());
    match state {
        s::INSPECTING => {
            node["inspection_started_at"] = now();
            node["inspection_finished_at"] = Value::Null;
        }
        s::MANAGEABLE if inspecting => {
            node["inspection_finished_at"] = now();
            node["inspection_started_at"] = Value::Null;
        }
        s::INSPECT_FAILED if inspecting => node["inspection_started_at"] = Value::Null,
        _ => {}
    }
    node["provision_state"] = json!(state);
}

/// What a failed verification (driver_info check) says, as Ironic would.
fn verification_error(node: &Value, step: Step) -> Option<String> {
    if step != Step::Verify {
        return None;
    }
    let info = &node["driver_info"];
    let needs_redfish = node["driver"] != "fake-hardware" && node["driver"] != "ipmi"
        || node["power_interface"] == "redfish";
    let missing: Vec<&str> = match node["driver"].as_str() {
        Some("ipmi") => ["ipmi_address"]
            .into_iter()
            .filter(|k| info[*k].is_null())
            .collect(),
        _ if needs_redfish => ["redfish_address"]
            .into_iter()
            .filter(|k| info[*k].is_null())
            .collect(),
        _ => Vec::new(),
    };
    (!missing.is_empty()).then(|| {
        format!("Failed to validate power driver interface for node {}. Error: Missing the following properties in node's driver_info: {}", node["uuid"].as_str().unwrap_or_default(), missing.join(", "))
    })
}

/// Ironic never returns passwords.
fn masked(driver_info: &Value) -> Value {
    let Some(info) = driver_info.as_object() else {
        return driver_info.clone();
    };
    let masked: Map<String, Value> = info
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                if k.contains("password") {
                    json!("******")
                } else {
                    v.clone()
                },
            )
        })
        .collect();
    Value::Object(masked)
}

fn project(node: Value, fields: Option<&[String]>) -> Value {
    let Some(fields) = fields else { return node };
    Value::Object(
        fields
            .iter()
            .filter_map(|f| node.get(f).map(|v| (f.clone(), v.clone())))
            .collect(),
    )
}

/// JSON patch `add` needs the parent to exist; Ironic creates nested maps as needed.
fn ensure_parent(node: &mut Value, op: &json_patch::PatchOperation) {
    let json_patch::PatchOperation::Add(add) = op else {
        return;
    };
    let path = add.path.to_string();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let mut current = node;
    for segment in &segments[..segments.len().saturating_sub(1)] {
        if !current.get(*segment).is_some_and(Value::is_object) {
            current[*segment] = json!({});
        }
        current = &mut current[*segment];
    }
}
