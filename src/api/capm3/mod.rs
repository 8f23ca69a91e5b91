//! `infrastructure.cluster.x-k8s.io`: the CAPM3 kinds, served as v1beta2 (storage) and
//! v1beta1 (deprecated), converted by [`conversion`].
pub mod conversion;
pub mod v1beta1;
pub mod v1beta2;
