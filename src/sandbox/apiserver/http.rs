//! HTTP: the API server's REST surface over [`Api`], with axum.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::api::{Api, ListOptions, WriteOptions};
use super::discovery;
use super::hooks::FaultAction;
use super::openapi;
use super::patch::PatchType;
use super::request::{self, ResourcePath, Route};
use super::status::{self, ApiError};
use super::table;
use super::watch::{self, WatchOptions};

pub fn router(api: Arc<Api>) -> Router {
    Router::new().fallback(handle).with_state(api)
}

async fn handle(
    State(api): State<Arc<Api>>,
    method: Method,
    uri: Uri,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let result = match request::parse(uri.path()) {
        None => Err(ApiError::no_route(uri.path())),
        Some(Route::Resource(path)) => {
            match injected_fault(&api, &method, &path, &query, &headers).await {
                Some(error) => Err(error),
                None => resource(&api, &method, path, &query, &headers, &body).await,
            }
        }
        Some(route) if method == Method::GET => {
            discover(&api, route, uri.path()).map(|v| json(StatusCode::OK, &v))
        }
        Some(_) => Err(ApiError::method_not_allowed(format!(
            "{method} is not supported here"
        ))),
    };
    result.unwrap_or_else(|error| {
        json(
            StatusCode::from_u16(error.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            &error.body,
        )
    })
}

/// Counts the request and applies an injected fault, if one fires.
async fn injected_fault(
    api: &Api,
    method: &Method,
    path: &ResourcePath,
    query: &HashMap<String, String>,
    headers: &HeaderMap,
) -> Option<ApiError> {
    let verb = match (method.as_str(), path.name.is_some()) {
        ("GET", true) => "get",
        ("GET", false) if flag(query, "watch") => "watch",
        ("GET", false) => "list",
        ("POST", _) => "create",
        ("PUT", _) => "update",
        ("PATCH", _) => "patch",
        ("DELETE", true) => "delete",
        ("DELETE", false) => "deletecollection",
        _ => "other",
    };
    let resource = match &path.subresource {
        Some(sub) => format!("{}/{sub}", path.resource),
        None => path.resource.clone(),
    };
    api.hooks.count(program(headers), verb, &resource);
    match api.hooks.fault_for(verb, &resource)? {
        FaultAction::Delay(delay) => {
            tokio::time::sleep(delay).await;
            None
        }
        FaultAction::Status(code) => Some(ApiError::injected(code)),
    }
}

fn discover(api: &Api, route: Route, path: &str) -> Result<Value, ApiError> {
    let resources = api.registry.all();
    let found = match route {
        Route::Version => Some(discovery::version()),
        Route::CoreVersions => Some(discovery::core_versions()),
        Route::Groups => Some(discovery::group_list(&resources)),
        Route::Group(group) => discovery::group(&resources, &group),
        Route::ResourceList { group, version } => {
            discovery::resource_list(&resources, &group, &version)
        }
        Route::OpenApiRoot => Some(openapi::root(&resources)),
        Route::OpenApi { group, version } => Some(openapi::document(&resources, &group, &version)),
        Route::Resource(_) => None,
    };
    found.ok_or_else(|| ApiError::no_route(path))
}

async fn resource(
    api: &Arc<Api>,
    method: &Method,
    path: ResourcePath,
    query: &HashMap<String, String>,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Response, ApiError> {
    let named = path.name.is_some();
    let ok = |v: Value| json(StatusCode::OK, &v);
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let as_table = |v: Value| -> Result<Value, ApiError> {
        if !table::wants_table(accept) {
            return Ok(v);
        }
        let (_, version) = api.resolve(&path)?;
        let include = table::Include::parse(query.get("includeObject").map(String::as_str));
        let rv = v["metadata"]["resourceVersion"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let items = if named {
            vec![v]
        } else {
            v["items"].as_array().cloned().unwrap_or_default()
        };
        Ok(table::table(&version, &items, include, &rv))
    };
    match (method.as_str(), named) {
        ("GET", true) => api.get(&path).await.and_then(as_table).map(ok),
        ("GET", false) if flag(query, "watch") => watch_response(api, path, query).await,
        ("GET", false) => api
            .list(&path, &list_options(query))
            .await
            .and_then(as_table)
            .map(ok),
        ("POST", false) => api
            .create(&path, parse_body(body)?, write_options(query, headers))
            .await
            .map(|v| json(StatusCode::CREATED, &v)),
        ("PUT", true) => api
            .update(&path, parse_body(body)?, write_options(query, headers))
            .await
            .map(ok),
        ("PATCH", true) => {
            let content_type = headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            let patch_type = PatchType::from_content_type(content_type)
                .ok_or_else(|| ApiError::unsupported_media_type(content_type))?;
            api.patch(
                &path,
                patch_type,
                &parse_body(body)?,
                write_options(query, headers),
            )
            .await
            .map(ok)
        }
        ("DELETE", true) => api
            .delete(&path, &delete_options(body, query)?)
            .await
            .map(ok),
        ("DELETE", false) => delete_collection(api, &path, query, body).await.map(ok),
        _ => Err(ApiError::method_not_allowed(format!(
            "{method} is not supported on this path"
        ))),
    }
}

async fn delete_collection(
    api: &Api,
    path: &ResourcePath,
    query: &HashMap<String, String>,
    body: &Bytes,
) -> Result<Value, ApiError> {
    let options = delete_options(body, query)?;
    let list = api.list(path, &list_options(query)).await?;
    for item in list["items"].as_array().into_iter().flatten() {
        let one = ResourcePath {
            namespace: item["metadata"]["namespace"].as_str().map(str::to_owned),
            name: item["metadata"]["name"].as_str().map(str::to_owned),
            ..path.clone()
        };
        match api.delete(&one, &options).await {
            Ok(_) => {}
            Err(e) if e.code == 404 => {} // deleted meanwhile
            Err(e) => return Err(e),
        }
    }
    Ok(status::success())
}

async fn watch_response(
    api: &Arc<Api>,
    path: ResourcePath,
    query: &HashMap<String, String>,
) -> Result<Response, ApiError> {
    let options = WatchOptions {
        list: list_options(query),
        resource_version: query.get("resourceVersion").cloned(),
        allow_bookmarks: flag(query, "allowWatchBookmarks"),
        send_initial_events: flag(query, "sendInitialEvents"),
        timeout: query
            .get("timeoutSeconds")
            .and_then(|t| t.parse().ok())
            .map(Duration::from_secs),
    };
    let stream = watch::watch(api.clone(), path, options).await?;
    Ok(Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::TRANSFER_ENCODING, "chunked")
        .body(Body::from_stream(stream))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response()))
}

fn list_options(query: &HashMap<String, String>) -> ListOptions {
    ListOptions {
        label_selector: query.get("labelSelector").cloned(),
        field_selector: query.get("fieldSelector").cloned(),
        limit: query.get("limit").and_then(|l| l.parse().ok()),
        continue_token: query.get("continue").filter(|c| !c.is_empty()).cloned(),
    }
}

/// DeleteOptions from the body, with `propagationPolicy` also accepted as a query parameter.
fn delete_options(body: &Bytes, query: &HashMap<String, String>) -> Result<Value, ApiError> {
    let mut options = if body.is_empty() {
        Value::Object(Default::default())
    } else {
        parse_body(body)?
    };
    if let Some(policy) = query.get("propagationPolicy") {
        options["propagationPolicy"] = Value::String(policy.clone());
    }
    if query.get("dryRun").is_some_and(|v| v == "All") {
        options["dryRun"] = serde_json::json!(["All"]);
    }
    Ok(options)
}

/// `fieldValidation=Strict` refuses unknown fields; `Warn` and `Ignore` drop them (no
/// warning headers are sent). `dryRun=All` stores nothing. The field manager defaults to the
/// client's program, from its User-Agent, as the real server does.
fn write_options(query: &HashMap<String, String>, headers: &HeaderMap) -> WriteOptions {
    let agent = program(headers);
    WriteOptions {
        strict_fields: query.get("fieldValidation").is_some_and(|v| v == "Strict"),
        dry_run: query.get("dryRun").is_some_and(|v| v == "All"),
        field_manager: query
            .get("fieldManager")
            .cloned()
            .or(agent.map(str::to_owned)),
        force: flag(query, "force"),
    }
}

fn flag(query: &HashMap<String, String>, name: &str) -> bool {
    query.get(name).is_some_and(|v| v == "true" || v == "1")
}

/// A request body: JSON, or YAML (server-side apply sends `application/apply-patch+yaml`).
fn parse_body(body: &Bytes) -> Result<Value, ApiError> {
    serde_json::from_slice(body)
        .or_else(|_| serde_norway::from_slice(body))
        .map_err(|e| {
            ApiError::bad_request(format!("the request body is not valid JSON or YAML: {e}"))
        })
}

fn json(status: StatusCode, value: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::to_vec(value).unwrap_or_default(),
    )
        .into_response()
}

/// The client's program: its User-Agent up to the first `/` (`kubectl/v1.32.0 …`).
fn program(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .and_then(|ua| ua.split('/').next())
}
