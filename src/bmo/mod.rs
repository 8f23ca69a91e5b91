//! The bundled BareMetalHost operator: BareMetalHost objects become Ironic calls, and the
//! hardware's state is reported back (upstream's baremetal-operator).

pub mod annotations;
pub mod backoff;
pub mod ironic;
pub mod provisioner;
pub mod state;
