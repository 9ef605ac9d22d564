//! Delete: only what this resource owns, and success for anything already gone.

use crate::destinations::{AwsError, Destinations};
use crate::lifecycle::ownership::{self, Found};
use crate::lifecycle::{Done, Failed, OWNER_TAG};
use crate::properties;
use serde_json::Value;

pub async fn delete(
    logs: &Destinations,
    id: &str,
    properties: &Value,
    owner: &str,
    function_arn: &str,
) -> Result<Done, Failed> {
    // A failed Create's id, or one CloudFormation generated for a cancelled Create: nothing of
    // ours can carry it.
    if !properties::is_valid_name(id) {
        return Ok(Done {
            physical_resource_id: id.to_owned(),
            destination: None,
            warning: None,
        });
    }
    match delete_if_owned(logs, id, properties, owner, function_arn).await {
        Ok(warning) => Ok(Done {
            physical_resource_id: id.to_owned(),
            destination: None,
            warning,
        }),
        Err(error) => Err(Failed {
            physical_resource_id: id.to_owned(),
            reason: error.to_string(),
        }),
    }
}

/// Two calls for what we own (ListTagsForResource, DeleteDestination); an untagged destination
/// takes a DescribeDestinations more, to tell our own unfinished creation from anyone else's.
async fn delete_if_owned(
    logs: &Destinations,
    name: &str,
    properties: &Value,
    owner: &str,
    function_arn: &str,
) -> Result<Option<String>, AwsError> {
    let mut described = None;
    let arn = match destination_arn(function_arn, logs.region().as_deref(), name) {
        Some(arn) => arn,
        None => match logs.find(name).await? {
            Some(existing) => {
                let arn = existing.arn.clone();
                described = Some(existing);
                arn
            }
            None => return Ok(None),
        },
    };
    let Some(tags) = logs.tags(name, &arn).await? else {
        return Ok(None);
    };
    let owned = if tags.get(OWNER_TAG).map(String::as_str) == Some(owner) {
        true
    } else if tags.is_empty() {
        let destination = match described {
            Some(destination) => Some(destination),
            None => logs.find(name).await?,
        };
        let Some(destination) = destination else {
            return Ok(None);
        };
        // The properties say which target and role this resource gave it.
        properties::parse(properties).is_ok_and(|desired| {
            matches!(
                ownership::classify(
                    destination,
                    tags,
                    owner,
                    &desired.target_arn,
                    &desired.role_arn,
                    ownership::now_ms(),
                ),
                Found::Unfinished(_)
            )
        })
    } else {
        false
    };
    if !owned {
        let warning = format!(
            "Destination {name} has no {OWNER_TAG} tag for this stack resource (this resource \
             did not create it); it was left untouched"
        );
        tracing::warn!(destination = name, "{warning}");
        return Ok(Some(warning));
    }
    logs.delete(name).await?;
    Ok(None)
}

/// `arn:PARTITION:logs:REGION:ACCOUNT:destination:NAME`, in the invoked function's account.
fn destination_arn(function_arn: &str, region: Option<&str>, name: &str) -> Option<String> {
    let parts: Vec<&str> = function_arn.splitn(7, ':').collect();
    let [_, partition, _, function_region, account, ..] = parts.as_slice() else {
        return None;
    };
    let region = region.unwrap_or(function_region);
    (parts.len() == 7 && !partition.is_empty() && !account.is_empty() && !region.is_empty())
        .then(|| format!("arn:{partition}:logs:{region}:{account}:destination:{name}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destination_arns_come_from_the_function_account() {
        let function = "arn:aws:lambda:us-east-1:123456789012:function:cfn-logs-destination";
        assert_eq!(
            destination_arn(function, Some("eu-west-1"), "d").as_deref(),
            Some("arn:aws:logs:eu-west-1:123456789012:destination:d")
        );
        assert_eq!(
            destination_arn(function, None, "d").as_deref(),
            Some("arn:aws:logs:us-east-1:123456789012:destination:d")
        );
        assert_eq!(destination_arn("", None, "d"), None);
    }
}
