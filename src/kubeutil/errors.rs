//! Reading the API server's refusals: which ones mean "someone else got there first".

/// Whether `error` is the API server's answer `code` with `reason`.
fn is(error: &kube::Error, code: u16, reason: &str) -> bool {
    matches!(error, kube::Error::Api(status) if status.code == code && status.reason == reason)
}

pub fn not_found(error: &kube::Error) -> bool {
    is(error, 404, "NotFound")
}

pub fn already_exists(error: &kube::Error) -> bool {
    is(error, 409, "AlreadyExists")
}

/// A write lost a race: the object changed since it was read (409), or went away.
pub fn lost_race(error: &kube::Error) -> bool {
    is(error, 409, "Conflict") || not_found(error)
}
