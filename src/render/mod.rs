//! Rendering of a Metal3Data's metaData and networkData (pure).
pub mod yaml;
