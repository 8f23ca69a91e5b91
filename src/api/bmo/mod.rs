//! `metal3.io`: BareMetalHost and its companion kinds (the baremetal-operator's API).
pub mod v1alpha1;
