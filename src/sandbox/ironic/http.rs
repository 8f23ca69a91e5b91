//! The simulator's REST surface: the part of Ironic's API the client uses.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use serde_json::{Value, json};

use super::Simulator;
use super::api::{DRIVERS, Fault};
use super::knobs::Outage;

/// The API version the simulator reports; the client negotiates down to what it knows.
pub const MAX_VERSION: &str = "1.96";
const PAGE_LIMIT: usize = 1000;

type Sim = State<Arc<Simulator>>;
type Answer = Result<(StatusCode, Value), Fault>;

pub fn router(sim: Arc<Simulator>) -> Router {
    Router::new()
        .route("/", get(root))
        .route("/v1", get(v1))
        .route("/v1/", get(v1))
        .route("/v1/drivers", get(drivers))
        .route("/v1/nodes", get(list_nodes).post(create_node))
        .route(
            "/v1/nodes/{id}",
            get(get_node).patch(patch_node).delete(delete_node),
        )
        .route("/v1/nodes/{id}/validate", get(validate))
        .route("/v1/nodes/{id}/states/provision", put(provision))
        .route("/v1/nodes/{id}/states/power", put(power))
        .route("/v1/nodes/{id}/states/raid", put(raid))
        .route(
            "/v1/nodes/{id}/maintenance",
            put(set_maintenance).delete(clear_maintenance),
        )
        .route("/v1/nodes/{id}/inventory", get(inventory))
        .route("/v1/nodes/{id}/bios", get(bios))
        .route("/v1/nodes/{id}/firmware", get(firmware))
        .route(
            "/v1/nodes/{id}/vmedia",
            get(get_vmedia).post(attach_vmedia).delete(detach_vmedia),
        )
        .route(
            "/v1/nodes/{id}/vendor_passthru",
            axum::routing::any(vendor_passthru),
        )
        .route("/v1/ports", get(list_ports).post(create_port))
        .layer(middleware::from_fn_with_state(
            sim.clone(),
            count_and_outage,
        ))
        .with_state(sim)
}

/// Counts every request by method and route, and answers 503 during an outage.
async fn count_and_outage(State(sim): Sim, request: Request, next: Next) -> Response {
    let route = route_template(request.uri().path());
    sim.count(request.method(), &route);
    if sim.outage() == Some(Outage::Unavailable) {
        return fault(Fault::new(
            503,
            "The server is currently unavailable. Please try again at a later time.",
        ));
    }
    next.run(request).await
}

