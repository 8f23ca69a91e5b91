use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{Auth, ClientConfig, Driver, IronicError};
use crate::metrics::IronicMetrics;

/// The oldest API version capm3 works with, as upstream (`ironic API 1.89 or newer is required`).
pub const MIN_MICROVERSION: &str = "1.89";
/// The newest API version capm3 knows; the client asks for the lower of this and the server's.
pub const NEWEST_MICROVERSION: &str = "1.110";

/// How often one request is tried before its error is returned.
const ATTEMPTS: u32 = 5;
const FIRST_BACKOFF: Duration = Duration::from_millis(100);

/// A client for one Ironic endpoint, with the microversion negotiated.
#[derive(Clone)]
pub struct IronicClient {
    http: reqwest::Client,
    /// `scheme://host:port`, without `/v1`.
    base: String,
    auth: Auth,
    microversion: String,
    metrics: Option<IronicMetrics>,
}

impl IronicClient {
    /// Connects: builds the HTTP client and negotiates the microversion.
    pub async fn connect(config: &ClientConfig) -> Result<IronicClient, IronicError> {
        let mut client = IronicClient::new(config)?;
        client.negotiate().await?;
        Ok(client)
    }

    /// The client without negotiation (it uses the oldest supported microversion).
    pub fn new(config: &ClientConfig) -> Result<IronicClient, IronicError> {
        let mut builder = reqwest::Client::builder()
            .timeout(config.timeout)
            .danger_accept_invalid_certs(config.insecure);
        if let Some(ca) = &config.ca_cert {
            let pem = std::fs::read(ca)
                .map_err(|e| IronicError::Config(format!("cannot read {}: {e}", ca.display())))?;
            for cert in reqwest::Certificate::from_pem_bundle(&pem)
                .map_err(|e| IronicError::Config(format!("invalid CA {}: {e}", ca.display())))?
            {
                builder = builder.add_root_certificate(cert);
            }
        }
        if let Some((cert, key)) = &config.client_cert {
            let mut pem = std::fs::read(cert)
                .map_err(|e| IronicError::Config(format!("cannot read {}: {e}", cert.display())))?;
            pem.extend(
                std::fs::read(key).map_err(|e| {
                    IronicError::Config(format!("cannot read {}: {e}", key.display()))
                })?,
            );
            let identity = reqwest::Identity::from_pem(&pem)
                .map_err(|e| IronicError::Config(format!("invalid client certificate: {e}")))?;
            builder = builder.identity(identity);
        }
        let http = builder
            .build()
            .map_err(|e| IronicError::Config(e.to_string()))?;
        let base = config
            .endpoint
            .trim_end_matches('/')
            .trim_end_matches("/v1")
            .trim_end_matches('/')
            .to_owned();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(IronicError::Config(format!(
                "the Ironic endpoint must be an http(s) URL, not {:?}",
                config.endpoint
            )));
        }
        Ok(IronicClient {
            http,
            base,
            auth: config.auth.clone(),
            microversion: MIN_MICROVERSION.to_owned(),
            metrics: None,
        })
    }

    /// Counts and times every request in `metrics`.
    pub fn with_metrics(mut self, metrics: IronicMetrics) -> IronicClient {
        self.metrics = Some(metrics);
        self
    }

    /// The microversion requests carry.
    pub fn microversion(&self) -> &str {
        &self.microversion
    }

    /// Whether the negotiated microversion is at least `version` (`disable_power_off` needs
    /// 1.95, aborting a deployment 1.110).
    pub fn has_microversion(&self, version: &str) -> bool {
        parse_version(&self.microversion) >= parse_version(version)
    }

    /// Reads the server's newest microversion (`GET /`) and uses the lower of it and ours;
    /// refuses a server older than [`MIN_MICROVERSION`].
    pub async fn negotiate(&mut self) -> Result<(), IronicError> {
        let root: Value = self.call(Method::GET, "/", None).await?.unwrap_or_default();
        let version = root["default_version"]["version"]
            .as_str()
            .or_else(|| root["versions"].get(0).and_then(|v| v["version"].as_str()))
            .ok_or_else(|| {
                IronicError::Decode("no API version in Ironic's root document".into())
            })?;
        if parse_version(version) < parse_version(MIN_MICROVERSION) {
            return Err(IronicError::TooOld(MIN_MICROVERSION, version.to_owned()));
        }
        self.microversion = if parse_version(version) < parse_version(NEWEST_MICROVERSION) {
            version.to_owned()
        } else {
            NEWEST_MICROVERSION.to_owned()
        };
        Ok(())
    }

    /// Upstream's readiness check: some conductor must offer a driver.
    pub async fn drivers(&self) -> Result<Vec<Driver>, IronicError> {
        let drivers: Vec<Driver> = self.get_list("/v1/drivers", "drivers").await?;
        if drivers.is_empty() {
            return Err(IronicError::NotReady);
        }
        Ok(drivers)
    }

    pub(super) async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, IronicError> {
        let body = self
            .call(Method::GET, path, None)
            .await?
            .unwrap_or_default();
        serde_json::from_value(body).map_err(|e| IronicError::Decode(format!("{path}: {e}")))
    }

    /// A collection, following Ironic's `next` links when it pages.
    pub(super) async fn get_list<T: DeserializeOwned>(
        &self,
        path: &str,
        key: &str,
    ) -> Result<Vec<T>, IronicError> {
        let mut items = Vec::new();
        let mut next = Some(path.to_owned());
        while let Some(path) = next.take() {
            let page = self
                .call(Method::GET, &path, None)
                .await?
                .unwrap_or_default();
            let page_items = page[key].as_array().cloned().unwrap_or_default();
            let done = page_items.is_empty();
            for item in page_items {
                items.push(
                    serde_json::from_value(item)
                        .map_err(|e| IronicError::Decode(format!("{path}: {e}")))?,
                );
            }
            next = page["next"]
                .as_str()
                .filter(|_| !done)
                .map(|url| url.trim_start_matches(&self.base).to_owned());
        }
        Ok(items)
    }

    /// One request, retried with backoff on connection failures, 503 and 409 (a node
    /// locked by a running transition): Ironic queues few connections and locks nodes
    /// while it works on them. Returns the JSON body, if any.
    pub(super) async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Option<Value>, IronicError> {
        let url = format!("{}{path}", self.base);
        let mut backoff = FIRST_BACKOFF;
        let mut attempt = 1;
        loop {
            match self.timed_send(method.clone(), path, &url, body).await {
                Err(e) if e.is_transient() && attempt < ATTEMPTS => {
                    tokio::time::sleep(backoff).await;
                    backoff *= 2;
                    attempt += 1;
                }
                result => return result,
            }
        }
    }

    /// One attempt: the exchange, counted and timed, then its body interpreted.
    async fn timed_send(
        &self,
        method: Method,
        path: &str,
        url: &str,
        body: Option<&Value>,
    ) -> Result<Option<Value>, IronicError> {
        let started = Instant::now();
        let exchanged = self.exchange(method.clone(), url, body).await;
        if let Some(metrics) = &self.metrics {
            // 0: no response (connection refused, reset, timed out).
            let code = exchanged.as_ref().map_or(0, |(status, _)| status.as_u16());
            metrics.observe(method.as_str(), path, code, started.elapsed());
        }
        let (status, bytes) = exchanged?;
        if !status.is_success() {
            return Err(IronicError::from_response(status.as_u16(), &bytes));
        }
        if bytes.is_empty() || status == StatusCode::NO_CONTENT {
            return Ok(None);
        }
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| IronicError::Decode(e.to_string()))
    }

    /// Sends the request and reads the whole response.
    async fn exchange(
        &self,
        method: Method,
        url: &str,
        body: Option<&Value>,
    ) -> Result<(StatusCode, bytes::Bytes), IronicError> {
        let mut request = self
            .http
            .request(method, url)
            .header("X-OpenStack-Ironic-API-Version", &self.microversion);
        if let Auth::Basic { username, password } = &self.auth {
            request = request.basic_auth(username, Some(password));
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        // The URL is logged by callers; request bodies never are (they carry credentials).
        let response = request
            .send()
            .await
            .map_err(|e| IronicError::Unreachable(without_url(&e)))?;
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| IronicError::Unreachable(without_url(&e)))?;
        Ok((status, bytes))
    }
}

