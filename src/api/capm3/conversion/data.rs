//! Metal3Data and Metal3DataClaim.

use super::common::{
    Convert, Result, narrow_opt, required_ref_from_hub, required_ref_into_hub, same_shape, widen,
};
use crate::api::capm3::{v1beta1, v1beta2};

same_shape!(Metal3DataStatus);

impl Convert for v1beta1::Metal3DataSpec {
    type Hub = v1beta2::Metal3DataSpec;
    fn into_hub(self) -> Result<Self::Hub> {
        // templateReference has no v1beta2 counterpart (upstream drops it).
        Ok(v1beta2::Metal3DataSpec {
            claim: required_ref_into_hub(self.claim)?,
            index: narrow_opt(self.index, "spec.index")?,
            meta_data: self.meta_data,
            network_data: self.network_data,
            template: required_ref_into_hub(self.template)?,
        })
    }
    fn from_hub(hub: Self::Hub) -> Result<Self> {
        Ok(v1beta1::Metal3DataSpec {
            claim: required_ref_from_hub(hub.claim)?,
            index: widen(hub.index),
            meta_data: hub.meta_data,
            network_data: hub.network_data,
            template: required_ref_from_hub(hub.template)?,
            template_reference: None,
        })
    }
}

impl Convert for v1beta1::Metal3DataClaimSpec {
    type Hub = v1beta2::Metal3DataClaimSpec;
    fn into_hub(self) -> Result<Self::Hub> {
        Ok(v1beta2::Metal3DataClaimSpec {
            template: required_ref_into_hub(self.template)?,
        })
    }
    fn from_hub(hub: Self::Hub) -> Result<Self> {
        Ok(v1beta1::Metal3DataClaimSpec {
            template: required_ref_from_hub(hub.template)?,
        })
    }
}

impl Convert for v1beta1::Metal3DataClaimStatus {
    type Hub = v1beta2::Metal3DataClaimStatus;
    fn into_hub(self) -> Result<Self::Hub> {
        Ok(v1beta2::Metal3DataClaimStatus {
            error_message: self.error_message,
            rendered_data: self.rendered_data.into_hub()?,
        })
    }
    fn from_hub(hub: Self::Hub) -> Result<Self> {
        Ok(v1beta1::Metal3DataClaimStatus {
            error_message: hub.error_message,
            rendered_data: Convert::from_hub(hub.rendered_data)?,
        })
    }
}