/// `/v1/nodes/<id>/states/power` → `/v1/nodes/{id}/states/power`, for counting.
fn route_template(path: &str) -> String {
    let segments: Vec<&str> = path.split('/').collect();
    segments
        .iter()
        .enumerate()
        .map(|(i, s)| {
            if i == 3 && (segments.get(2) == Some(&"nodes") || segments.get(2) == Some(&"ports")) {
                "{id}"
            } else {
                s
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn fault(f: Fault) -> Response {
    let status = StatusCode::from_u16(f.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        f.body().to_string(),
    )
        .into_response()
}

fn respond(answer: Answer) -> Response {
    match answer {
        Ok((status, body)) if body.is_null() => status.into_response(),
        Ok((status, body)) => (
            status,
            [(header::CONTENT_TYPE, "application/json")],
            body.to_string(),
        )
            .into_response(),
        Err(f) => fault(f),
    }
}

fn parse(body: &Bytes) -> Result<Value, Fault> {
    if body.is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_slice(body).map_err(|e| Fault::new(400, format!("Invalid JSON: {e}")))
}

fn version_doc() -> Value {
    json!({"id": "v1", "status": "CURRENT", "version": MAX_VERSION, "min_version": "1.1", "links": []})
}

async fn root() -> Response {
    respond(Ok((
        StatusCode::OK,
        json!({"name": "OpenStack Ironic API", "versions": [version_doc()], "default_version": version_doc()}),
    )))
}

async fn v1() -> Response {
    respond(Ok((StatusCode::OK, version_doc())))
}

async fn drivers() -> Response {
    let list: Vec<Value> = DRIVERS
        .iter()
        .map(|d| json!({"name": d, "hosts": ["capm3-ironic-simulator"], "type": "dynamic"}))
        .collect();
    respond(Ok((StatusCode::OK, json!({"drivers": list}))))
}

async fn list_nodes(State(sim): Sim, Query(query): Query<HashMap<String, String>>) -> Response {
    let fields: Option<Vec<String>> = query
        .get("fields")
        .map(|f| f.split(',').map(str::to_owned).collect());
    let limit = query
        .get("limit")
        .and_then(|l| l.parse().ok())
        .filter(|l| *l > 0)
        .unwrap_or(PAGE_LIMIT)
        .min(PAGE_LIMIT);
    let (nodes, next_marker) = sim.ironic.list(
        fields.as_deref(),
        query.get("marker").map(String::as_str),
        limit,
    );
    let mut body = json!({"nodes": nodes});
    if let Some(marker) = next_marker {
        let fields_query = query
            .get("fields")
            .map(|f| format!("&fields={f}"))
            .unwrap_or_default();
        body["next"] = json!(format!(
            "{}/v1/nodes?limit={limit}&marker={marker}{fields_query}",
            sim.url()
        ));
    }
    respond(Ok((StatusCode::OK, body)))
}

async fn create_node(State(sim): Sim, body: Bytes) -> Response {
    respond(
        parse(&body)
            .and_then(|b| sim.ironic.create(&b))
            .map(|n| (StatusCode::CREATED, n)),
    )
}

async fn get_node(State(sim): Sim, Path(id): Path<String>) -> Response {
    respond(sim.ironic.node(&id).map(|n| (StatusCode::OK, n)))
}

async fn patch_node(State(sim): Sim, Path(id): Path<String>, body: Bytes) -> Response {
    respond(
        parse(&body)
            .and_then(|ops| sim.ironic.patch(&id, &ops))
            .map(|n| (StatusCode::OK, n)),
    )
}

async fn delete_node(State(sim): Sim, Path(id): Path<String>) -> Response {
    respond(
        sim.ironic
            .delete(&id)
            .map(|()| (StatusCode::NO_CONTENT, Value::Null)),
    )
}

async fn validate(State(sim): Sim, Path(id): Path<String>) -> Response {
    respond(sim.ironic.validate(&id).map(|v| (StatusCode::OK, v)))
}

async fn provision(State(sim): Sim, Path(id): Path<String>, body: Bytes) -> Response {
    let started = parse(&body).and_then(|b| sim.ironic.begin_provision(&id, &b));
    respond(started.map(|(uuid, transition)| {
        sim.run_transition(uuid, transition);
        (StatusCode::ACCEPTED, Value::Null)
    }))
}

async fn power(State(sim): Sim, Path(id): Path<String>, body: Bytes) -> Response {
    let started = parse(&body).and_then(|b| {
        sim.ironic
            .begin_power(&id, b["target"].as_str().unwrap_or_default())
    });
    respond(started.map(|(uuid, name)| {
        sim.run_power(uuid, name);
        (StatusCode::ACCEPTED, Value::Null)
    }))
}

async fn raid(State(sim): Sim, Path(id): Path<String>, body: Bytes) -> Response {
    respond(
        parse(&body)
            .and_then(|b| sim.ironic.set_raid(&id, &b))
            .map(|()| (StatusCode::NO_CONTENT, Value::Null)),
    )
}

async fn set_maintenance(State(sim): Sim, Path(id): Path<String>, body: Bytes) -> Response {
    let reason = parse(&body).map(|b| b["reason"].as_str().unwrap_or_default().to_owned());
    respond(
        reason
            .and_then(|r| sim.ironic.set_maintenance(&id, Some(&r)))
            .map(|()| (StatusCode::ACCEPTED, Value::Null)),
    )
}

async fn clear_maintenance(State(sim): Sim, Path(id): Path<String>) -> Response {
    respond(
        sim.ironic
            .set_maintenance(&id, None)
            .map(|()| (StatusCode::ACCEPTED, Value::Null)),
    )
}

async fn inventory(State(sim): Sim, Path(id): Path<String>) -> Response {
    respond(sim.ironic.inventory(&id).map(|i| (StatusCode::OK, i)))
}

async fn bios(State(sim): Sim, Path(id): Path<String>) -> Response {
    respond(
        sim.ironic
            .node(&id)
            .map(|_| (StatusCode::OK, json!({"bios": []}))),
    )
}

async fn firmware(State(sim): Sim, Path(id): Path<String>) -> Response {
    respond(
        sim.ironic
            .node(&id)
            .map(|_| (StatusCode::OK, json!({"firmware": []}))),
    )
}

async fn get_vmedia(State(sim): Sim, Path(id): Path<String>) -> Response {
    respond(sim.ironic.node(&id).map(|n| {
        let image = &n["extra"]["capm3_vmedia"];
        (
            StatusCode::OK,
            json!({"image": image, "inserted": !image.is_null()}),
        )
    }))
}

async fn attach_vmedia(State(sim): Sim, Path(id): Path<String>, body: Bytes) -> Response {
    let image = parse(&body).map(|b| b["image_url"].as_str().unwrap_or_default().to_owned());
    respond(
        image
            .and_then(|i| sim.ironic.set_vmedia(&id, Some(&i)))
            .map(|()| (StatusCode::NO_CONTENT, Value::Null)),
    )
}

async fn detach_vmedia(State(sim): Sim, Path(id): Path<String>) -> Response {
    respond(
        sim.ironic
            .set_vmedia(&id, None)
            .map(|()| (StatusCode::NO_CONTENT, Value::Null)),
    )
}

/// Event subscriptions: `create_subscription` answers with an `Id`.
async fn vendor_passthru(
    State(sim): Sim,
    method: Method,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let answer = sim.ironic.node(&id).map(|_| {
        match (method.as_str(), query.get("method").map(String::as_str)) {
            ("POST", Some("create_subscription")) => (
                StatusCode::OK,
                json!({"Id": uuid::Uuid::new_v4().to_string()}),
            ),
            _ => (StatusCode::OK, json!({})),
        }
    });
    respond(answer)
}

async fn list_ports(State(sim): Sim, Query(query): Query<HashMap<String, String>>) -> Response {
    let ports = sim.ironic.ports(
        query.get("address").map(String::as_str),
        query.get("node_uuid").map(String::as_str),
    );
    respond(Ok((StatusCode::OK, json!({"ports": ports}))))
}

async fn create_port(State(sim): Sim, body: Bytes) -> Response {
    respond(
        parse(&body)
            .and_then(|b| sim.ironic.create_port(&b))
            .map(|p| (StatusCode::CREATED, p)),
    )
}
