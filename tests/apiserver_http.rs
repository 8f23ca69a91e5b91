//! The embedded API server over raw HTTP: bodies and status codes as the real server sends
//! them, without a Kubernetes client in between.

mod common;

use capm3::sandbox::apiserver::ApiServer;
use serde_json::{Value, json};

struct Http {
    base: String,
    client: reqwest::Client,
}

impl Http {
    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        content_type: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base))
            .header("content-type", content_type);
        if let Some(body) = body {
            request = request.body(body.to_string());
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn json(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        self.send(method, path, "application/json", body).await
    }
}

const HOSTS: &str = "/apis/metal3.io/v1alpha1/namespaces/default/baremetalhosts";

async fn setup() -> (ApiServer, Http) {
    let server = common::server_with_crds().await;
    let http = Http {
        base: server.url(),
        client: reqwest::Client::new(),
    };
    (server, http)
}

fn host(name: &str) -> Value {
    json!({"apiVersion": "metal3.io/v1alpha1", "kind": "BareMetalHost", "metadata": {"name": name}, "spec": {"online": true}})
}

fn status() -> Value {
    json!({"operationalStatus": "OK", "errorCount": 0, "errorMessage": "", "poweredOn": true,
           "provisioningFailCount": 0, "provisioning": {"ID": "", "state": "available"}})
}

#[tokio::test]
async fn status_and_spec_are_written_separately() {
    let (server, http) = setup().await;
    let (code, created) = http
        .json(reqwest::Method::POST, HOSTS, Some(host("node-0")))
        .await;
    assert_eq!(code, 201);

    let mut object = created.clone();
    object["status"] = status();
    object["spec"]["online"] = json!(false);
    let (code, written) = http
        .json(
            reqwest::Method::PUT,
            &format!("{HOSTS}/node-0/status"),
            Some(object),
        )
        .await;
    assert_eq!(code, 200);
    assert_eq!(written["status"]["provisioning"]["state"], "available");
    assert_eq!(written["spec"]["online"], true, "/status ignores the spec");
    assert_eq!(written["metadata"]["generation"], 1);

    let (_, merged) = http
        .send(
            reqwest::Method::PATCH,
            &format!("{HOSTS}/node-0"),
            "application/merge-patch+json",
            Some(json!({"spec": {"online": false}, "status": {"poweredOn": false}})),
        )
        .await;
    assert_eq!(merged["spec"]["online"], false);
    assert_eq!(
        merged["status"]["poweredOn"], true,
        "the main resource ignores the status"
    );
    assert_eq!(merged["metadata"]["generation"], 2);
    server.stop().await;
}

#[tokio::test]
async fn errors_are_status_objects() {
    let (server, http) = setup().await;
    let mut bad = host("node-0");
    bad["spec"]["bootMode"] = json!("BIOS");
    bad["spec"]["online"] = json!("yes");
    let (code, body) = http.json(reqwest::Method::POST, HOSTS, Some(bad)).await;
    assert_eq!(code, 422);
    assert_eq!(
        (
            body["kind"].as_str(),
            body["reason"].as_str(),
            body["code"].as_u64()
        ),
        (Some("Status"), Some("Invalid"), Some(422))
    );
    let fields: Vec<&str> = body["details"]["causes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["field"].as_str())
        .collect();
    assert_eq!(fields, ["spec.bootMode", "spec.online"]);

    let (code, body) = http
        .json(reqwest::Method::GET, &format!("{HOSTS}/missing"), None)
        .await;
    assert_eq!((code, body["reason"].as_str()), (404, Some("NotFound")));
    assert_eq!(
        body["message"],
        "baremetalhosts.metal3.io \"missing\" not found"
    );

    http.json(reqwest::Method::POST, HOSTS, Some(host("node-1")))
        .await;
    let (code, _) = http
        .send(
            reqwest::Method::PATCH,
            &format!("{HOSTS}/node-1"),
            "text/plain",
            Some(json!({})),
        )
        .await;
    assert_eq!(code, 415);

    let (code, body) = http
        .json(
            reqwest::Method::DELETE,
            &format!("{HOSTS}/node-1"),
            Some(json!({"preconditions": {"uid": "not-the-uid"}})),
        )
        .await;
    assert_eq!((code, body["reason"].as_str()), (409, Some("Conflict")));
    server.stop().await;
}

#[tokio::test]
async fn watch_lines_resume_from_a_resource_version() {
    let (server, http) = setup().await;
    let (_, first) = http
        .json(reqwest::Method::POST, HOSTS, Some(host("node-0")))
        .await;
    let since = first["metadata"]["resourceVersion"]
        .as_str()
        .expect("rv")
        .to_owned();
    http.json(reqwest::Method::POST, HOSTS, Some(host("node-1")))
        .await;
    http.json(reqwest::Method::DELETE, &format!("{HOSTS}/node-0"), None)
        .await;

    let url = format!(
        "{}{HOSTS}?watch=true&resourceVersion={since}&timeoutSeconds=1",
        http.base
    );
    let text = http
        .client
        .get(url)
        .send()
        .await
        .expect("watch")
        .text()
        .await
        .expect("body");
    let events: Vec<(String, String)> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .map(|e| {
            (
                e["type"].as_str().unwrap_or_default().to_owned(),
                e["object"]["metadata"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect();
    assert_eq!(
        events,
        [
            ("ADDED".to_owned(), "node-1".to_owned()),
            ("DELETED".to_owned(), "node-0".to_owned())
        ]
    );
    server.stop().await;
}
