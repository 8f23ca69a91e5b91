//! TLS for capm3's own servers: certificates from a directory that cert-manager rotates, a
//! self-signed CA for the sandbox and tests, and serving an axum router over rustls.
//!
//! Hand-written glue: axum does not terminate TLS itself; tokio-rustls and hyper-util do the
//! work, this module only wires them together.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose, SanType,
};
use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use tokio::net::TcpListener;

/// A CA and a server certificate it signed, PEM-encoded.
pub struct SelfSigned {
    pub ca_pem: String,
    pub cert_pem: String,
    pub key_pem: String,
}

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot create a certificate: {0}")]
    Certificate(#[from] rcgen::Error),
    #[error("invalid certificate or key: {0}")]
    Pem(String),
    #[error("TLS configuration: {0}")]
    Rustls(#[from] rustls::Error),
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// A certificate authority for test beds and the sandbox.
pub struct Ca {
    issuer: Issuer<'static, KeyPair>,
    pem: String,
}

impl Ca {
    pub fn new(common_name: &str) -> Result<Ca, TlsError> {
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params
            .distinguished_name
            .push(DnType::CommonName, format!("{common_name} CA"));
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let pem = params.self_signed(&key)?.pem();
        Ok(Ca {
            issuer: Issuer::new(params, key),
            pem,
        })
    }

    /// The CA certificate, PEM-encoded (what a `caBundle` or kubeconfig trusts).
    pub fn pem(&self) -> &str {
        &self.pem
    }

    /// A server certificate for `127.0.0.1`, `::1`, `localhost` and `dns_names`:
    /// (certificate PEM, key PEM).
    pub fn issue(
        &self,
        common_name: &str,
        dns_names: &[&str],
    ) -> Result<(String, String), TlsError> {
        let key = KeyPair::generate()?;
        let mut names: Vec<String> = vec!["localhost".into()];
        names.extend(dns_names.iter().map(|n| (*n).to_owned()));
        let mut params = CertificateParams::new(names)?;
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        params
            .subject_alt_names
            .push(SanType::IpAddress([127, 0, 0, 1].into()));
        params
            .subject_alt_names
            .push(SanType::IpAddress(std::net::Ipv6Addr::LOCALHOST.into()));
        let cert = params.signed_by(&key, &self.issuer)?;
        Ok((cert.pem(), key.serialize_pem()))
    }
}

/// A new CA, and a certificate from it for `127.0.0.1`, `::1`, `localhost` and `dns_names`.
pub fn self_signed(common_name: &str, dns_names: &[&str]) -> Result<SelfSigned, TlsError> {
    let ca = Ca::new(common_name)?;
    let (cert_pem, key_pem) = ca.issue(common_name, dns_names)?;
    Ok(SelfSigned {
        ca_pem: ca.pem,
        cert_pem,
        key_pem,
    })
}

/// A rustls server configuration from PEM certificate chain and key (ring provider, as
/// the rest of capm3's TLS).
pub fn server_config(cert_pem: &[u8], key_pem: &[u8]) -> Result<Arc<ServerConfig>, TlsError> {
    let resolver = Arc::new(FixedCert(certified_key(cert_pem, key_pem)?));
    with_resolver(resolver)
}

/// A rustls server configuration that asks `resolver` for the certificate on every handshake.
pub fn with_resolver(resolver: Arc<dyn ResolvesServerCert>) -> Result<Arc<ServerConfig>, TlsError> {
    let config =
        ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_cert_resolver(resolver);
    Ok(Arc::new(config))
}

fn certified_key(cert_pem: &[u8], key_pem: &[u8]) -> Result<Arc<CertifiedKey>, TlsError> {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<Result<_, _>>()
        .map_err(|e| TlsError::Pem(e.to_string()))?;
    let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| TlsError::Pem(e.to_string()))?;
    let signing = rustls::crypto::ring::sign::any_supported_type(&key)?;
    Ok(Arc::new(CertifiedKey::new(chain, signing)))
}

/// One certificate for ever.
#[derive(Debug)]
struct FixedCert(Arc<CertifiedKey>);

impl ResolvesServerCert for FixedCert {
    fn resolve(&self, _: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.0.clone())
    }
}

/// `tls.crt` and `tls.key` in a directory (controller-runtime's layout, which cert-manager's
/// Secrets mount as), read again whenever they change: cert-manager rotates them in place.
#[derive(Debug)]
pub struct CertDir {
    dir: PathBuf,
    current: RwLock<(Arc<CertifiedKey>, Option<SystemTime>)>,
}

