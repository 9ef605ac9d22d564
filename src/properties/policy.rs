//! The policy builder: the access policy for one destination, built from [`Grants`].
//!
//! The shapes follow the CloudWatch Logs User Guide's cross-account subscription pages: accounts
//! as `"Principal": {"AWS": [...]}`, an organization as `"Principal": "*"` with a
//! `StringEquals` `aws:PrincipalOrgID` condition, and `logs:PutAccountPolicy` next to
//! `logs:PutSubscriptionFilter` for account-level subscription filter policies. Organization
//! paths use the IAM global condition key `aws:PrincipalOrgPaths`, which is multivalued and so
//! is compared with `ForAnyValue:StringLike` (a trailing `*` matches everything below a path).

use super::grants::Grants;
use super::{Policy, MAX_POLICY_BYTES};
use serde_json::{json, Value};

const SUBSCRIBE: &str = "logs:PutSubscriptionFilter";
const ACCOUNT_POLICY: &str = "logs:PutAccountPolicy";

impl Grants {
    /// The access policy for the destination `destination_arn` (its own Region's ARN, so that
    /// each Region's policy names its own destination), or why it cannot be used: CloudWatch
    /// Logs refuses policies over 5120 bytes, and this is checked before anything is written.
    ///
    /// One statement per kind of grant, always in the order accounts, organizations, paths;
    /// principals sorted and without duplicates; so equal grants always give the same bytes and
    /// an unchanged template never rewrites the policy.
    pub fn policy_for(&self, destination_arn: &str) -> Result<Policy, String> {
        let policy = self.build(destination_arn);
        if policy.text.len() <= MAX_POLICY_BYTES {
            return Ok(policy);
        }
        Err(self.too_large(policy.text.len()))
    }

