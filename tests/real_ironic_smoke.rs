//! The real Ironic environment works (scripts/real-ironic.sh, docs/real-ironic.md): over
//! plain HTTP, a `fake-hardware` node walks Ironic's whole lifecycle, and a node with
//! Redfish power drives one of the sushy emulator's fake BMCs.
//!
//! Skipped unless `IRONIC_ENDPOINT` is set; `make test` starts Ironic and sets it.

use std::time::{Duration, Instant};

use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

/// The microversion we speak: what capm3's Ironic client is written against.
const MICROVERSION: (u64, u64) = (1, 89);
const VERSION_HEADER: &str = "X-OpenStack-Ironic-API-Version";
/// `fake-hardware` needs about 2 s for the whole lifecycle; this is a hang, not slowness.
const PROVISION_DEADLINE: Duration = Duration::from_secs(60);
const PROVISION_POLL: Duration = Duration::from_millis(100);
/// The emulator applies a power change 1–11 s after it is asked.
const POWER_DEADLINE: Duration = Duration::from_secs(90);
const POWER_POLL: Duration = Duration::from_millis(500);
/// Every node this test creates is named with this prefix.
const PREFIX: &str = "smoke~";

/// JSON over HTTP that survives Ironic's small accept queue: its API server queues only
/// 5 connections, so a busy server resets some; those requests are sent again.
#[derive(Clone)]
struct Http {
    client: Client,
    base: String,
    headers: Vec<(&'static str, String)>,
}

impl Http {
    fn new(base: &str) -> Http {
        let client = Client::builder()
            .timeout(Duration::from_secs(30))
            // Below the server's keep-alive timeout (10 s for Ironic's cheroot), so we do not
            // reuse a connection the server is closing.
            .pool_idle_timeout(Duration::from_secs(5))
            .build()
            .expect("HTTP client");
        Http {
            client,
            base: base.trim_end_matches('/').to_string(),
            headers: Vec::new(),
        }
    }

    async fn send(&self, method: Method, path: &str, body: Option<&Value>) -> (StatusCode, Value) {
        const ATTEMPTS: u32 = 5;
        let url = format!("{}{path}", self.base);
        for attempt in 1..=ATTEMPTS {
            let mut request = self.client.request(method.clone(), &url);
            for (name, value) in &self.headers {
                request = request.header(*name, value);
            }
            if let Some(body) = body {
                request = request.json(body);
            }
            match request.send().await {
                Ok(response) => {
                    let status = response.status();
                    let text = response.text().await.unwrap_or_default();
                    let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
                    return (status, value);
                }
                // Refused or reset before an answer: nothing was done, so sending again is safe.
                Err(e) if attempt < ATTEMPTS && (e.is_connect() || e.is_request()) => {
                    eprintln!("{method} {url}: {e} (attempt {attempt}, retrying)");
                    tokio::time::sleep(Duration::from_millis(200 * u64::from(attempt))).await;
                }
                Err(e) => panic!("{method} {url}: {e}"),
            }
        }
        unreachable!("the last attempt returns or panics")
    }

    /// Sends and insists on `expected`, returning the body.
    async fn expect(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        expected: StatusCode,
    ) -> Value {
        let (status, value) = self.send(method.clone(), path, body).await;
        assert_eq!(status, expected, "{method} {path}: {value}");
        value
    }