impl CertDir {
    pub fn load(dir: &Path) -> Result<Arc<CertDir>, TlsError> {
        let loaded = read_cert_dir(dir)?;
        Ok(Arc::new(CertDir {
            dir: dir.to_path_buf(),
            current: RwLock::new(loaded),
        }))
    }

    /// Reads the files again if they changed since the last read; keeps the current
    /// certificate when the new files do not load (a rotation caught half-written).
    pub fn reload_if_changed(&self) -> Result<bool, TlsError> {
        let modified = modified(&self.dir.join("tls.crt")).max(modified(&self.dir.join("tls.key")));
        if modified == self.current.read().unwrap_or_else(|p| p.into_inner()).1 {
            return Ok(false);
        }
        let loaded = read_cert_dir(&self.dir)?;
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = loaded;
        Ok(true)
    }

    /// The certificate chain currently served (DER), for checks.
    pub fn chain(&self) -> Vec<Vec<u8>> {
        let current = self.current.read().unwrap_or_else(|p| p.into_inner());
        current.0.cert.iter().map(|c| c.to_vec()).collect()
    }

    /// Checks for rotated files every `interval`, for as long as the task runs.
    pub fn watch(self: Arc<Self>, interval: std::time::Duration) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(interval).await;
                match self.reload_if_changed() {
                    Ok(true) => {
                        tracing::info!(dir = %self.dir.display(), "reloaded the serving certificate")
                    }
                    Ok(false) => {}
                    Err(e) => {
                        tracing::warn!(dir = %self.dir.display(), "keeping the current certificate: {e}")
                    }
                }
            }
        })
    }
}

impl ResolvesServerCert for CertDir {
    fn resolve(&self, _: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(
            self.current
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .0
                .clone(),
        )
    }
}

fn read_cert_dir(dir: &Path) -> Result<(Arc<CertifiedKey>, Option<SystemTime>), TlsError> {
    let read = |name: &str| {
        let path = dir.join(name);
        std::fs::read(&path).map_err(|source| TlsError::Read { path, source })
    };
    let (cert, key) = (read("tls.crt")?, read("tls.key")?);
    let modified = modified(&dir.join("tls.crt")).max(modified(&dir.join("tls.key")));
    Ok((certified_key(&cert, &key)?, modified))
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// Serves `app` over TLS until `shutdown` completes; a failed handshake only drops that
/// connection.
pub async fn serve(
    listener: TcpListener,
    app: axum::Router,
    config: Arc<ServerConfig>,
    shutdown: impl Future<Output = ()>,
) {
    let acceptor = tokio_rustls::TlsAcceptor::from(config);
    tokio::pin!(shutdown);
    loop {
        let (tcp, _) = tokio::select! {
            _ = &mut shutdown => return,
            accepted = listener.accept() => match accepted {
                Ok(connection) => connection,
                Err(e) => {
                    tracing::warn!("accept failed: {e}");
                    continue;
                }
            },
        };
        let acceptor = acceptor.clone();
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        tokio::spawn(async move {
            let Ok(tls) = acceptor.accept(tcp).await else {
                return;
            };
            let builder =
                hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new());
            let _ = builder
                .serve_connection_with_upgrades(hyper_util::rt::TokioIo::new(tls), service)
                .await;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rotated_certificate_is_picked_up_and_a_broken_one_is_not() {
        let dir = std::env::temp_dir().join(format!("capm3-certdir-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let ca = Ca::new("capm3-test").expect("ca");
        let write = |(cert, key): (String, String)| {
            std::fs::write(dir.join("tls.crt"), cert).expect("cert");
            std::fs::write(dir.join("tls.key"), key).expect("key");
        };
        write(ca.issue("webhook", &[]).expect("issue"));
        let certs = CertDir::load(&dir).expect("load");
        let first = certs.chain();
        assert!(
            !certs.reload_if_changed().expect("unchanged"),
            "nothing changed yet"
        );

        std::thread::sleep(std::time::Duration::from_millis(20));
        write(ca.issue("webhook", &[]).expect("issue"));
        assert!(certs.reload_if_changed().expect("rotated"));
        assert_ne!(certs.chain(), first, "the new certificate is served");

        let served = certs.chain();
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(dir.join("tls.key"), "not a key").expect("broken");
        assert!(certs.reload_if_changed().is_err());
        assert_eq!(
            certs.chain(),
            served,
            "a broken rotation keeps the current certificate"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
