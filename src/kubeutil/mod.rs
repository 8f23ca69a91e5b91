//! Small building blocks every controller shares: following this replica's leadership,
//! writing finalizers without overwriting a concurrent change, reading refusals, and publishing
//! Events.

pub mod errors;
pub mod events;
pub mod finalizers;
pub mod leadership;

/// What a Controller's result stream is drained with: errors were already handled by the
/// error policy, so they are only logged at debug level.
pub fn log_errors<T, E: std::fmt::Display>(
    controller: &'static str,
) -> impl FnMut(Result<T, E>) -> std::future::Ready<()> {
    move |result| {
        if let Err(error) = result {
            tracing::debug!(controller, "{error}");
        }
        std::future::ready(())
    }
}

/// What most controllers' error policies do: log the failed reconcile of `object` and look at
/// it again after `retry`.
pub fn retry_after_error<K: kube::Resource<DynamicType = ()>>(
    object: &K,
    error: &dyn std::fmt::Display,
    retry: std::time::Duration,
) -> kube::runtime::controller::Action {
    let meta = object.meta();
    tracing::warn!(
        kind = %K::kind(&()),
        name = %meta.name.as_deref().unwrap_or_default(),
        namespace = %meta.namespace.as_deref().unwrap_or_default(),
        "reconcile failed: {error}"
    );
    kube::runtime::controller::Action::requeue(retry)
}
