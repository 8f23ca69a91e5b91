//! The API server's URL grammar.

/// What a path addresses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    Version,
    /// `/api`
    CoreVersions,
    /// `/apis`
    Groups,
    /// `/apis/{group}`
    Group(String),
    /// `/api/v1` or `/apis/{group}/{version}`
    ResourceList {
        group: String,
        version: String,
    },
    /// A collection or an object (and maybe a subresource of it).
    Resource(ResourcePath),
    /// `/openapi/v3`
    OpenApiRoot,
    /// `/openapi/v3/api/v1` or `/openapi/v3/apis/{group}/{version}`
    OpenApi {
        group: String,
        version: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourcePath {
    pub group: String,
    pub version: String,
    pub namespace: Option<String>,
    pub resource: String,
    pub name: Option<String>,
    pub subresource: Option<String>,
}

/// Parses a request path (without query), or `None` when it is not an API path.
pub fn parse(path: &str) -> Option<Route> {
    let segments: Vec<&str> = path
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    match segments.as_slice() {
        ["version"] => Some(Route::Version),
        ["openapi", "v3"] => Some(Route::OpenApiRoot),
        ["openapi", "v3", "api", version] => Some(Route::OpenApi {
            group: String::new(),
            version: (*version).into(),
        }),
        ["openapi", "v3", "apis", group, version] => Some(Route::OpenApi {
            group: (*group).into(),
            version: (*version).into(),
        }),
        ["api"] => Some(Route::CoreVersions),
        ["apis"] => Some(Route::Groups),
        ["apis", group] => Some(Route::Group((*group).into())),
        ["api", version] => Some(Route::ResourceList {
            group: String::new(),
            version: (*version).into(),
        }),
        ["apis", group, version] => Some(Route::ResourceList {
            group: (*group).into(),
            version: (*version).into(),
        }),
        ["api", version, rest @ ..] => resource("", version, rest),
        ["apis", group, version, rest @ ..] => resource(group, version, rest),
        _ => None,
    }
}

fn resource(group: &str, version: &str, rest: &[&str]) -> Option<Route> {
    let path = |namespace: Option<&str>, resource: &str, name: Option<&str>, sub: Option<&str>| {
        Route::Resource(ResourcePath {
            group: group.into(),
            version: version.into(),
            namespace: namespace.map(Into::into),
            resource: resource.into(),
            name: name.map(Into::into),
            subresource: sub.map(Into::into),
        })
    };
    match rest {
        // `namespaces/{name}/status` is the Namespace's own subresource, not a collection.
        ["namespaces", name, sub @ ("status" | "finalize")] if group.is_empty() => {
            Some(path(None, "namespaces", Some(name), Some(sub)))
        }
        ["namespaces", ns, resource] => Some(path(Some(ns), resource, None, None)),
        ["namespaces", ns, resource, name] => Some(path(Some(ns), resource, Some(name), None)),
        ["namespaces", ns, resource, name, sub] => {
            Some(path(Some(ns), resource, Some(name), Some(sub)))
        }
        [resource] => Some(path(None, resource, None, None)),
        [resource, name] => Some(path(None, resource, Some(name), None)),
        [resource, name, sub] => Some(path(None, resource, Some(name), Some(sub))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn res(
        group: &str,
        ns: Option<&str>,
        resource: &str,
        name: Option<&str>,
        sub: Option<&str>,
    ) -> Option<Route> {
        let version = if group.is_empty() { "v1" } else { "v1alpha1" };
        Some(Route::Resource(ResourcePath {
            group: group.into(),
            version: version.into(),
            namespace: ns.map(Into::into),
            resource: resource.into(),
            name: name.map(Into::into),
            subresource: sub.map(Into::into),
        }))
    }

    #[test]
    fn paths_route_like_the_api_server() {
        assert_eq!(parse("/version"), Some(Route::Version));
        assert_eq!(
            parse("/apis/metal3.io"),
            Some(Route::Group("metal3.io".into()))
        );
        assert_eq!(
            parse("/api/v1"),
            Some(Route::ResourceList {
                group: String::new(),
                version: "v1".into()
            })
        );
        assert_eq!(
            parse("/api/v1/namespaces"),
            res("", None, "namespaces", None, None)
        );
        assert_eq!(
            parse("/api/v1/namespaces/metal3"),
            res("", None, "namespaces", Some("metal3"), None)
        );
        assert_eq!(
            parse("/api/v1/namespaces/metal3/status"),
            res("", None, "namespaces", Some("metal3"), Some("status"))
        );
        assert_eq!(
            parse("/api/v1/namespaces/metal3/secrets"),
            res("", Some("metal3"), "secrets", None, None)
        );
        assert_eq!(
            parse("/api/v1/nodes/n1"),
            res("", None, "nodes", Some("n1"), None)
        );
        assert_eq!(
            parse("/apis/metal3.io/v1alpha1/namespaces/ns/baremetalhosts/h/status"),
            res(
                "metal3.io",
                Some("ns"),
                "baremetalhosts",
                Some("h"),
                Some("status")
            )
        );
        assert_eq!(
            parse("/apis/metal3.io/v1alpha1/baremetalhosts"),
            res("metal3.io", None, "baremetalhosts", None, None)
        );
        assert_eq!(parse("/healthz"), None);
    }
}