    fn build(&self, destination_arn: &str) -> Policy {
        let action = if self.account_level {
            json!([SUBSCRIBE, ACCOUNT_POLICY])
        } else {
            json!(SUBSCRIBE)
        };
        let statement = |sid: &str, principal: Value, condition: Option<Value>| {
            let mut statement = json!({
                "Sid": sid,
                "Effect": "Allow",
                "Principal": principal,
                "Action": action,
                "Resource": destination_arn,
            });
            if let (Some(condition), Some(fields)) = (condition, statement.as_object_mut()) {
                fields.insert("Condition".to_owned(), condition);
            }
            statement
        };
        let mut statements = Vec::new();
        if !self.accounts.is_empty() {
            statements.push(statement(
                "AllowAccounts",
                json!({"AWS": self.accounts}),
                None,
            ));
        }
        if !self.organizations.is_empty() {
            statements.push(statement(
                "AllowOrganizations",
                json!("*"),
                Some(json!({"StringEquals": {"aws:PrincipalOrgID": self.organizations}})),
            ));
        }
        if !self.organization_paths.is_empty() {
            statements.push(statement(
                "AllowOrganizationPaths",
                json!("*"),
                Some(json!({
                    "ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": self.organization_paths}
                })),
            ));
        }
        let document = json!({"Version": "2012-10-17", "Statement": statements});
        Policy {
            text: document.to_string(),
            document,
        }
    }

    /// Says how many principals to remove: the fewest whose removal brings the policy under
    /// the limit, taking the longest first (each one costs its quoted text and a comma).
    fn too_large(&self, bytes: usize) -> String {
        let excess = bytes - MAX_POLICY_BYTES;
        let mut costs: Vec<usize> = self
            .accounts
            .iter()
            .chain(&self.organizations)
            .chain(&self.organization_paths)
            .map(|principal| Value::from(principal.as_str()).to_string().len() + 1)
            .collect();
        costs.sort_unstable_by(|a, b| b.cmp(a));
        let mut saved = 0;
        let remove = costs
            .iter()
            .take_while(|cost| {
                let short = saved < excess;
                saved += **cost;
                short
            })
            .count();
        format!(
            "The access policy built from AllowedAccounts, AllowedOrganizations and \
             AllowedOrganizationPaths would be {bytes} bytes, over CloudWatch Logs' \
             {MAX_POLICY_BYTES}-byte limit: remove at least {remove} of its {} principals, or \
             grant whole organizations (AllowedOrganizations) instead of listing their accounts",
            costs.len()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    const ARN: &str = "arn:aws:logs:eu-central-2:999999999999:destination:central";

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    fn document(grants: &Grants, arn: &str) -> Value {
        grants.policy_for(arn).expect("fits").document
    }

    #[test]
    fn accounts_are_listed_as_aws_principals() {
        let grants = Grants {
            accounts: set(&["444455556666", "111122223333"]),
            ..Grants::default()
        };
        assert_eq!(
            document(&grants, ARN),
            json!({
                "Version": "2012-10-17",
                "Statement": [{
                    "Sid": "AllowAccounts",
                    "Effect": "Allow",
                    "Principal": {"AWS": ["111122223333", "444455556666"]},
                    "Action": "logs:PutSubscriptionFilter",
                    "Resource": ARN,
                }]
            })
        );
    }

    #[test]
    fn organizations_are_granted_through_principal_org_id() {
        let grants = Grants {
            organizations: set(&["o-a1b2c3d4e5"]),
            ..Grants::default()
        };
        assert_eq!(
            document(&grants, ARN)["Statement"],
            json!([{
                "Sid": "AllowOrganizations",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "logs:PutSubscriptionFilter",
                "Resource": ARN,
                "Condition": {"StringEquals": {"aws:PrincipalOrgID": ["o-a1b2c3d4e5"]}},
            }])
        );
    }

    #[test]
    fn organization_paths_are_granted_through_principal_org_paths() {
        let grants = Grants {
            organization_paths: set(&["o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*"]),
            ..Grants::default()
        };
        assert_eq!(
            document(&grants, ARN)["Statement"],
            json!([{
                "Sid": "AllowOrganizationPaths",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "logs:PutSubscriptionFilter",
                "Resource": ARN,
                "Condition": {"ForAnyValue:StringLike": {
                    "aws:PrincipalOrgPaths": ["o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*"]
                }},
            }])
        );
    }

    #[test]
    fn account_level_subscriptions_add_put_account_policy_to_every_statement() {
        let grants = Grants {
            accounts: set(&["111122223333"]),
            organizations: set(&["o-a1b2c3d4e5"]),
            organization_paths: set(&["o-a1b2c3d4e5/*"]),
            account_level: true,
        };
        let statements = document(&grants, ARN)["Statement"].clone();
        let sids: Vec<&str> = statements
            .as_array()
            .expect("statements")
            .iter()
            .filter_map(|s| s["Sid"].as_str())
            .collect();
        assert_eq!(
            sids,
            [
                "AllowAccounts",
                "AllowOrganizations",
                "AllowOrganizationPaths"
            ]
        );
        for statement in statements.as_array().expect("statements") {
            assert_eq!(
                statement["Action"],
                json!(["logs:PutSubscriptionFilter", "logs:PutAccountPolicy"])
            );
        }
    }

    #[test]
    fn each_region_gets_its_own_resource_and_equal_grants_give_equal_bytes() {
        let a = Grants {
            accounts: set(&["111122223333", "444455556666"]),
            ..Grants::default()
        };
        let b = Grants {
            accounts: set(&["444455556666", "111122223333", "111122223333"]),
            ..Grants::default()
        };
        let gov = "arn:aws-us-gov:logs:us-gov-west-1:999999999999:destination:central";
        assert_eq!(document(&a, gov)["Statement"][0]["Resource"], gov);
        assert_eq!(
            a.policy_for(ARN).expect("fits").text,
            b.policy_for(ARN).expect("fits").text
        );
    }

    #[test]
    fn a_policy_over_5120_bytes_says_how_many_principals_to_remove() {
        let accounts = |n: u64| Grants {
            accounts: (0..n)
                .map(|i| format!("{:012}", 100_000_000_000 + i))
                .collect(),
            ..Grants::default()
        };
        // Find the largest list that fits, then check that one more account is refused with
        // the advice to remove exactly one.
        let fits = (1..1000)
            .take_while(|n| accounts(*n).policy_for(ARN).is_ok())
            .last()
            .expect("some accounts fit");
        assert!(fits > 300, "{fits} accounts fit");
        let reason = accounts(fits + 1).policy_for(ARN).unwrap_err();
        assert!(
            reason.contains("over CloudWatch Logs' 5120-byte limit"),
            "{reason}"
        );
        assert!(
            reason.contains(&format!("remove at least 1 of its {} principals", fits + 1)),
            "{reason}"
        );
        let reason = accounts(fits + 10).policy_for(ARN).unwrap_err();
        assert!(reason.contains("remove at least 10 of"), "{reason}");
        // The advice is right: removing that many makes it fit.
        assert!(accounts(fits + 10 - 10).policy_for(ARN).is_ok());
    }
}
