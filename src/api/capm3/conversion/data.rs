//! Metal3Data and Metal3DataClaim.

use super::common::{
    Convert, Result, by_field, narrow_opt, required_ref_from_hub, required_ref_into_hub,
    same_shape, widen,
};
use crate::api::capm3::{v1beta1, v1beta2};

same_shape!(Metal3DataStatus);
by_field!(Metal3DataClaimStatus {
    error_message,
    rendered_data
});

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

/// API-05: Metal3Data and Metal3DataClaim rules.
#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::api::capm3::conversion::testing::{V1BETA1, V1BETA2, object, round_trip, stored};

    #[test]
    fn required_references_are_optional_in_v1beta2() {
        // (v1beta1 reference, v1beta2 reference)
        let table = [
            (
                json!({"name": "t", "namespace": "ns"}),
                json!({"name": "t", "namespace": "ns"}),
            ),
            (json!({}), json!(null)),
            (json!({"kind": "Metal3DataTemplate"}), json!(null)),
        ];
        for (old_ref, new_ref) in table {
            let old = object(
                V1BETA1,
                "Metal3DataClaim",
                json!({"spec": {"template": old_ref}}),
            );
            let new = round_trip(&old, V1BETA2);
            assert_eq!(new["spec"]["template"], new_ref);
        }
        let new = object(V1BETA2, "Metal3DataClaim", json!({"spec": {}}));
        assert_eq!(round_trip(&new, V1BETA1)["spec"], json!({"template": {}}));
    }

    #[test]
    fn index_narrows_and_template_reference_travels_in_the_annotation() {
        let spec = json!({"index": 3, "claim": {"name": "c"}, "template": {"name": "t"}, "templateReference": "r"});
        let new = round_trip(
            &object(V1BETA1, "Metal3Data", json!({"spec": spec})),
            V1BETA2,
        );
        assert_eq!(
            new["spec"],
            json!({"index": 3, "claim": {"name": "c"}, "template": {"name": "t"}})
        );
        assert_eq!(
            stored(&new).expect("annotated")["spec"]["templateReference"],
            "r"
        );
    }

    #[test]
    fn an_index_beyond_int32_is_an_error() {
        let spec = json!({"spec": {"index": 1_i64 << 32, "claim": {}, "template": {}}});
        let error = super::super::convert(object(V1BETA1, "Metal3Data", spec), V1BETA2)
            .expect_err("does not fit");
        assert_eq!(
            error.to_string(),
            "spec.index: 4294967296 does not fit in a 32-bit integer"
        );
    }
}
