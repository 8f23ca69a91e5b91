mod ipaddress;
mod ipclaim;
mod ippool;

pub use ipaddress::*;
pub use ipclaim::*;
pub use ippool::*;
