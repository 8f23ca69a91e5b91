use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::IronicError;

/// How to reach Ironic.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// Ironic's endpoint, with or without the `/v1` suffix (`IRONIC_ENDPOINT`).
    pub endpoint: String,
    pub auth: Auth,
    /// A CA bundle to trust (PEM), instead of the system roots.
    pub ca_cert: Option<PathBuf>,
    /// A client certificate and key (PEM) for mutual TLS.
    pub client_cert: Option<(PathBuf, PathBuf)>,
    /// Accept any server certificate. Only for test beds.
    pub insecure: bool,
    /// Per-request timeout (upstream's `IRONIC_CLIENT_TIMEOUT`, default 30 s).
    pub timeout: Duration,
}

impl ClientConfig {
    pub fn new(endpoint: impl Into<String>) -> Self {
        ClientConfig {
            endpoint: endpoint.into(),
            auth: Auth::None,
            ca_cert: None,
            client_cert: None,
            insecure: false,
            timeout: Duration::from_secs(30),
        }
    }
}

/// Ironic authentication: none, or HTTP Basic. Keystone is not supported (as upstream).
#[derive(Clone, Default)]
pub enum Auth {
    #[default]
    None,
    Basic {
        username: String,
        password: String,
    },
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::None => f.write_str("None"),
            Auth::Basic { username, .. } => write!(
                f,
                "Basic {{ username: {username:?}, password: <redacted> }}"
            ),
        }
    }
}

impl Auth {
    /// Upstream's convention: `DIR/username` and `DIR/password` (default
    /// `/opt/metal3/auth/ironic`) mean HTTP Basic; no directory means no auth. Values are
    /// trimmed; an empty one is an error.
    pub fn from_dir(dir: &Path) -> Result<Auth, IronicError> {
        if !dir.is_dir() {
            return Ok(Auth::None);
        }
        let read = |name: &str| -> Result<String, IronicError> {
            let path = dir.join(name);
            let value = std::fs::read_to_string(&path)
                .map_err(|e| IronicError::Config(format!("cannot read {}: {e}", path.display())))?;
            let value = value.trim().to_owned();
            if value.is_empty() {
                return Err(IronicError::Config(format!("{} is empty", path.display())));
            }
            Ok(value)
        };
        Ok(Auth::Basic {
            username: read("username")?,
            password: read("password")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_come_from_a_directory_and_never_show() {
        let dir = std::env::temp_dir().join(format!("capm3-ironic-auth-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::write(dir.join("username"), "admin\n").expect("write");
        std::fs::write(dir.join("password"), " s3cret \n").expect("write");
        let auth = Auth::from_dir(&dir).expect("auth");
        assert!(
            matches!(&auth, Auth::Basic { username, password } if username == "admin" && password == "s3cret")
        );
        assert!(!format!("{auth:?}").contains("s3cret"));
        std::fs::write(dir.join("password"), "  \n").expect("write");
        assert!(
            Auth::from_dir(&dir).is_err(),
            "an empty password is an error"
        );
        let _ = std::fs::remove_dir_all(&dir);
        assert!(
            matches!(Auth::from_dir(&dir), Ok(Auth::None)),
            "no directory, no auth"
        );
    }
}