    async fn get(&self, path: &str) -> Value {
        self.expect(Method::GET, path, None, StatusCode::OK).await
    }
}

/// "1.115" → (1, 115): microversions are not decimal fractions.
fn parse_version(text: &str) -> (u64, u64) {
    let (major, minor) = text
        .split_once('.')
        .unwrap_or_else(|| panic!("microversion {text:?}"));
    (
        major.parse().expect("major version"),
        minor.parse().expect("minor version"),
    )
}

/// Connects to the Ironic in `IRONIC_ENDPOINT` and agrees on a microversion.
async fn ironic(endpoint: &str) -> Http {
    let mut http = Http::new(endpoint);
    let root = http.get("/v1").await;
    let max = parse_version(root["version"]["version"].as_str().expect("max version"));
    let min = parse_version(
        root["version"]["min_version"]
            .as_str()
            .expect("min version"),
    );
    assert!(
        max >= MICROVERSION && min <= MICROVERSION,
        "Ironic speaks {min:?}..={max:?}, we need {MICROVERSION:?}"
    );
    http.headers.push((
        VERSION_HEADER,
        format!("{}.{}", MICROVERSION.0, MICROVERSION.1),
    ));
    http
}

/// Every interface of a `fake-hardware` node, all fake unless overridden.
fn fake_node(name: &str) -> Value {
    json!({
        "name": name,
        "driver": "fake-hardware",
        "bios_interface": "fake",
        "boot_interface": "fake",
        "console_interface": "fake",
        "deploy_interface": "fake",
        "firmware_interface": "fake",
        "inspect_interface": "fake",
        "management_interface": "fake",
        "network_interface": "noop",
        "power_interface": "fake",
        "raid_interface": "fake",
        "rescue_interface": "fake",
        "storage_interface": "fake",
        "vendor_interface": "fake",
    })
}

/// A node this test created.
struct Node {
    uuid: String,
    name: String,
}

async fn create(ironic: &Http, node: Value) -> Node {
    let created = ironic
        .expect(Method::POST, "/v1/nodes", Some(&node), StatusCode::CREATED)
        .await;
    assert_eq!(created["provision_state"], "enroll", "{created}");
    Node {
        uuid: created["uuid"].as_str().expect("node uuid").to_string(),
        name: created["name"].as_str().expect("node name").to_string(),
    }
}

/// Polls `check` every `every` until it returns `Ok`, giving up after `deadline`. `check`
/// returns `Err` with what it saw while waiting, and panics itself on failures.
async fn wait_for<T, F: AsyncFnMut() -> Result<T, String>>(
    what: &str,
    deadline: Duration,
    every: Duration,
    mut check: F,
) -> T {
    let started = Instant::now();
    loop {
        match check().await {
            Ok(done) => {
                println!("{what} in {:?}", started.elapsed());
                return done;
            }
            Err(seen) => assert!(
                started.elapsed() < deadline,
                "{what}: not done after {deadline:?}: {seen}"
            ),
        }
        tokio::time::sleep(every).await;
    }
}

/// Asks for a provision state change and waits until the node settles in `target`.
async fn provision(ironic: &Http, node: &Node, body: Value, target: &str) -> Value {
    let uuid = &node.uuid;
    ironic
        .expect(
            Method::PUT,
            &format!("/v1/nodes/{uuid}/states/provision"),
            Some(&body),
            StatusCode::ACCEPTED,
        )
        .await;
    let what = format!("{}: {} -> {target}", node.name, body["target"]);
    wait_for(&what, PROVISION_DEADLINE, PROVISION_POLL, async || {
        let now = ironic.get(&format!("/v1/nodes/{uuid}")).await;
        let state = now["provision_state"].as_str().unwrap_or_default();
        assert!(
            !state.ends_with("failed") && state != "error",
            "{what}: {state}: {}",
            now["last_error"]
        );
        if state == target && now["target_provision_state"].is_null() {
            Ok(now)
        } else {
            Err(format!(
                "{state} (target {})",
                now["target_provision_state"]
            ))
        }
    })
    .await
}

async fn delete(ironic: &Http, uuid: &str) {
    let path = format!("/v1/nodes/{uuid}");
    ironic
        .expect(Method::DELETE, &path, None, StatusCode::NO_CONTENT)
        .await;
    ironic
        .expect(Method::GET, &path, None, StatusCode::NOT_FOUND)
        .await;
}

/// enroll → manageable → (inspect) → available (cleaning) → active (configdrive) → deleted
/// → available, then gone.
async fn fake_lifecycle(ironic: &Http) {
    let node = create(ironic, fake_node(&format!("{PREFIX}node-0"))).await;

    provision(ironic, &node, json!({"target": "manage"}), "manageable").await;
    let inspected = provision(ironic, &node, json!({"target": "inspect"}), "manageable").await;
    assert!(
        !inspected["inspection_finished_at"].is_null(),
        "inspection ran: {inspected}"
    );
    provision(ironic, &node, json!({"target": "provide"}), "available").await;

    let configdrive = json!({
        "meta_data": {"uuid": node.uuid, "hostname": "smoke-node-0", "name": "smoke-node-0"},
        "user_data": "#cloud-config\nhostname: smoke-node-0\n",
        "network_data": {"links": [], "networks": [], "services": []},
    });
    let active = provision(
        ironic,
        &node,
        json!({"target": "active", "configdrive": configdrive}),
        "active",
    )
    .await;
    assert!(
        active["instance_info"].get("configdrive").is_some(),
        "the configdrive reached the node: {}",
        active["instance_info"]
    );

    provision(ironic, &node, json!({"target": "deleted"}), "available").await;
    delete(ironic, &node.uuid).await;
}

/// The Redfish system the test drives: the first of `SUSHY_SYSTEMS`, or the emulator's first.
async fn sushy_system(sushy: &Http) -> String {
    if let Some(first) = std::env::var("SUSHY_SYSTEMS")
        .ok()
        .and_then(|ids| ids.split(',').next().map(str::to_string))
        .filter(|id| !id.is_empty())
    {
        return format!("/redfish/v1/Systems/{first}");
    }
    let systems = sushy.get("/redfish/v1/Systems").await;
    systems["Members"][0]["@odata.id"]
        .as_str()
        .unwrap_or_else(|| panic!("no system in the emulator: {systems}"))
        .to_string()
}

/// Powers the node to `target` through Ironic and waits until both Ironic and the emulator
/// say it happened.
async fn power(ironic: &Http, sushy: &Http, node: &Node, system: &str, target: &str) {
    let uuid = &node.uuid;
    ironic
        .expect(
            Method::PUT,
            &format!("/v1/nodes/{uuid}/states/power"),
            Some(&json!({"target": target})),
            StatusCode::ACCEPTED,
        )
        .await;
    let redfish = if target == "power on" { "On" } else { "Off" };
    let what = format!("{}: {target}", node.name);
    wait_for(&what, POWER_DEADLINE, POWER_POLL, async || {
        let now = ironic.get(&format!("/v1/nodes/{uuid}")).await;
        assert!(now["last_error"].is_null(), "{what}: {}", now["last_error"]);
        let bmc = sushy.get(system).await;
        if now["power_state"] == target
            && now["target_power_state"].is_null()
            && bmc["PowerState"] == redfish
        {
            Ok(())
        } else {
            Err(format!(
                "Ironic says {} (target {}), the BMC says {}",
                now["power_state"], now["target_power_state"], bmc["PowerState"]
            ))
        }
    })
    .await
}

/// A `fake-hardware` node whose power and management go to an emulated BMC over Redfish.
async fn redfish_power(ironic: &Http, sushy: &Http) {
    let system = sushy_system(sushy).await;
    let mut node = fake_node(&format!("{PREFIX}redfish-0"));
    node["power_interface"] = json!("redfish");
    node["management_interface"] = json!("redfish");
    node["driver_info"] = json!({
        "redfish_address": sushy.base,
        "redfish_system_id": system,
        // Unset, Ironic 39.0.0 looks its default up in a `[fake-hardware]` config group,
        // which does not exist, and the node fails validation.
        "redfish_verify_ca": false,
    });
    let node = create(ironic, node).await;

    // Managing reads the power state from the BMC: Redfish works before we change anything.
    let managed = provision(ironic, &node, json!({"target": "manage"}), "manageable").await;
    let bmc = sushy.get(&system).await;
    let expected = match bmc["PowerState"].as_str() {
        Some("On") => "power on",
        Some("Off") => "power off",
        other => panic!("BMC power state {other:?}"),
    };
    assert_eq!(managed["power_state"], expected, "{managed}");

    power(ironic, sushy, &node, &system, "power off").await;
    power(ironic, sushy, &node, &system, "power on").await;
    delete(ironic, &node.uuid).await;
}

/// Removes nodes an earlier, interrupted run of this test left behind (their names would
/// clash). A fresh `scripts/real-ironic.sh start` has none.
async fn remove_leftovers(ironic: &Http) {
    let nodes = ironic.get("/v1/nodes?fields=uuid,name").await;
    for node in nodes["nodes"].as_array().into_iter().flatten() {
        let (Some(uuid), Some(name)) = (node["uuid"].as_str(), node["name"].as_str()) else {
            continue;
        };
        if name.starts_with(PREFIX) {
            eprintln!("removing {name} ({uuid}) left by an earlier run");
            let patch = json!([{"op": "replace", "path": "/maintenance", "value": true}]);
            ironic
                .send(Method::PATCH, &format!("/v1/nodes/{uuid}"), Some(&patch))
                .await;
            delete(ironic, uuid).await;
        }
    }
}

#[tokio::test]
async fn real_ironic_smoke() {
    let Ok(endpoint) = std::env::var("IRONIC_ENDPOINT") else {
        println!("SKIPPED: real Ironic is not running (run scripts/real-ironic.sh start)");
        return;
    };
    let sushy_endpoint =
        std::env::var("SUSHY_ENDPOINT").expect("SUSHY_ENDPOINT (set with IRONIC_ENDPOINT)");
    let started = Instant::now();
    let ironic = ironic(&endpoint).await;
    let sushy = Http::new(&sushy_endpoint);

    let drivers = ironic.get("/v1/drivers").await;
    let names: Vec<&str> = drivers["drivers"]
        .as_array()
        .expect("drivers")
        .iter()
        .filter_map(|driver| driver["name"].as_str())
        .collect();
    for wanted in ["fake-hardware", "redfish"] {
        assert!(names.contains(&wanted), "{wanted} in {names:?}");
    }

    remove_leftovers(&ironic).await;
    // Concurrently, as the operator will: Ironic must serve several clients at once.
    tokio::join!(fake_lifecycle(&ironic), redfish_power(&ironic, &sushy));

    let nodes = ironic.get("/v1/nodes").await;
    assert_eq!(nodes["nodes"], json!([]), "no node left behind");
    println!("real Ironic smoke test passed in {:?}", started.elapsed());
}
