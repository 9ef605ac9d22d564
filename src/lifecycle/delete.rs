//! Delete: only what this resource owns, and success for anything already gone.

use crate::destinations::{AwsError, Destinations};
use crate::lifecycle::ownership::{self, Found};
use crate::lifecycle::{destination_arn, Done, Failed, OWNER_TAG};
use crate::properties;
use serde_json::Value;

/// Deletes `id` in the client's Region if this resource owns it; `id` is a valid name.
pub async fn delete(
    logs: &Destinations,
    id: &str,
    properties: &Value,
    owner: &str,
    function_arn: &str,
) -> Result<Done, Failed> {
    match delete_if_owned(logs, id, properties, owner, function_arn).await {
        Ok(warning) => Ok(Done::gone(id, warning)),
        Err(error) => Err(Failed {
            physical_resource_id: id.to_owned(),
            reason: error.to_string(),
        }),
    }
}

/// Two calls for what we own (ListTagsForResource, DeleteDestination); an untagged destination
/// takes a DescribeDestinations more, to tell our own unfinished creation from anyone else's.
pub async fn delete_if_owned(
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
        // The properties say what this resource gave it.
        let desired = properties::parse(properties).ok();
        matches!(
            ownership::classify(
                destination,
                tags,
                owner,
                desired.as_ref(),
                ownership::now_ms()
            ),
            Found::Unfinished(_)
        )
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
