//! A change set with its property values, as the preview reads it.

use super::{stack_error, StackError, Stacks};

/// One resource's change in a change set, as `DescribeChangeSet` reports it with its
/// property values.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResourceChange {
    /// `Add`, `Modify`, `Remove`, `Import`, `Dynamic`, ...
    pub action: String,
    pub logical_id: String,
    /// Empty for a resource being added.
    pub physical_id: String,
    pub resource_type: String,
    /// `True`, `False` or `Conditional` (a Modify only).
    pub replacement: String,
    /// `Delete`, `Retain`, `ReplaceAndRetain`, ... (what the resource's policies make of it).
    pub policy_action: String,
    /// The resource before and after the change (JSON text with `Properties`, as
    /// CloudFormation wrote it; it may be cut short).
    pub before_context: Option<String>,
    pub after_context: Option<String>,
}

/// A change set's stack and its resource changes, every page read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChangeSet {
    pub id: String,
    pub stack_id: String,
    pub stack_name: String,
    /// `CREATE_COMPLETE` when it can be executed; `FAILED`, `CREATE_PENDING`, ...
    pub status: String,
    pub changes: Vec<ResourceChange>,
}

/// How many pages of a change set are read at most (CloudFormation's stacks hold at most 500
/// resources).
const MAX_CHANGE_SET_PAGES: usize = 50;

impl Stacks {
    /// The change set `id` (its ARN) with its property values (`IncludePropertyValues`), every
    /// page read.
    pub async fn change_set(&self, id: &str) -> Result<ChangeSet, StackError> {
        let mut read = ChangeSet::default();
        let mut token = None;
        for _ in 0..MAX_CHANGE_SET_PAGES {
            let output = self
                .client
                .describe_change_set()
                .change_set_name(id)
                .include_property_values(true)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| stack_error("DescribeChangeSet", id, e))?;
            let text = |value: Option<&str>| value.unwrap_or_default().to_owned();
            read.id = text(output.change_set_id());
            read.stack_id = text(output.stack_id());
            read.stack_name = text(output.stack_name());
            read.status = output
                .status()
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default();
            let changes = output.changes().iter().filter_map(|c| c.resource_change());
            read.changes.extend(changes.map(|c| {
                ResourceChange {
                    action: c
                        .action()
                        .map(|a| a.as_str().to_owned())
                        .unwrap_or_default(),
                    logical_id: text(c.logical_resource_id()),
                    physical_id: text(c.physical_resource_id()),
                    resource_type: text(c.resource_type()),
                    replacement: c
                        .replacement()
                        .map(|r| r.as_str().to_owned())
                        .unwrap_or_default(),
                    policy_action: c
                        .policy_action()
                        .map(|p| p.as_str().to_owned())
                        .unwrap_or_default(),
                    before_context: c.before_context().map(str::to_owned),
                    after_context: c.after_context().map(str::to_owned),
                }
            }));
            token = output.next_token().map(str::to_owned);
            if token.is_none() {
                return Ok(read);
            }
        }
        Err(StackError {
            operation: "DescribeChangeSet",
            stack: id.to_owned(),
            code: None,
            message: format!("more than {MAX_CHANGE_SET_PAGES} pages of changes"),
        })
    }
}
