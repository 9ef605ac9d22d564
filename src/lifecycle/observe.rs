//! Looking at every Region involved, concurrently and once, before anything is written. The
//! destination's ARN is known from the function's, so its description and its tags can be
//! asked for at the same time: one round trip.

use super::authority::Tags;
use super::fan::each;
use super::intent::{Intent, Operation};
use crate::destinations::{AwsError, Destination, Destinations};
use std::collections::BTreeMap;

/// What one Region holds under the requested name.
#[derive(Clone, Debug, PartialEq)]
pub enum Seen {
    Absent,
    /// `destination` is `None` when its tags alone told whose it is (a Delete).
    Present {
        destination: Option<Destination>,
        tags: Tags,
    },
}

/// Every involved Region's observation, or why it could not be looked at.
pub type Observation = BTreeMap<String, Result<Seen, AwsError>>;

/// How much to ask, as the operation needs it in the fewest calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Look {
    /// A Create mostly finds nothing: DescribeDestinations, then the tags of what it found.
    DescribeFirst,
    /// An Update mostly finds its own destination: both at once.
    Both,
    /// A Delete mostly finds its own tag: ListTagsForResource, then a description only of an
    /// untagged destination (which may be this resource's unfinished creation).
    TagsFirst,
}

pub async fn observe(logs: &Destinations, intent: &Intent) -> Observation {
    let look = match intent.operation {
        Operation::Create | Operation::Replace => Look::DescribeFirst,
        Operation::Update => Look::Both,
        Operation::Delete => Look::TagsFirst,
    };
    let involved: Vec<String> = intent.involved().cloned().collect();
    each(&involved, |region| async move {
        let logs = logs.in_region(&region);
        look_at(&logs, &intent.name, intent.arn(&region), look).await
    })
    .await
    .into_iter()
    .collect()
}

async fn look_at(logs: &Destinations, name: &str, arn: &str, look: Look) -> Result<Seen, AwsError> {
    let (destination, tags) = match look {
        Look::DescribeFirst => {
            let Some(destination) = logs.find(name).await? else {
                return Ok(Seen::Absent);
            };
            let tags = logs.tags(name, &destination.arn).await?;
            (Some(destination), tags)
        }
        Look::Both => {
            let (destination, tags) = tokio::join!(logs.find(name), logs.tags(name, arn));
            let Some(destination) = destination? else {
                return Ok(Seen::Absent);
            };
            (Some(destination), tags?)
        }
        Look::TagsFirst => {
            let tags = logs.tags(name, arn).await?;
            let destination = match &tags {
                Some(tags) if tags.is_empty() => match logs.find(name).await? {
                    Some(destination) => Some(destination),
                    None => return Ok(Seen::Absent),
                },
                _ => None,
            };
            (destination, tags)
        }
    };
    Ok(match tags {
        Some(tags) => Seen::Present { destination, tags },
        // Deleted between the two calls.
        None => Seen::Absent,
    })
}
