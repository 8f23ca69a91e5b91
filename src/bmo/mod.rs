//! The bundled BareMetalHost operator: BareMetalHost objects become Ironic calls, and the
//! hardware's state is reported back (upstream's baremetal-operator).

pub mod annotations;
pub mod backoff;
pub mod controller;
pub mod ironic;
pub mod machine;
pub mod provisioner;
pub mod state;