/// reqwest errors can carry the URL with credentials in userinfo; keep only the cause.
fn without_url(error: &reqwest::Error) -> String {
    let mut message = error.to_string();
    if let Some(url) = error.url() {
        message = message.replace(url.as_str(), "<ironic>");
    }
    message
}

/// `1.89` → (1, 89), for comparing microversions.
fn parse_version(version: &str) -> (u64, u64) {
    let (major, minor) = version.split_once('.').unwrap_or((version, "0"));
    (major.parse().unwrap_or(0), minor.parse().unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn microversions_compare_numerically() {
        assert!(parse_version("1.110") > parse_version("1.89"));
        assert!(parse_version("1.9") < parse_version("1.89"));
        assert_eq!(parse_version("1.95"), (1, 95));
    }

    #[test]
    fn endpoints_may_name_v1_or_not() {
        for endpoint in [
            "http://127.0.0.1:6385",
            "http://127.0.0.1:6385/",
            "http://127.0.0.1:6385/v1",
            "http://127.0.0.1:6385/v1/",
        ] {
            let client = IronicClient::new(&ClientConfig::new(endpoint)).expect("client");
            assert_eq!(client.base, "http://127.0.0.1:6385", "{endpoint}");
        }
        assert!(IronicClient::new(&ClientConfig::new("127.0.0.1:6385")).is_err());
    }
}
